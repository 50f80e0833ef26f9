"""The allowed moves of a Seance, as data. History rows go to the accompagnement's timeline."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatSeance

S = EtatSeance

TRANSITIONS = [
    Transition("realiser", frozenset({S.PLANIFIEE}), S.REALISEE, _("marquer la séance réalisée")),
    Transition("annuler", frozenset({S.PLANIFIEE}), S.ANNULEE, _("annuler la séance"), reason_required=True),
]

WORKFLOW = Workflow(EtatSeance, TRANSITIONS)
