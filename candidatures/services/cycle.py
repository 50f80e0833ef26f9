"""The application's workflow (one function per transition, with its history row) and its messages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation, TransitionRefused
from core.models import EventKind, recorded_actor
from core.permissions import require
from core.workflow import apply_transition
from programmes.models import Format, Programme
from programmes.rules import check_demi_journees

from ..models import Candidature, CandidatureEvenement, Message, PieceJointe
from ..permissions import derniere_decision, role_of
from ..workflow import WORKFLOW


def _transition(candidature: Candidature, name: str, *, by: User | None, reason: str = "", **extra: Any) -> Candidature:
    # Who may make the move, through the one permission module (candidatures/permissions.py reads the
    # transition table's roles); apply_transition checks the state again on the locked row.
    require(by, f"candidature.{name}", candidature)
    locked = apply_transition(
        candidature,
        workflow=WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        history_model=CandidatureEvenement,
        history_fk="candidature",
        extra_history=extra or None,
    )
    if reason:
        Candidature.objects.filter(pk=locked.pk).update(motif_decision=reason)
        candidature.motif_decision = reason
    return locked


def candidature_event(
    *, candidature: Candidature, kind: str, by: User | None, reason: str = "", details: dict | None = None
) -> None:
    """Add a non-transition line to the file's timeline (e-mail, document, opinion…)."""
    CandidatureEvenement.objects.create(
        candidature=candidature,
        kind=kind,
        reason=reason,
        details=details or {},
        actor=recorded_actor(by),
    )


@transaction.atomic
def candidature_create_draft(*, programme: Programme, candidat: User) -> Candidature:
    if not programme.appel_ouvert:
        raise RuleViolation(_("L’appel à candidatures de ce programme est fermé."))
    return Candidature.objects.create(programme=programme, candidat=candidat)


def _next_reference(candidature: Candidature) -> str:
    # Numbered within the programme's year and prefix (Programme.prefixe_reference): TSF-2026-…, PEER-2026-…
    programme = candidature.programme
    prefix = f"{programme.prefixe_reference}-{programme.date_debut.year}-"
    # Serialised by the lock on the candidature row and the unique constraint on reference.
    last = Candidature.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"] or f"{prefix}0000"
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


