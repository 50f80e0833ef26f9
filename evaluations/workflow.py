"""The allowed moves of an Evaluation, as data.

A questionnaire is created open (the exit ones when the action ends, the six-month and the
end-of-programme ones by the scan);
it has no history rows of its own (its dates, `ouverte_le` and `repondue_le`, say when).
"""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatEvaluation

E = EtatEvaluation
# The person the questionnaire is for (see evaluations.permissions.role_of).
REPONDANT = "repondant"

TRANSITIONS = [
    Transition("repondre", {E.OUVERTE}, E.REPONDUE, _("répondre au questionnaire"), roles={REPONDANT}),
    Transition("expirer", {E.OUVERTE}, E.EXPIREE, _("clore sans réponse"), roles={SYSTEME}),
]

WORKFLOW = Workflow(EtatEvaluation, TRANSITIONS)
