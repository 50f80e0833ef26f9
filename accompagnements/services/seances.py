"""Sessions: planning, moving, holding and cancelling sessions, their questions, reports and supporting
records, and the person's private calendar feed. Limits: the convention's half-days
(Accompagnement.demi_journees_prevues) and the format's per-structure ceiling in the programme.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.concurrency import lock_unchanged
from core.emails import render_email, send_after_commit, send_templated_after_commit
from core.exceptions import RuleViolation
from core.permissions import require
from core.uploads import CheckedUpload
from core.workflow import apply_transition
from programmes.models import Structure
from programmes.rules import check_duree_seance

from .. import calendar as seance_dates
from ..models import (
    Accompagnement,
    AccompagnementEvenement,
    CompteRendu,
    Creneau,
    EtatSeance,
    FluxCalendrier,
    ModaliteSeance,
    Objectif,
    QuestionSeance,
    Seance,
    SupportTemoin,
    TypeSupport,
    new_feed_token,
)
from ..permissions import COORDINATION, role_in
from ..workflow_seances import WORKFLOW as SEANCE_WORKFLOW
from .accompagnement import programme_modifie_signaler, seance_historique
from .service_fait import mentor_confirme_en_realisant

# The transition recorded when the convention is signed by all (accompagnements/workflow.py).
DEMARRER = "demarrer"


def _check_seance_limits(*, accompagnement: Accompagnement, demi_journees: int, exclude_seance_id: int | None = None) -> None:
    """Refuse half-days beyond the convention or beyond the format's ceiling for the structure.

    Locks the beneficiary structure so that two plans for one structure are checked in turn.
    """
    structure = Structure.objects.select_for_update().get(pk=accompagnement.structure_beneficiaire_id)
    seances = Seance.objects.comptees()
    if exclude_seance_id:
        seances = seances.exclude(pk=exclude_seance_id)
    deja = seances.filter(accompagnement=accompagnement).aggregate(n=Sum("demi_journees"))["n"] or 0
    if deja + demi_journees > accompagnement.demi_journees_prevues:
        raise RuleViolation(
            _(
                "Cette séance dépasserait les demi-journées de la convention : %(prevues)s prévue(s), "
                "%(deja)s déjà planifiée(s) ou consommée(s), il en reste %(reste)s."
            )
            % {
                "prevues": accompagnement.demi_journees_prevues,
                "deja": deja,
                "reste": max(accompagnement.demi_journees_prevues - deja, 0),
            }
            if not accompagnement.format.est_en_heures
            else _(
                "Cette séance dépasserait la durée prévue : %(prevues)s, dont %(deja)s déjà planifiée(s) ou "
                "consommée(s) ; il en reste %(reste)s."
            )
            % {
                "prevues": accompagnement.format.duree_texte(accompagnement.demi_journees_prevues),
                "deja": accompagnement.format.duree_texte(deja),
                "reste": accompagnement.format.duree_texte(max(accompagnement.demi_journees_prevues - deja, 0)),
            },
            field="demi_journees",
        )
    format = accompagnement.format
    structure_total = (
        seances.filter(
            accompagnement__structure_beneficiaire=structure,
            accompagnement__format=format,
            accompagnement__programme_id=accompagnement.programme_id,
        ).aggregate(n=Sum("demi_journees"))["n"]
        or 0
    )
    if structure_total + demi_journees > format.demi_journees_max:
        raise RuleViolation(
            _(
                "Limite du programme dépassée : %(structure)s a déjà %(deja)s de %(format)s planifiée(s) "
                "ou consommée(s) dans ce programme, tous accompagnements confondus ; le maximum est de %(max)s "
                "par structure bénéficiaire (il en reste %(reste)s)."
            )
            % {
                "structure": structure.raison_sociale,
                "deja": format.duree_texte(structure_total),
                "format": format.libelle,
                "max": format.demi_journees_max,
                "reste": max(format.demi_journees_max - structure_total, 0),
            },
            field="demi_journees",
        )


def debut_convention(accompagnement: Accompagnement) -> datetime.date | None:
    """The day the accompagnement started, i.e. its convention was signed by all (None if not recorded)."""
    demarre = (
        AccompagnementEvenement.objects.filter(accompagnement=accompagnement, transition=DEMARRER)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localtime(demarre).date() if demarre else None


def _check_seance_date(*, accompagnement: Accompagnement, debut: datetime.datetime) -> None:
    """A session takes place within the programme's period, and not before its convention was signed."""
    jour = timezone.localtime(debut).date()
    programme = accompagnement.programme
    if not programme.date_debut <= jour <= programme.date_fin:
        raise RuleViolation(
            _("La séance doit avoir lieu pendant la période du programme %(programme)s, du %(debut)s au %(fin)s.")
            % {
                "programme": programme.nom,
                "debut": date_format(programme.date_debut, "SHORT_DATE_FORMAT"),
                "fin": date_format(programme.date_fin, "SHORT_DATE_FORMAT"),
            },
            field="date",
        )
    signee = debut_convention(accompagnement)
    if signee is not None and jour < signee:
        raise RuleViolation(
            _("La séance ne peut pas précéder la signature de la convention (le %(signee)s).")
            % {"signee": date_format(signee, "SHORT_DATE_FORMAT")},
            field="date",
        )


