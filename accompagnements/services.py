"""Business operations on accompagnements."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.models import EventKind
from core.workflow import apply_transition
from programmes.models import Format, Structure
from programmes.rules import check_demi_journees

from .models import Accompagnement, AccompagnementEvenement, EtatAccompagnement, Indicateur, Objectif, TypeIndicateur
from .permissions import MENTOR as MENTOR_ROLE
from .workflow import WORKFLOW


def _resume_programme(programme_id: int) -> None:
    """The dashboards' summary of the programme follows every accompagnement and session write, in its transaction."""
    # budget reads accompagnements (it sits above in the import layers): imported when called.
    from budget.resume import resume_recalculer

    resume_recalculer(programme_id=programme_id)


def accompagnement_transition(*, accompagnement: Accompagnement, name: str, by: Any, reason: str = "") -> Accompagnement:
    """Apply one move of the accompagnement's workflow (see workflow.py). Call inside a transaction."""
    moved = apply_transition(
        accompagnement,
        workflow=WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        history_model=AccompagnementEvenement,
        history_fk="accompagnement",
    )
    _resume_programme(accompagnement.programme_id)
    return moved


def _next_reference(programme: Any) -> str:
    prefix = f"ACC-{programme.date_debut.year}-"
    last = Accompagnement.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"] or f"{prefix}0000"
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


@transaction.atomic
def accompagnement_create(
    *,
    candidature: Any,
    format: Format,
    demi_journees: int,
    mentors: Iterable[Any],
    by: Any,
    suite_de: Accompagnement | None = None,
) -> Accompagnement:
    """Open an accompagnement for a selected file, within the per-structure half-day limit."""
    if candidature.structure_id is None:
        raise RuleViolation(_("La candidature n’a pas de structure bénéficiaire."))
    if format.programme_id != candidature.programme_id:
        raise RuleViolation(_("Ce format n’appartient pas au programme de la candidature."), field="format")
    mentors = list(mentors)
    if not mentors:
        raise RuleViolation(_("Un accompagnement a besoin d’au moins une personne-ressource."), field="mentors")
    for mentor in mentors:
        if mentor.structure_id == candidature.structure_id:
            raise RuleViolation(
                _(
                    "%(mentor)s travaille dans la structure bénéficiaire : choisissez une personne-ressource d’une autre structure."
                )
                % {"mentor": mentor}
            )
    # Lock the beneficiary structure so that two accompagnements of one structure are checked in turn.
    structure = Structure.objects.select_for_update().get(pk=candidature.structure_id)
    check_demi_journees(structure=structure, format=format, demi_journees=demi_journees)
    accompagnement = Accompagnement.objects.create(
        reference=_next_reference(candidature.programme),
        programme_id=candidature.programme_id,
        candidature=candidature,
        beneficiaire_id=candidature.candidat_id,
        structure_beneficiaire=structure,
        format=format,
        demi_journees_prevues=demi_journees,
        suite_de=suite_de,
    )
    accompagnement.mentors.set(mentors)
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement,
        transition="creer",
        to_state=accompagnement.etat,
        actor=by if getattr(by, "is_authenticated", False) else None,
        details={"mentors": [m.pk for m in mentors], "demi_journees": demi_journees, "format": format.code},
    )
    _resume_programme(accompagnement.programme_id)
    return accompagnement


# --- Sessions ---
# Planning, moving, holding and cancelling sessions, their questions, reports and supporting
# records, and the person's private calendar feed. Limits: the convention's half-days
# (Accompagnement.demi_journees_prevues) and the format's per-structure ceiling in the programme.

import datetime  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db.models import Sum  # noqa: E402

from core.emails import send_templated_after_commit  # noqa: E402
from core.exceptions import PermissionRefused  # noqa: E402
from core.uploads import CheckedUpload  # noqa: E402

from . import calendar as seance_dates  # noqa: E402
from .models import (  # noqa: E402
    CompteRendu,
    EtatSeance,
    FluxCalendrier,
    ModaliteSeance,
    QuestionSeance,
    Seance,
    SupportTemoin,
    TypeSupport,
)
from .permissions import BENEFICIAIRE, COORDINATION, MENTOR, role_in  # noqa: E402
from .workflow_seances import WORKFLOW as SEANCE_WORKFLOW  # noqa: E402


