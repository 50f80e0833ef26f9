"""The allowed moves of a PersonneRessource and of a Proposition, as data."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import COORDINATION, PERSONNE_RESSOURCE
from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatPersonneRessource, EtatProposition

P = EtatPersonneRessource
PAR_COORDINATION = frozenset({COORDINATION})
# The person answers through a signed link (or the public form), often without being signed in.
PAR_LA_PERSONNE = frozenset({PERSONNE_RESSOURCE, SYSTEME})

TRANSITIONS = [
    Transition("candidater", {P.SUGGEREE}, P.CANDIDATE, _("compléter la candidature"), roles=PAR_LA_PERSONNE),
    Transition("valider", {P.CANDIDATE, P.SUGGEREE, P.SUSPENDUE}, P.VALIDEE, _("valider le profil"), roles=PAR_COORDINATION),
    Transition(
        "refuser",
        {P.CANDIDATE, P.SUGGEREE},
        P.REFUSEE,
        _("ne pas retenir le profil"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
    Transition("suspendre", {P.VALIDEE}, P.SUSPENDUE, _("suspendre le profil"), reason_required=True, roles=PAR_COORDINATION),
]

WORKFLOW = Workflow(EtatPersonneRessource, TRANSITIONS)

E = EtatProposition

PROPOSITION_TRANSITIONS = [
    Transition("envoyer", {E.BROUILLON}, E.ENVOYEE, _("envoyer la proposition"), roles=PAR_COORDINATION),
    Transition("accepter", {E.ENVOYEE}, E.ACCEPTEE, _("accepter la proposition"), roles=PAR_LA_PERSONNE),
    Transition("decliner", {E.ENVOYEE}, E.DECLINEE, _("décliner la proposition"), reason_required=True, roles=PAR_LA_PERSONNE),
    Transition("annuler", {E.BROUILLON, E.ENVOYEE}, E.ANNULEE, _("annuler la proposition"), roles=PAR_COORDINATION),
]

PROPOSITION_WORKFLOW = Workflow(EtatProposition, PROPOSITION_TRANSITIONS)