def check_lieu(*, modalite: str, lieu: str, lien_visio: str) -> None:
    if modalite == ModaliteSeance.PRESENTIEL and not lieu.strip():
        raise RuleViolation(_("Indiquez le lieu de la séance."), field="lieu")
    if modalite == ModaliteSeance.DISTANCE and not lien_visio.strip():
        raise RuleViolation(_("Indiquez le lien de visioconférence."), field="lien_visio")


def _participants_emails(accompagnement: Accompagnement) -> list[str]:
    emails = [accompagnement.beneficiaire.email] + [m.user.email for m in accompagnement.mentors.select_related("user") if m.user]
    return sorted({e for e in emails if e})


def _send_invitation(seance: Seance, *, name: str, context: dict[str, Any]) -> None:
    """The e-mail `name` to both parties (the one who acted included: the attached invitation is what
    keeps each calendar right), with the session's .ics (REQUEST, or CANCEL once cancelled)."""
    recipients = _participants_emails(seance.accompagnement)
    if not recipients:
        return
    rendered = render_email(name, {"seance": seance, **context})
    send_after_commit(
        to=recipients,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=[seance_dates.seance_invitation(seance, attendees=recipients)],
        **rendered.trace(),
    )


def _evenement_agenda(seance: Seance) -> tuple[Any, ...]:
    """What a calendar shows of the session: a change of any of these is a new version of its event."""
    return (seance.debut, seance.demi_journees, seance.modalite, seance.lieu, seance.lien_visio, seance.sujet)


def _creneau_liberer(seance: Seance) -> None:
    """The slot this session booked is offered again (the session moved away or was cancelled)."""
    Creneau.objects.filter(seance=seance).update(seance=None, updated_at=timezone.now())


@transaction.atomic
def seance_plan(
    *,
    accompagnement: Accompagnement,
    debut: datetime.datetime,
    demi_journees: int,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
    sujet: str = "",
    by: User,
) -> Seance:
    """Plan a session (mentor or coordination) once the convention is signed, within the half-day limits."""
    require(by, "seance.planifier", accompagnement)
    return seance_create_checked(
        accompagnement=accompagnement,
        debut=debut,
        demi_journees=demi_journees,
        modalite=modalite,
        lieu=lieu,
        lien_visio=lien_visio,
        sujet=sujet,
        by=by,
    )


