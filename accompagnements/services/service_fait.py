"""Service fait: after a held session the beneficiary and the mentor each confirm it took place
(from the e-mail's signed link or their space); a "no" disputes it and the coordination settles it,
with a reason. The answers (who, when, what) are on the accompagnement's timeline."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation
from core.permissions import require
from core.workflow import apply_transition

from .. import liens
from ..models import AccompagnementEvenement, ConfirmationSeance, Seance
from ..parties import BENEFICIAIRE, MENTOR
from ..permissions import role_in
from ..workflow_service_fait import WORKFLOW as SERVICE_FAIT_WORKFLOW
from .accompagnement import programme_modifie_signaler, seance_historique


def _service_fait_transition(*, seance: Seance, name: str, by: User | None, reason: str = "") -> Seance:
    history = seance_historique(transition_name=f"service_fait_{name}", by=by, reason=reason)
    moved = apply_transition(
        seance,
        workflow=SERVICE_FAIT_WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        state_field="service_fait",
        history=history,
    )
    programme_modifie_signaler(seance.accompagnement.programme_id)
    return moved


def confirmations_demander(*, seance: Seance, sauf: User | None = None) -> int:
    """E-mail each party of the pair who has not answered yet their own signed link (after commit)."""
    accompagnement = seance.accompagnement
    answered = set(ConfirmationSeance.objects.filter(seance=seance).values_list("partie", flat=True))
    personnes: list[User] = []
    if BENEFICIAIRE not in answered:
        personnes.append(accompagnement.beneficiaire)
    if MENTOR not in answered:
        personnes.extend(m.user for m in accompagnement.mentors.select_related("user") if m.user)
    sent = 0
    for personne in personnes:
        if personne == sauf or not personne.email:
            continue
        send_templated_after_commit(
            to=[personne.email],
            name="seance_a_confirmer",
            context={
                "seance": seance,
                "accompagnement": accompagnement,
                "lien": liens.lien_absolu(seance, personne),
                "lien_duree": liens.lien_duree(),
            },
        )
        sent += 1
    return sent


def _record(*, seance: Seance, partie: str, tenue: bool, commentaire: str, by: User) -> ConfirmationSeance:
    confirmation = ConfirmationSeance.objects.create(
        seance=seance, partie=partie, personne=by, tenue=tenue, commentaire=commentaire.strip()
    )
    AccompagnementEvenement.objects.create(
        accompagnement_id=seance.accompagnement_id,
        kind="autre",
        transition="service_fait_repondre",
        actor=by,
        reason=commentaire.strip(),
        details={"seance": seance.pk, "debut": seance.debut.isoformat(), "partie": partie, "tenue": tenue},
    )
    return confirmation


@transaction.atomic
def seance_confirmer(*, seance: Seance, tenue: bool, by: User, commentaire: str = "") -> ConfirmationSeance:
    """One of the pair says whether the held session took place. Both "yes": the session is confirmed
    (payable); a "no" (with a reason) disputes it and the coordination is told."""
    require(by, "seance.confirmer", seance)
    locked = Seance.objects.select_for_update().select_related("accompagnement").get(pk=seance.pk)
    require(by, "seance.confirmer", locked)
    if not tenue and not commentaire.strip():
        raise RuleViolation(_("Dites en quelques mots ce qui s’est passé."), field="commentaire")
    partie = role_in(locked.accompagnement, by)
    confirmation = _record(seance=locked, partie=str(partie), tenue=tenue, commentaire=commentaire, by=by)
    if not tenue:
        _service_fait_transition(seance=locked, name="contester", by=by, reason=commentaire.strip())
        send_templated_after_commit(
            to=[locked.accompagnement.programme.pilote.email],
            name="seance_contestee",
            context={"seance": locked, "accompagnement": locked.accompagnement, "confirmation": confirmation},
        )
    elif set(ConfirmationSeance.objects.filter(seance=locked, tenue=True).values_list("partie", flat=True)) >= {
        BENEFICIAIRE,
        MENTOR,
    }:
        _service_fait_transition(seance=locked, name="confirmer", by=by)
    seance.service_fait = locked.service_fait
    return confirmation


def mentor_confirme_en_realisant(*, seance: Seance, by: User) -> None:
    """Marking a session held is the mentor's own "yes"; the others are asked by e-mail."""
    if role_in(seance.accompagnement, by) == MENTOR:
        _record(seance=seance, partie=MENTOR, tenue=True, commentaire="", by=by)
    confirmations_demander(seance=seance, sauf=by)


@transaction.atomic
def seance_service_fait_arbitrer(*, seance: Seance, tenue: bool, motif: str, by: User) -> Seance:
    """The coordination settles a disputed (or never confirmed) held session: held or not, with a reason."""
    name = "arbitrer_tenue" if tenue else "arbitrer_non_tenue"
    require(by, f"service_fait.{name}", seance)
    if not motif.strip():
        raise RuleViolation(_("Expliquez votre décision."), field="motif")
    return _service_fait_transition(seance=seance, name=name, by=by, reason=motif.strip())
