"""Who may do what on an application. Registered in core.permissions when core starts (autodiscovery)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts import roles
from core.exceptions import TransitionRefused
from core.models import EventKind
from core.permissions import ALLOWED, Decision, refused, register_workflow, rule, state_in
from programmes.selectors import programme_de

from .models import ETATS_FINAUX, Candidature, CandidatureEvenement, Etat
from .workflow import REVERSIBLE, WORKFLOW


def role_of(user: Any, candidature: Candidature | None) -> str | None:
    """The user's part on the file: the coordination (of its programme's pilot), its applicant, or None."""
    if roles.is_coordination(user) and (candidature is None or programme_de(user, candidature.programme_id)):
        return roles.COORDINATION
    if candidature is not None and getattr(user, "is_authenticated", False) and candidature.candidat_id == user.pk:
        return roles.CANDIDAT
    return None


register_workflow("candidature", WORKFLOW, role_of=role_of)


def _etat(reason: str) -> Decision:
    """A refusal for the file's state (the role may): the view says it, it is no 403."""
    return refused(reason, error=TransitionRefused)


def _etat_parmi(candidature: Candidature, etats: set[str], reason: str) -> Decision:
    """The file's state is one of `etats`; else a refusal for the state (see `_etat`)."""
    return state_in(candidature.etat, etats, reason, error=TransitionRefused)


def _coordination(user: Any, candidature: Any = None) -> Decision:
    programme_id = getattr(candidature, "programme_id", None)
    if roles.is_coordination(user) and (programme_id is None or programme_de(user, programme_id)):
        return ALLOWED
    return refused(_("Seule la coordination peut faire cette opération."))


@rule("candidature.coordonner")
def coordonner(user: Any, candidature: Any = None) -> Decision:
    """The coordinator's desk: every page and operation of the coordination on applications (of its pilots'
    programmes when the file is named)."""
    return _coordination(user, candidature)


def derniere_decision(candidature: Candidature) -> CandidatureEvenement | None:
    """The last state change of the file that was not itself an undo."""
    return (
        candidature.evenements.filter(kind=EventKind.TRANSITION)
        .exclude(transition="annulation")
        .order_by("-created_at", "-id")
        .first()
    )


@rule("candidature.ecrire")
def ecrire(user: Any, candidature: Candidature) -> Decision:
    """The file's thread: its applicant and the coordination."""
    if role_of(user, candidature) is None:
        return refused(_("Vous ne pouvez pas écrire sur ce dossier."))
    return ALLOWED


@rule("candidature.annuler_decision")
def annuler_decision(user: Any, candidature: Candidature) -> Decision:
    """Undo the last decision: only a reversible one that led to the current state, before any accompagnement."""
    if not (decision := _coordination(user)):
        return decision
    last = derniere_decision(candidature)
    if last is None or last.transition not in REVERSIBLE or last.to_state != candidature.etat:
        return _etat(_("Aucune décision récente ne peut être annulée sur ce dossier."))
    if candidature.etat == Etat.SELECTIONNEE and candidature.accompagnements.exists():
        return _etat(_("Un accompagnement a déjà été créé pour ce dossier : la sélection ne peut plus être annulée."))
    return ALLOWED


def _dossier_ouvert(candidature: Candidature, message: str) -> Decision:
    if candidature.etat == Etat.BROUILLON or candidature.etat in ETATS_FINAUX:
        return _etat(message % {"etat": Etat(candidature.etat).label})
    return ALLOWED


@rule("candidature.soumettre_comite")
def soumettre_comite(user: Any, candidature: Candidature) -> Decision:
    """Put the file to the comité technique: a submitted file not yet closed (a closed file awaits no opinion)."""
    return _coordination(user) and _dossier_ouvert(
        candidature, _("Un dossier à l’état « %(etat)s » ne peut pas être soumis au comité.")
    )


@rule("candidature.demander_piece")
def demander_piece(user: Any, candidature: Candidature) -> Decision:
    return _coordination(user) and _dossier_ouvert(
        candidature, _("On ne peut pas demander de document sur un dossier à l’état « %(etat)s ».")
    )


@rule("candidature.deplacer_diagnostic")
def deplacer_diagnostic(user: Any, candidature: Candidature) -> Decision:
    return _coordination(user) and _etat_parmi(
        candidature, {Etat.DIAGNOSTIC_PLANIFIE}, _("Aucun entretien diagnostic n’est planifié sur ce dossier.")
    )


@rule("candidature.enregistrer_diagnostic")
def enregistrer_diagnostic(user: Any, candidature: Candidature) -> Decision:
    """Record the diagnostic, or correct it while no decision is taken."""
    return _coordination(user) and _etat_parmi(
        candidature,
        {Etat.DIAGNOSTIC_PLANIFIE, Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION},
        _("Le diagnostic s’enregistre une fois l’entretien planifié et avant la décision."),
    )


@rule("candidature.apparier")
def apparier(user: Any, candidature: Candidature) -> Decision:
    """Look for a personne-ressource: a retained file."""
    return _coordination(user) and _etat_parmi(
        candidature, {Etat.SELECTIONNEE}, _("Seul un dossier retenu attend une personne-ressource.")
    )
