"""The allowed moves of an Accompagnement, as data."""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatAccompagnement
from .parties import COORDINATION, PAIRE

E = EtatAccompagnement
PAR_COORDINATION = frozenset({COORDINATION})

TRANSITIONS = [
    Transition("valider_objectifs", {E.OBJECTIFS}, E.CONVENTION, _("passer à la convention"), roles=PAIRE),
    Transition("rouvrir_objectifs", {E.CONVENTION}, E.OBJECTIFS, _("rouvrir la grille d’objectifs"), roles=PAIRE),
    Transition(
        "demarrer",
        {E.CONVENTION},
        E.EN_COURS,
        _("démarrer l’accompagnement"),
        # Made by the last signature of the convention, whoever signs last.
        roles={SYSTEME},
    ),
    Transition("terminer", {E.EN_COURS}, E.TERMINE, _("terminer l’accompagnement"), roles=PAR_COORDINATION),
    Transition("clore", {E.TERMINE}, E.CLOS, _("clore l’accompagnement"), roles=PAR_COORDINATION),
    Transition(
        "abandonner",
        {E.OBJECTIFS, E.CONVENTION, E.EN_COURS},
        E.ABANDONNE,
        _("abandonner l’accompagnement"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
]

WORKFLOW = Workflow(EtatAccompagnement, TRANSITIONS)