def seance_create_checked(
    *,
    accompagnement: Accompagnement,
    debut: datetime.datetime,
    demi_journees: int,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
    sujet: str = "",
    by: User,
    details: dict[str, Any] | None = None,
) -> Seance:
    """Every rule of a planned session, then the session, its history row and the invitation to both
    parties. For the services that plan (seance_plan, creneau_book), inside their transaction, once
    they checked who may; `details` adds to the history row (e.g. the booked slot)."""
    check_duree_seance(format=accompagnement.format, duree=demi_journees)
    _check_seance_date(accompagnement=accompagnement, debut=debut)
    check_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    _check_seance_limits(accompagnement=accompagnement, demi_journees=demi_journees)
    seance = Seance.objects.create(
        accompagnement=accompagnement,
        debut=debut,
        demi_journees=demi_journees,
        modalite=modalite,
        lieu=lieu.strip() if modalite == ModaliteSeance.PRESENTIEL else "",
        lien_visio=lien_visio.strip() if modalite == ModaliteSeance.DISTANCE else "",
        sujet=sujet.strip(),
        planifiee_par=by,
    )
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement,
        kind="autre",
        transition="seance_planifier",
        to_state=EtatSeance.PLANIFIEE,
        actor=by,
        details={"seance": seance.pk, "debut": debut.isoformat(), "demi_journees": demi_journees, **(details or {})},
    )
    programme_modifie_signaler(accompagnement.programme_id)
    _send_invitation(seance, name="seance_planifiee", context={"accompagnement": accompagnement})
    return seance


@transaction.atomic
def seance_reschedule(
    *,
    seance: Seance,
    debut: datetime.datetime,
    demi_journees: int,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
    sujet: str = "",
    by: User,
    version: str | None = None,
) -> Seance:
    """Move or change a planned session; the old and new dates stay in the accompagnement's history.
    `version`: that of the session the form was filled from; one saved since raises EditConflict."""
    accompagnement = seance.accompagnement
    require(by, "seance.deplacer", seance)
    locked = lock_unchanged(Seance.objects, pk=seance.pk, version=version)
    require(by, "seance.deplacer", locked)
    check_duree_seance(format=accompagnement.format, duree=demi_journees)
    _check_seance_date(accompagnement=accompagnement, debut=debut)
    check_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    if demi_journees > locked.demi_journees:
        _check_seance_limits(accompagnement=accompagnement, demi_journees=demi_journees, exclude_seance_id=locked.pk)
    moved = (debut, demi_journees) != (locked.debut, locked.demi_journees)
    ancien_debut = locked.debut
    avant = _evenement_agenda(locked)
    details = {
        "seance": locked.pk,
        "ancien_debut": locked.debut.isoformat(),
        "nouveau_debut": debut.isoformat(),
        "ancienne_duree": locked.demi_journees,
        "nouvelle_duree": demi_journees,
    }
    locked.debut = debut
    locked.demi_journees = demi_journees
    locked.modalite = modalite
    locked.lieu = lieu.strip() if modalite == ModaliteSeance.PRESENTIEL else ""
    locked.lien_visio = lien_visio.strip() if modalite == ModaliteSeance.DISTANCE else ""
    locked.sujet = sujet.strip()
    if _evenement_agenda(locked) != avant:
        # Calendar applications replace their copy (e-mailed or subscribed) only for a higher SEQUENCE.
        locked.sequence += 1
    if moved:
        _creneau_liberer(locked)
    locked.save()
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement, kind="autre", transition="seance_deplacer", actor=by, details=details
    )
    programme_modifie_signaler(accompagnement.programme_id)
    if moved:
        _send_invitation(
            locked,
            name="seance_deplacee",
            context={"accompagnement": accompagnement, "ancien_debut": ancien_debut},
        )
    return locked


def _seance_transition(*, seance: Seance, name: str, by: User, reason: str = "", **changes: Any) -> Seance:
    """Move a session through its table; its history row goes to the accompagnement's timeline."""

    history = seance_historique(
        transition_name=f"seance_{name}",
        by=by,
        reason=reason,
        details={k: v for k, v in changes.items() if k == "comptee"},
    )
    moved = apply_transition(
        seance, workflow=SEANCE_WORKFLOW, name=name, actor=by, reason=reason, changes=changes, history=history
    )
    programme_modifie_signaler(seance.accompagnement.programme_id)
    return moved


@transaction.atomic
def seance_mark_held(*, seance: Seance, by: User) -> Seance:
    """The mentor (or coordination) records that the session took place; the report is then due."""
    require(by, "seance.realiser", seance)
    held = _seance_transition(seance=seance, name="realiser", by=by, realisee_le=timezone.now())
    mentor_confirme_en_realisant(seance=held, by=by)
    return held


