"""The allowed moves of an Accompagnement, as data."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatAccompagnement

E = EtatAccompagnement

TRANSITIONS = [
    Transition("valider_objectifs", frozenset({E.OBJECTIFS}), E.CONVENTION, _("passer à la convention")),
    Transition("rouvrir_objectifs", frozenset({E.CONVENTION}), E.OBJECTIFS, _("rouvrir la grille d’objectifs")),
    Transition("demarrer", frozenset({E.CONVENTION}), E.EN_COURS, _("démarrer l’accompagnement")),
    Transition("terminer", frozenset({E.EN_COURS}), E.TERMINE, _("terminer l’accompagnement")),
    Transition("clore", frozenset({E.TERMINE}), E.CLOS, _("clore l’accompagnement")),
    Transition(
        "abandonner",
        frozenset({E.OBJECTIFS, E.CONVENTION, E.EN_COURS}),
        E.ABANDONNE,
        _("abandonner l’accompagnement"),
        reason_required=True,
    ),
]

WORKFLOW = Workflow(EtatAccompagnement, TRANSITIONS)