def _require_role(accompagnement: Accompagnement, by: Any, allowed: set[str]) -> str:
    role = role_in(accompagnement, by)
    if role not in allowed:
        raise PermissionRefused(_("Vous ne pouvez pas faire cette action sur cet accompagnement."))
    return role  # type: ignore[return-value]


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
                "Limite du programme dépassée : %(structure)s a déjà %(deja)s demi-journée(s) de %(format)s planifiée(s) "
                "ou consommée(s) dans ce programme, tous accompagnements confondus ; le maximum est de %(max)s "
                "par structure bénéficiaire (il en reste %(reste)s)."
            )
            % {
                "structure": structure.raison_sociale,
                "deja": structure_total,
                "format": format.libelle,
                "max": format.demi_journees_max,
                "reste": max(format.demi_journees_max - structure_total, 0),
            },
            field="demi_journees",
        )


def _check_lieu(*, modalite: str, lieu: str, lien_visio: str) -> None:
    if modalite == ModaliteSeance.PRESENTIEL and not lieu.strip():
        raise RuleViolation(_("Indiquez le lieu de la séance."), field="lieu")
    if modalite == ModaliteSeance.DISTANCE and not lien_visio.strip():
        raise RuleViolation(_("Indiquez le lien de visioconférence."), field="lien_visio")


def _participants_emails(accompagnement: Accompagnement, *, sauf: Any = None) -> list[str]:
    emails = [accompagnement.beneficiaire.email] + [m.user.email for m in accompagnement.mentors.select_related("user") if m.user]
    sauf_email = getattr(sauf, "email", None)
    return sorted({e for e in emails if e and e != sauf_email})


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
    by: Any,
) -> Seance:
    """Plan a session (mentor or coordination) once the convention is signed, within the half-day limits."""
    _require_role(accompagnement, by, {MENTOR, COORDINATION})
    if accompagnement.etat != EtatAccompagnement.EN_COURS:
        raise RuleViolation(_("Les séances se planifient une fois la convention signée par tous."))
    if demi_journees not in (1, 2):
        raise RuleViolation(_("Une séance dure une demi-journée ou une journée."), field="demi_journees")
    _check_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
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
        details={"seance": seance.pk, "debut": debut.isoformat(), "demi_journees": demi_journees},
    )
    _resume_programme(accompagnement.programme_id)
    recipients = _participants_emails(accompagnement, sauf=by)
    if recipients:
        send_templated_after_commit(
            to=recipients, name="seance_planifiee", context={"seance": seance, "accompagnement": accompagnement}
        )
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
    by: Any,
) -> Seance:
    """Move or change a planned session; the old and new dates stay in the accompagnement's history."""
    accompagnement = seance.accompagnement
    _require_role(accompagnement, by, {MENTOR, COORDINATION})
    locked = Seance.objects.select_for_update().get(pk=seance.pk)
    if locked.etat != EtatSeance.PLANIFIEE:
        raise RuleViolation(_("Seule une séance planifiée peut être déplacée."))
    if demi_journees not in (1, 2):
        raise RuleViolation(_("Une séance dure une demi-journée ou une journée."), field="demi_journees")
    _check_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    if demi_journees > locked.demi_journees:
        _check_seance_limits(accompagnement=accompagnement, demi_journees=demi_journees, exclude_seance_id=locked.pk)
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
    locked.save()
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement, kind="autre", transition="seance_deplacer", actor=by, details=details
    )
    _resume_programme(accompagnement.programme_id)
    recipients = _participants_emails(accompagnement, sauf=by)
    if recipients and details["ancien_debut"] != details["nouveau_debut"]:
        send_templated_after_commit(
            to=recipients,
            name="seance_deplacee",
            context={"seance": locked, "accompagnement": accompagnement, "ancien_debut": seance.debut},
        )
    return locked