@transaction.atomic
def seance_cancel(*, seance: Seance, motif: str, by: User, motif_valable: bool = False) -> Seance:
    """Cancel a planned session with a reason.

    Less than the programme's delay (48 h by default) before the start without a valid reason, the session stays counted as consumed.
    Only the coordination may declare the reason valid (it can also overrule later).
    """
    require(by, "seance.annuler", seance)
    role = role_in(seance.accompagnement, by)
    if not motif.strip():
        raise RuleViolation(_("Indiquez le motif de l’annulation."), field="motif")
    motif_valable = motif_valable and role == COORDINATION
    comptee = seance_dates.annulation_tardive(seance) and not motif_valable
    locked = _seance_transition(
        seance=seance,
        name="annuler",
        by=by,
        reason=motif.strip(),
        annulee_le=timezone.now(),
        motif_annulation=motif.strip(),
        motif_valable=motif_valable,
        comptee=comptee,
        sequence=F("sequence") + 1,
    )
    locked.refresh_from_db(fields=["sequence"])
    _creneau_liberer(locked)
    _send_invitation(locked, name="seance_annulee", context={"accompagnement": seance.accompagnement})
    return locked


@transaction.atomic
def seance_cancellation_overrule(*, seance: Seance, comptee: bool, note: str, by: User) -> Seance:
    """The coordination decides whether a cancelled session is counted as consumed, with a note."""
    require(by, "seance.arbitrer", seance)
    if not note.strip():
        raise RuleViolation(_("Expliquez votre décision dans la note."), field="note")
    locked = Seance.objects.select_for_update().get(pk=seance.pk)
    require(by, "seance.arbitrer", locked)
    if comptee and not locked.comptee:
        _check_seance_limits(
            accompagnement=seance.accompagnement, demi_journees=locked.demi_journees, exclude_seance_id=locked.pk
        )
    AccompagnementEvenement.objects.create(
        accompagnement_id=locked.accompagnement_id,
        kind="note",
        transition="seance_arbitrer_annulation",
        reason=note.strip(),
        actor=by,
        details={"seance": locked.pk, "comptee_avant": locked.comptee, "comptee": comptee},
    )
    locked.comptee = comptee
    locked.motif_valable = not comptee
    locked.note_coordination = note.strip()
    locked.save(update_fields=["comptee", "motif_valable", "note_coordination", "updated_at"])
    programme_modifie_signaler(seance.accompagnement.programme_id)
    return locked


@transaction.atomic
def question_seance_add(*, seance: Seance, texte: str, by: User) -> QuestionSeance:
    """The beneficiary or the mentor sends a question for the session, up to the programme's delay before it."""
    require(by, "seance.questionner", seance)
    if not texte.strip():
        raise RuleViolation(_("Écrivez votre question."), field="texte")
    return QuestionSeance.objects.create(seance=seance, auteur=by, texte=texte.strip())


@transaction.atomic
def compte_rendu_submit(
    *,
    seance: Seance,
    travaux: str,
    outils: str,
    progres: dict[str, str],
    prochaines_etapes: str,
    by: User,
) -> CompteRendu:
    """The mentor writes (or corrects) the report of a held session; late reports are accepted and flagged."""
    require(by, "compte_rendu.rediger", seance)
    if not travaux.strip():
        raise RuleViolation(_("Décrivez ce qui a été travaillé."), field="travaux")
    objectifs = set(Objectif.objects.filter(accompagnement_id=seance.accompagnement_id).values_list("pk", flat=True))
    cleaned = {str(k): v.strip() for k, v in progres.items() if v and v.strip()}
    if any(not k.isdigit() or int(k) not in objectifs for k in cleaned):
        raise RuleViolation(_("Un objectif indiqué n’appartient pas à cet accompagnement."), field="progres")
    compte_rendu, created = CompteRendu.objects.select_for_update().get_or_create(seance=seance)
    first_submission = compte_rendu.soumis_le is None
    compte_rendu.redige_par = by
    compte_rendu.travaux = travaux.strip()
    compte_rendu.outils = outils.strip()
    compte_rendu.progres = cleaned
    compte_rendu.prochaines_etapes = prochaines_etapes.strip()
    if first_submission:
        compte_rendu.soumis_le = timezone.now()
    compte_rendu.save()
    programme_modifie_signaler(seance.accompagnement.programme_id)
    seance.compte_rendu = compte_rendu
    AccompagnementEvenement.objects.create(
        accompagnement_id=seance.accompagnement_id,
        kind="document",
        transition="compte_rendu_remettre" if first_submission else "compte_rendu_corriger",
        actor=by,
        details={
            "seance": seance.pk,
            "en_retard": bool(compte_rendu.soumis_le and compte_rendu.soumis_le > seance_dates.echeance_compte_rendu(seance)),
        },
    )
    if first_submission:
        send_templated_after_commit(
            to=sorted({seance.accompagnement.beneficiaire.email, seance.accompagnement.programme.pilote.email} - {""}),
            name="seance_compte_rendu",
            context={"seance": seance, "accompagnement": seance.accompagnement, "compte_rendu": compte_rendu},
        )
    return compte_rendu


