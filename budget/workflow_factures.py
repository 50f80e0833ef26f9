"""The allowed moves of an invoice, as data: deposited, returned for correction, approved, paid."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatFacture

E = EtatFacture
COORDINATION = "coordination"
STRUCTURE = "structure"  # a mentor employed by the invoicing structure

TRANSITIONS = [
    Transition("corriger", {E.A_CORRIGER}, E.DEPOSEE, _("déposer la facture corrigée"), roles={STRUCTURE}),
    Transition("retourner", {E.DEPOSEE}, E.A_CORRIGER, _("retourner la facture"), reason_required=True, roles={COORDINATION}),
    Transition("approuver", {E.DEPOSEE}, E.APPROUVEE, _("approuver la facture"), roles={COORDINATION}),
    Transition("payer", {E.APPROUVEE}, E.PAYEE, _("enregistrer le paiement"), roles={COORDINATION}),
]

WORKFLOW = Workflow(EtatFacture, TRANSITIONS)