def _seance_transition(*, seance: Seance, name: str, by: Any, reason: str = "", **changes: Any) -> Seance:
    locked = Seance.objects.select_for_update().get(pk=seance.pk)
    transition = SEANCE_WORKFLOW.check(locked.etat, name, reason=reason)
    previous = locked.etat
    locked.etat = transition.target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    AccompagnementEvenement.objects.create(
        accompagnement_id=locked.accompagnement_id,
        kind="transition",
        transition=f"seance_{name}",
        from_state=previous,
        to_state=transition.target,
        reason=reason,
        actor=by if getattr(by, "is_authenticated", False) else None,
        details={"seance": locked.pk, "debut": locked.debut.isoformat(), **{k: v for k, v in changes.items() if k == "comptee"}},
    )
    _resume_programme(seance.accompagnement.programme_id)
    seance.etat = locked.etat
    return locked


@transaction.atomic
def seance_mark_held(*, seance: Seance, by: Any) -> Seance:
    """The mentor (or coordination) records that the session took place; the report is then due."""
    _require_role(seance.accompagnement, by, {MENTOR, COORDINATION})
    if seance.debut > timezone.now():
        raise RuleViolation(_("La séance n’a pas encore commencé : elle ne peut pas être marquée réalisée."))
    return _seance_transition(seance=seance, name="realiser", by=by, realisee_le=timezone.now())


@transaction.atomic
def seance_cancel(*, seance: Seance, motif: str, by: Any, motif_valable: bool = False) -> Seance:
    """Cancel a planned session with a reason.

    Less than 48 h before the start without a valid reason, the session stays counted as consumed.
    Only the coordination may declare the reason valid (it can also overrule later).
    """
    role = _require_role(seance.accompagnement, by, {MENTOR, BENEFICIAIRE, COORDINATION})
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
    )
    recipients = _participants_emails(seance.accompagnement, sauf=by)
    if recipients:
        send_templated_after_commit(
            to=recipients, name="seance_annulee", context={"seance": locked, "accompagnement": seance.accompagnement}
        )
    return locked


@transaction.atomic
def seance_cancellation_overrule(*, seance: Seance, comptee: bool, note: str, by: Any) -> Seance:
    """The coordination decides whether a cancelled session is counted as consumed, with a note."""
    _require_role(seance.accompagnement, by, {COORDINATION})
    if not note.strip():
        raise RuleViolation(_("Expliquez votre décision dans la note."), field="note")
    locked = Seance.objects.select_for_update().get(pk=seance.pk)
    if locked.etat != EtatSeance.ANNULEE:
        raise RuleViolation(_("Seule une séance annulée peut être comptée ou décomptée."))
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
    _resume_programme(seance.accompagnement.programme_id)
    return locked


@transaction.atomic
def question_seance_add(*, seance: Seance, texte: str, by: Any) -> QuestionSeance:
    """The beneficiary or the mentor sends a question for the session, up to 48 h before it."""
    _require_role(seance.accompagnement, by, {MENTOR, BENEFICIAIRE})
    if not texte.strip():
        raise RuleViolation(_("Écrivez votre question."), field="texte")
    if not seance_dates.questions_ouvertes(seance):
        raise RuleViolation(
            _("Les questions se posent jusqu’à 48 heures avant la séance : il est trop tard pour celle-ci."), field="texte"
        )
    return QuestionSeance.objects.create(seance=seance, auteur=by, texte=texte.strip())


@transaction.atomic
def compte_rendu_submit(
    *,
    seance: Seance,
    travaux: str,
    outils: str,
    progres: dict[str, str],
    prochaines_etapes: str,
    by: Any,
) -> CompteRendu:
    """The mentor writes (or corrects) the report of a held session; late reports are accepted and flagged."""
    _require_role(seance.accompagnement, by, {MENTOR})
    if seance.etat != EtatSeance.REALISEE:
        raise RuleViolation(_("Marquez d’abord la séance comme réalisée."))
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
    seance.compte_rendu = compte_rendu
    _resume_programme(seance.accompagnement.programme_id)
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
            to=sorted({seance.accompagnement.beneficiaire.email, settings.TSF_PILOT["email"]} - {""}),
            name="seance_compte_rendu",
            context={"seance": seance, "accompagnement": seance.accompagnement, "compte_rendu": compte_rendu},
        )
    return compte_rendu


