"""The allowed moves of a PersonneRessource and of a Proposition, as data."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatPersonneRessource, EtatProposition

P = EtatPersonneRessource

TRANSITIONS = [
    Transition("candidater", frozenset({P.SUGGEREE}), P.CANDIDATE, _("compléter la candidature")),
    Transition("valider", frozenset({P.CANDIDATE, P.SUGGEREE, P.SUSPENDUE}), P.VALIDEE, _("valider le profil")),
    Transition("refuser", frozenset({P.CANDIDATE, P.SUGGEREE}), P.REFUSEE, _("ne pas retenir le profil"), reason_required=True),
    Transition("suspendre", frozenset({P.VALIDEE}), P.SUSPENDUE, _("suspendre le profil"), reason_required=True),
]

WORKFLOW = Workflow(EtatPersonneRessource, TRANSITIONS)

E = EtatProposition

PROPOSITION_TRANSITIONS = [
    Transition("envoyer", frozenset({E.BROUILLON}), E.ENVOYEE, _("envoyer la proposition")),
    Transition("accepter", frozenset({E.ENVOYEE}), E.ACCEPTEE, _("accepter la proposition")),
    Transition("decliner", frozenset({E.ENVOYEE}), E.DECLINEE, _("décliner la proposition"), reason_required=True),
    Transition("annuler", frozenset({E.BROUILLON, E.ENVOYEE}), E.ANNULEE, _("annuler la proposition")),
]

PROPOSITION_WORKFLOW = Workflow(EtatProposition, PROPOSITION_TRANSITIONS)
