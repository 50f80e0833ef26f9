"""Who may do what on evaluations. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from comite.permissions import comite_ou_coordination
from core.exceptions import TransitionRefused
from core.permissions import ALLOWED, SYSTEME, Decision, refused, register_workflow, role_rule, rule

from .models import EtatEvaluation, Evaluation
from .workflow import REPONDANT, WORKFLOW


def role_of(user: Any, evaluation: Evaluation) -> str | None:
    if user is None:
        return SYSTEME
    if getattr(user, "is_authenticated", False) and evaluation.personne_id == user.pk:
        return REPONDANT
    return None


register_workflow("evaluation", WORKFLOW, role_of=role_of)


@rule("evaluation.remplir")
def remplir(user: Any, evaluation: Evaluation) -> Decision:
    """Only the person the questionnaire is for, once, while it is open."""
    if role_of(user, evaluation) != REPONDANT:
        return refused(_("Ce questionnaire est destiné à une autre personne."))
    if evaluation.etat == EtatEvaluation.REPONDUE:
        return refused(_("Ce questionnaire a déjà été rempli : merci !"), error=TransitionRefused)
    if evaluation.etat != EtatEvaluation.OUVERTE:
        return refused(_("Ce questionnaire n’est plus ouvert aux réponses."), error=TransitionRefused)
    return ALLOWED


# The programme's (`obj`) results: the coordination and the members of its committee.
resultats = comite_ou_coordination(
    "evaluation.resultats", refusal=gettext_lazy("Réservé au comité du programme et à la coordination.")
)


# End an action, open its continuation, follow the reminders: the coordination.
piloter = role_rule(
    "evaluation.piloter", roles.is_coordination, refusal=gettext_lazy("Seule la coordination peut faire cette opération.")
)