@transaction.atomic
def compte_rendu_comment(*, compte_rendu: CompteRendu, commentaire: str, by: Any) -> CompteRendu:
    """The beneficiary adds (or updates) their comment on a submitted report."""
    _require_role(compte_rendu.seance.accompagnement, by, {BENEFICIAIRE})
    if compte_rendu.soumis_le is None:
        raise RuleViolation(_("Le compte-rendu n’a pas encore été remis."))
    if not commentaire.strip():
        raise RuleViolation(_("Écrivez votre commentaire."), field="commentaire")
    compte_rendu.commentaire_beneficiaire = commentaire.strip()
    compte_rendu.commente_le = timezone.now()
    compte_rendu.save(update_fields=["commentaire_beneficiaire", "commente_le", "updated_at"])
    return compte_rendu


def _check_support_allowed(seance: Seance, by: Any) -> None:
    _require_role(seance.accompagnement, by, {MENTOR, BENEFICIAIRE, COORDINATION})
    if seance.etat == EtatSeance.ANNULEE:
        raise RuleViolation(_("On ne joint pas de support à une séance annulée."))


@transaction.atomic
def support_add_file(*, seance: Seance, titre: str, checked: CheckedUpload, by: Any) -> SupportTemoin:
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
def support_add_link(*, seance: Seance, titre: str, url: str, by: Any) -> SupportTemoin:
    """Attach a link to a recording (or any online record) to a session."""
    _check_support_allowed(seance, by)
    if not url.lower().startswith(("https://", "http://")):
        raise RuleViolation(_("Le lien doit commencer par https://"), field="url")
    return SupportTemoin.objects.create(
        seance=seance, type_support=TypeSupport.LIEN, titre=titre.strip() or url, url=url, ajoute_par=by
    )


@transaction.atomic
def support_add_grille(*, seance: Seance, titre: str, grille: dict[str, str], by: Any) -> SupportTemoin:
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
def flux_calendrier_regenerate(*, user: Any) -> FluxCalendrier:
    """Give the person a new private calendar address; the previous one stops working."""
    from .models import new_feed_token

    flux, created = FluxCalendrier.objects.select_for_update().get_or_create(user=user)
    if not created:
        flux.token = new_feed_token()
        flux.save(update_fields=["token"])
    return flux


@transaction.atomic
def flux_calendrier_revoke(*, user: Any) -> None:
    """Switch off the person's private calendar address."""
    FluxCalendrier.objects.filter(user=user).delete()


# --- Objectives grid ---
# The mentor and the beneficiary write the grid together; the coordination comments. Every change
# goes through `_grille_modifiee`, which re-opens a validated grid for both (and cancels a convention
# not yet fully signed, whose text would no longer match).


def _partie_de_la_grille(accompagnement: Accompagnement, by: Any) -> str:
    """The writer's part (mentor or beneficiary); the coordination and others cannot write the grid."""
    from .permissions import BENEFICIAIRE, MENTOR, role_in

    role = role_in(accompagnement, by)
    if role not in (MENTOR, BENEFICIAIRE):
        raise PermissionRefused(_("Seuls la personne-ressource et le·la bénéficiaire rédigent la grille d’objectifs."))
    return role


def _grille_modifiee(*, accompagnement: Accompagnement, by: Any, action: str, details: dict[str, Any]) -> Accompagnement:
    """Lock the accompagnement, check the grid may change, re-open it if it was validated, log the change."""
    from conventions.services import conventions_annuler_en_cours

    locked = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if locked.etat not in (EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION):
        raise RuleViolation(
            _("La grille d’objectifs ne se modifie plus une fois la convention signée : demandez un avenant à la coordination.")
        )
    if locked.etat == EtatAccompagnement.CONVENTION:
        conventions_annuler_en_cours(accompagnement=locked, by=by, motif=_("La grille d’objectifs a été modifiée."))
        accompagnement_transition(
            accompagnement=locked, name="rouvrir_objectifs", by=by, reason=_("La grille d’objectifs a été modifiée.")
        )
        locked.refresh_from_db()
    reouverte = bool(locked.grille_validee_beneficiaire_le or locked.grille_validee_mentor_le)
    if reouverte:
        Accompagnement.objects.filter(pk=locked.pk).update(grille_validee_beneficiaire_le=None, grille_validee_mentor_le=None)
        locked.grille_validee_beneficiaire_le = locked.grille_validee_mentor_le = None
    AccompagnementEvenement.objects.create(
        accompagnement=locked,
        kind=EventKind.AUTRE,
        transition=action,
        reason=_("Grille modifiée : les validations sont effacées, la grille doit être revalidée par les deux parties.")
        if reouverte
        else "",
        details=details,
        actor=by if getattr(by, "is_authenticated", False) else None,
    )
    accompagnement.etat = locked.etat
    accompagnement.grille_validee_beneficiaire_le = locked.grille_validee_beneficiaire_le
    accompagnement.grille_validee_mentor_le = locked.grille_validee_mentor_le
    return locked


