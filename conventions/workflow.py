"""The allowed moves of a Convention version, as data.

A version's history lives on its accompagnement's timeline (rows written by conventions.services._log,
named after the operation: convention_creee, convention_regeneree, convention_signee, convention_annulee…).
"""

from django.utils.translation import gettext_lazy as _

from accompagnements.parties import COORDINATION, PAIRE
from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatConvention

C = EtatConvention
EN_PREPARATION = frozenset({C.BROUILLON, C.EN_SIGNATURE})

TRANSITIONS = [
    # The worker renders the PDF (again, after a regeneration) and opens the version to signature.
    Transition("ouvrir_signature", EN_PREPARATION, C.EN_SIGNATURE, _("ouvrir la convention à la signature"), roles={SYSTEME}),
    Transition("regenerer", EN_PREPARATION, C.BROUILLON, _("régénérer le document"), roles={COORDINATION}),
    # The third signature, or the coordination's paper scan, completes the version.
    Transition("completer", {C.EN_SIGNATURE}, C.SIGNEE, _("compléter les signatures"), roles={SYSTEME}),
    Transition("remplacer", {C.SIGNEE}, C.REMPLACEE, _("remplacer par l’avenant signé"), roles={SYSTEME}),
    # A change of the objectives grid (by the pair) cancels the versions whose text no longer matches.
    Transition("annuler", EN_PREPARATION, C.ANNULEE, _("annuler la version"), roles=PAIRE | {COORDINATION, SYSTEME}),
]

WORKFLOW = Workflow(EtatConvention, TRANSITIONS)