@transaction.atomic
def candidature_submit(*, candidature: Candidature, by: User) -> Candidature:
    """Submit a draft (or a file returned for correction); give it a reference number."""
    if candidature.candidat_id != getattr(by, "pk", None):
        raise TransitionRefused(_("Seul·e l’auteur·rice de la candidature peut la déposer."))
    if not candidature.consentement_donnees:
        raise RuleViolation(
            _("Vous devez accepter le traitement de vos données pour déposer la candidature."), field="consentement_donnees"
        )
    if candidature.structure_id is None:
        raise RuleViolation(_("Renseignez votre structure avant de déposer la candidature."), field="structure")
    locked = _transition(candidature, "soumettre", by=by)
    updates: dict[str, Any] = {"soumise_le": timezone.now()}
    if not locked.reference:
        updates["reference"] = _next_reference(locked)
    Candidature.objects.filter(pk=locked.pk).update(**updates)
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def candidature_declare_eligible(*, candidature: Candidature, by: User, reason: str = "") -> Candidature:
    _transition(candidature, "declarer_recevable", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_reject(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    _transition(candidature, "declarer_irrecevable", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_return_for_correction(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    _transition(candidature, "renvoyer_pour_correction", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_plan_diagnostic(*, candidature: Candidature, by: User) -> Candidature:
    _transition(candidature, "planifier_diagnostic", by=by)
    return candidature


@transaction.atomic
def candidature_complete_diagnostic(*, candidature: Candidature, by: User) -> Candidature:
    _transition(candidature, "realiser_diagnostic", by=by)
    return candidature


@transaction.atomic
def candidature_await_decision(*, candidature: Candidature, by: User, reason: str = "") -> Candidature:
    _transition(candidature, "mettre_en_attente", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_select(
    *,
    candidature: Candidature,
    by: User,
    format: Format,
    demi_journees: int,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
    reason: str = "",
) -> Candidature:
    """Retain the file with its format(s) and half-days, within the programme's limits."""
    if format.programme_id != candidature.programme_id:
        raise RuleViolation(_("Ce format n’appartient pas au programme de la candidature."), field="format")
    if candidature.structure is None:
        raise RuleViolation(_("La candidature n’a pas de structure."))
    check_demi_journees(structure=candidature.structure, format=format, demi_journees=demi_journees)
    if format_suite is not None:
        if not demi_journees_suite:
            raise RuleViolation(_("Indiquez le nombre de demi-journées du format suivant."), field="demi_journees_suite")
        check_demi_journees(structure=candidature.structure, format=format_suite, demi_journees=demi_journees_suite)
    _transition(
        candidature,
        "selectionner",
        by=by,
        reason=reason,
        details={"format": format.code, "demi_journees": demi_journees},
    )
    Candidature.objects.filter(pk=candidature.pk).update(
        format_retenu=format,
        demi_journees_retenues=demi_journees,
        format_suite=format_suite,
        demi_journees_suite=demi_journees_suite if format_suite else None,
    )
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def candidature_refuse(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    _transition(candidature, "refuser", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_redirect(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    _transition(candidature, "reorienter", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_withdraw(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    if candidature.accompagnements.exclude(etat="abandonne").exists():
        raise TransitionRefused(_("Un accompagnement est en cours : contactez la coordination pour l’interrompre."))
    _transition(candidature, "retirer", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_revert_decision(*, candidature: Candidature, by: User, reason: str) -> Candidature:
    """Undo the last decision: the file returns to the state it had before, and the timeline says so."""
    if not reason.strip():
        raise TransitionRefused(_("Un motif est obligatoire pour annuler une décision."), field="reason")
    locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
    require(by, "candidature.annuler_decision", locked)
    last = derniere_decision(locked)
    if last is None:  # the rule above already refuses a file without a reversible decision
        raise TransitionRefused(_("Ce dossier n’a pas de décision à annuler."))
    previous = last.from_state
    updates: dict[str, Any] = {"etat": previous, "motif_decision": reason}
    if last.transition == "selectionner":
        # A reverted selection no longer carries a retained format.
        updates.update(format_retenu=None, demi_journees_retenues=None, format_suite=None, demi_journees_suite=None)
    Candidature.objects.filter(pk=locked.pk).update(**updates)
    CandidatureEvenement.objects.create(
        candidature=locked,
        kind=EventKind.TRANSITION,
        transition="annulation",
        from_state=locked.etat,
        to_state=previous,
        reason=reason,
        actor=by,
        details={"annule": last.transition},
    )
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def message_send(*, candidature: Candidature, auteur: User, texte: str, piece: PieceJointe | None = None) -> Message:
    """Post a message in the file's thread (applicant ↔ coordination) and notify the other side by e-mail."""
    texte = (texte or "").strip()
    if not texte:
        raise RuleViolation(_("Le message est vide."), field="texte")
    require(auteur, "candidature.ecrire", candidature)
    de_la_coordination = role_of(auteur, candidature) == roles.COORDINATION
    message = Message.objects.create(
        candidature=candidature, auteur=auteur, de_la_coordination=de_la_coordination, texte=texte, piece=piece
    )
    candidature_event(candidature=candidature, kind=EventKind.MESSAGE, by=auteur, details={"message": message.pk})
    destinataires = [candidature.candidat.email] if de_la_coordination else [candidature.programme.pilote.email]
    send_templated_after_commit(
        to=destinataires,
        name="candidature_message",
        context={"candidature": candidature, "message": message, "de_la_coordination": de_la_coordination},
    )
    return message


@transaction.atomic
def messages_mark_read(*, candidature: Candidature, reader: User) -> int:
    """Mark as read the messages of the other side; returns how many were unread."""
    from_coordination = not roles.is_coordination(reader)
    return Message.objects.filter(candidature=candidature, de_la_coordination=from_coordination, lu_le__isnull=True).update(
        lu_le=timezone.now()
    )