@transaction.atomic
def objectif_create(*, accompagnement: Accompagnement, intitule: str, critere_reussite: str, by: Any) -> Objectif:
    """Add an objective at the end of the grid."""
    _partie_de_la_grille(accompagnement, by)
    _grille_modifiee(accompagnement=accompagnement, by=by, action="objectif_ajoute", details={"intitule": intitule})
    ordre = (accompagnement.objectifs.aggregate(m=Max("ordre"))["m"] or 0) + 1
    return Objectif.objects.create(
        accompagnement=accompagnement, ordre=ordre, intitule=intitule.strip(), critere_reussite=critere_reussite.strip()
    )


@transaction.atomic
def objectif_update(*, objectif: Objectif, intitule: str, critere_reussite: str, by: Any) -> Objectif:
    _partie_de_la_grille(objectif.accompagnement, by)
    if objectif.intitule == intitule.strip() and objectif.critere_reussite == critere_reussite.strip():
        return objectif  # nothing changed: the validations stay
    _grille_modifiee(accompagnement=objectif.accompagnement, by=by, action="objectif_modifie", details={"objectif": objectif.pk})
    objectif.intitule = intitule.strip()
    objectif.critere_reussite = critere_reussite.strip()
    objectif.save(update_fields=["intitule", "critere_reussite", "updated_at"])
    return objectif


@transaction.atomic
def objectif_delete(*, objectif: Objectif, by: Any) -> None:
    _partie_de_la_grille(objectif.accompagnement, by)
    _grille_modifiee(
        accompagnement=objectif.accompagnement, by=by, action="objectif_supprime", details={"intitule": objectif.intitule}
    )
    objectif.delete()


def _check_indicateur(*, type_indicateur: str, unite: str, cible: Decimal | None, valeur_initiale: Decimal | None) -> None:
    if type_indicateur == TypeIndicateur.QUANTITATIF:
        if not unite.strip():
            raise RuleViolation(_("Un indicateur quantitatif a besoin d’une unité (dossiers, euros, dates…)."), field="unite")
        if cible is None:
            raise RuleViolation(_("Un indicateur quantitatif a besoin d’une valeur cible."), field="cible")


@transaction.atomic
def indicateur_create(
    *,
    objectif: Objectif,
    type_indicateur: str,
    libelle: str,
    description: str = "",
    unite: str = "",
    valeur_initiale: Decimal | None = None,
    cible: Decimal | None = None,
    by: Any,
) -> Indicateur:
    """Add an indicator: qualitative (a description) or quantitative (unit, baseline, target)."""
    _partie_de_la_grille(objectif.accompagnement, by)
    _check_indicateur(type_indicateur=type_indicateur, unite=unite, cible=cible, valeur_initiale=valeur_initiale)
    _grille_modifiee(accompagnement=objectif.accompagnement, by=by, action="indicateur_ajoute", details={"objectif": objectif.pk})
    quantitatif = type_indicateur == TypeIndicateur.QUANTITATIF
    return Indicateur.objects.create(
        objectif=objectif,
        type_indicateur=type_indicateur,
        libelle=libelle.strip(),
        description=description.strip(),
        unite=unite.strip() if quantitatif else "",
        valeur_initiale=valeur_initiale if quantitatif else None,
        cible=cible if quantitatif else None,
    )