@transaction.atomic
def compte_rendu_comment(*, compte_rendu: CompteRendu, commentaire: str, by: User) -> CompteRendu:
    """The beneficiary adds (or updates) their comment on a submitted report."""
    require(by, "compte_rendu.commenter", compte_rendu)
    if not commentaire.strip():
        raise RuleViolation(_("Écrivez votre commentaire."), field="commentaire")
    compte_rendu.commentaire_beneficiaire = commentaire.strip()
    compte_rendu.commente_le = timezone.now()
    compte_rendu.save(update_fields=["commentaire_beneficiaire", "commente_le", "updated_at"])
    return compte_rendu


def _check_support_allowed(seance: Seance, by: User) -> None:
    require(by, "seance.joindre_support", seance)


@transaction.atomic
def support_add_file(*, seance: Seance, titre: str, checked: CheckedUpload, by: User) -> SupportTemoin:
    """Attach a checked file (see core.uploads) to a session; it is stored under a server-generated name."""
    _check_support_allowed(seance, by)
    return SupportTemoin.objects.create(
        seance=seance,
        type_support=TypeSupport.FICHIER,
        titre=titre.strip() or checked.display_name,
        fichier=checked.stored_file(),
        nom_original=checked.display_name,
        taille=checked.size,
        type_mime=checked.content_type,
        sha256=checked.sha256,
        ajoute_par=by,
    )


@transaction.atomic
def support_add_link(*, seance: Seance, titre: str, url: str, by: User) -> SupportTemoin:
    """Attach a link to a recording (or any online record) to a session."""
    _check_support_allowed(seance, by)
    if not url.lower().startswith(("https://", "http://")):
        raise RuleViolation(_("Le lien doit commencer par https://"), field="url")
    return SupportTemoin.objects.create(
        seance=seance, type_support=TypeSupport.LIEN, titre=titre.strip() or url, url=url, ajoute_par=by
    )


@transaction.atomic
def support_add_grille(*, seance: Seance, titre: str, grille: dict[str, str], by: User) -> SupportTemoin:
    """Attach an observation grid filled in the page (a few structured answers)."""
    _check_support_allowed(seance, by)
    cleaned = {k: str(v).strip() for k, v in grille.items() if str(v).strip()}
    if not cleaned:
        raise RuleViolation(_("Remplissez au moins une rubrique de la grille."))
    return SupportTemoin.objects.create(
        seance=seance,
        type_support=TypeSupport.GRILLE,
        titre=titre.strip() or _("Grille d’observation"),
        grille=cleaned,
        ajoute_par=by,
    )


@transaction.atomic
def flux_calendrier_regenerate(*, user: User) -> FluxCalendrier:
    """Give the person a new private calendar address; the previous one stops working."""
    flux, created = FluxCalendrier.objects.select_for_update().get_or_create(user=user)
    if not created:
        flux.token = new_feed_token()
        flux.save(update_fields=["token"])
    return flux


@transaction.atomic
def flux_calendrier_revoke(*, user: User) -> None:
    """Switch off the person's private calendar address."""
    FluxCalendrier.objects.filter(user=user).delete()
