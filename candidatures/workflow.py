"""The allowed moves of a Candidature, as data (SPEC §3.1–3.3)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import CANDIDAT, COORDINATION
from core.workflow import Transition, Workflow

from .models import Etat

E = Etat
# Who asks for each move (the user's part on the file, see candidatures.permissions.role_of).
PAR_CANDIDAT = frozenset({CANDIDAT})
PAR_COORDINATION = frozenset({COORDINATION})
# Admissible and not yet decided: the coordination may still turn the file down or direct it elsewhere.
EN_INSTRUCTION = frozenset({E.RECEVABLE, E.DIAGNOSTIC_PLANIFIE, E.DIAGNOSTIC_REALISE, E.EN_ATTENTE_DECISION})

TRANSITIONS = [
    Transition("soumettre", {E.BROUILLON, E.A_CORRIGER}, E.SOUMISE, _("déposer la candidature"), roles=PAR_CANDIDAT),
    Transition("declarer_recevable", {E.SOUMISE}, E.RECEVABLE, _("déclarer recevable"), roles=PAR_COORDINATION),
    Transition(
        "declarer_irrecevable",
        {E.SOUMISE},
        E.IRRECEVABLE,
        _("déclarer non recevable"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
    Transition(
        "renvoyer_pour_correction",
        {E.SOUMISE},
        E.A_CORRIGER,
        _("renvoyer pour correction"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
    Transition(
        "planifier_diagnostic",
        {E.RECEVABLE},
        E.DIAGNOSTIC_PLANIFIE,
        _("planifier l’entretien diagnostic"),
        roles=PAR_COORDINATION,
    ),
    Transition(
        "realiser_diagnostic",
        {E.DIAGNOSTIC_PLANIFIE},
        E.DIAGNOSTIC_REALISE,
        _("enregistrer le diagnostic"),
        roles=PAR_COORDINATION,
    ),
    Transition(
        "mettre_en_attente",
        {E.DIAGNOSTIC_REALISE},
        E.EN_ATTENTE_DECISION,
        _("mettre en attente de décision"),
        roles=PAR_COORDINATION,
    ),
    Transition(
        "selectionner",
        {E.DIAGNOSTIC_REALISE, E.EN_ATTENTE_DECISION},
        E.SELECTIONNEE,
        _("retenir la candidature"),
        roles=PAR_COORDINATION,
    ),
    Transition(
        "refuser", EN_INSTRUCTION, E.REFUSEE, _("ne pas retenir la candidature"), reason_required=True, roles=PAR_COORDINATION
    ),
    Transition(
        "reorienter",
        EN_INSTRUCTION,
        E.REORIENTEE,
        _("réorienter vers un autre dispositif"),
        reason_required=True,
        roles=PAR_COORDINATION,
    ),
    Transition(
        "retirer",
        {E.SOUMISE, E.A_CORRIGER, *EN_INSTRUCTION},
        E.RETIREE,
        _("retirer la candidature"),
        reason_required=True,
        roles=PAR_CANDIDAT,
    ),
]

# Decisions that the coordination can revert (with a reason): the file returns to its previous state.
REVERSIBLE = {
    "declarer_recevable",
    "declarer_irrecevable",
    "renvoyer_pour_correction",
    "mettre_en_attente",
    "selectionner",
    "refuser",
    "reorienter",
}

WORKFLOW = Workflow(Etat, TRANSITIONS)