@transaction.atomic
def indicateur_update(
    *,
    indicateur: Indicateur,
    type_indicateur: str,
    libelle: str,
    description: str = "",
    unite: str = "",
    valeur_initiale: Decimal | None = None,
    cible: Decimal | None = None,
    by: Any,
) -> Indicateur:
    accompagnement = indicateur.objectif.accompagnement
    _partie_de_la_grille(accompagnement, by)
    _check_indicateur(type_indicateur=type_indicateur, unite=unite, cible=cible, valeur_initiale=valeur_initiale)
    quantitatif = type_indicateur == TypeIndicateur.QUANTITATIF
    values = {
        "type_indicateur": type_indicateur,
        "libelle": libelle.strip(),
        "description": description.strip(),
        "unite": unite.strip() if quantitatif else "",
        "valeur_initiale": valeur_initiale if quantitatif else None,
        "cible": cible if quantitatif else None,
    }
    if all(getattr(indicateur, k) == v for k, v in values.items()):
        return indicateur
    _grille_modifiee(accompagnement=accompagnement, by=by, action="indicateur_modifie", details={"indicateur": indicateur.pk})
    for k, v in values.items():
        setattr(indicateur, k, v)
    indicateur.save()
    return indicateur


@transaction.atomic
def indicateur_delete(*, indicateur: Indicateur, by: Any) -> None:
    accompagnement = indicateur.objectif.accompagnement
    _partie_de_la_grille(accompagnement, by)
    _grille_modifiee(accompagnement=accompagnement, by=by, action="indicateur_supprime", details={"libelle": indicateur.libelle})
    indicateur.delete()


@transaction.atomic
def objectifs_valider(*, accompagnement: Accompagnement, by: Any) -> Accompagnement:
    """The writer marks the grid validated; when both have, the accompagnement moves to the convention.

    Moving on also prepares the convention (its PDF is rendered by the worker).
    """
    from conventions.services import convention_create

    role = _partie_de_la_grille(accompagnement, by)
    locked = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if locked.etat != EtatAccompagnement.OBJECTIFS:
        raise RuleViolation(_("La grille d’objectifs n’est pas ouverte à la validation."))
    objectifs = list(Objectif.objects.filter(accompagnement=locked).prefetch_related("indicateurs"))
    if not objectifs:
        raise RuleViolation(_("Ajoutez au moins un objectif avant de valider la grille."))
    sans_indicateur = [o.intitule for o in objectifs if not o.indicateurs.all()]
    if sans_indicateur:
        raise RuleViolation(
            _("Chaque objectif a besoin d’au moins un indicateur. Sans indicateur : %(liste)s.")
            % {"liste": ", ".join(sans_indicateur)}
        )
    field = "grille_validee_mentor_le" if role == MENTOR_ROLE else "grille_validee_beneficiaire_le"
    if getattr(locked, field) is None:
        setattr(locked, field, timezone.now())
        locked.save(update_fields=[field, "updated_at"])
        AccompagnementEvenement.objects.create(
            accompagnement=locked,
            kind=EventKind.AUTRE,
            transition="grille_validee",
            details={"partie": role},
            actor=by,
        )
    if locked.grille_validee:
        accompagnement_transition(accompagnement=locked, name="valider_objectifs", by=by)
        locked.refresh_from_db()
        convention_create(accompagnement=locked, by=by)
    accompagnement.etat = locked.etat
    accompagnement.grille_validee_beneficiaire_le = locked.grille_validee_beneficiaire_le
    accompagnement.grille_validee_mentor_le = locked.grille_validee_mentor_le
    return locked


@transaction.atomic
def objectif_commenter(*, objectif: Objectif, commentaire: str, by: Any) -> Objectif:
    """The coordination's comment on one objective; it does not re-open the grid."""
    from accounts import roles

    if not roles.is_coordination(by):
        raise PermissionRefused(_("Seule la coordination commente la grille d’objectifs."))
    objectif.commentaire_coordination = commentaire.strip()
    objectif.save(update_fields=["commentaire_coordination", "updated_at"])
    AccompagnementEvenement.objects.create(
        accompagnement_id=objectif.accompagnement_id,
        kind=EventKind.NOTE,
        transition="objectif_commente",
        details={"objectif": objectif.pk},
        actor=by,
    )
    return objectif
