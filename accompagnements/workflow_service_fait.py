"""The "service fait" of a held session, as data: both parties confirm it took place; a disputed (or
never confirmed) session is settled by the coordination, with a reason. History rows go to the
accompagnement's timeline."""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import ServiceFait
from .parties import COORDINATION, PAIRE

S = ServiceFait
A_ARBITRER = frozenset({S.A_CONFIRMER, S.CONTESTEE})
PAR_COORDINATION = frozenset({COORDINATION})

TRANSITIONS = [
    # Made by the second "yes", whoever answers last.
    Transition("confirmer", {S.A_CONFIRMER}, S.CONFIRMEE, _("confirmer la séance"), roles={SYSTEME}),
    Transition("contester", {S.A_CONFIRMER}, S.CONTESTEE, _("contester la séance"), roles=PAIRE),
    Transition(
        "arbitrer_tenue", A_ARBITRER, S.TENUE, _("décider que la séance a eu lieu"), reason_required=True, roles=PAR_COORDINATION
    ),
    Transition(
        "arbitrer_non_tenue",
        A_ARBITRER,
        S.NON_TENUE,
        _("décider que la séance n’a pas eu lieu"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
]

WORKFLOW = Workflow(ServiceFait, TRANSITIONS)
