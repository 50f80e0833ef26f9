"""The allowed moves of a Seance, as data. History rows go to the accompagnement's timeline."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatSeance
from .parties import PARTICIPANTS, PLANNERS

S = EtatSeance

TRANSITIONS = [
    Transition("realiser", {S.PLANIFIEE}, S.REALISEE, _("marquer la séance réalisée"), roles=PLANNERS),
    Transition("annuler", {S.PLANIFIEE}, S.ANNULEE, _("annuler la séance"), reason_required=True, roles=PARTICIPANTS),
]

WORKFLOW = Workflow(EtatSeance, TRANSITIONS)
