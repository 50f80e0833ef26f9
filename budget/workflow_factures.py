"""The allowed moves of an invoice, as data: deposited, returned for correction, approved, paid."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow

from .models import EtatFacture

E = EtatFacture
COORDINATION = "coordination"
STRUCTURE = "structure"  # a mentor employed by the invoicing structure

TRANSITIONS = [
    Transition("corriger", frozenset({E.A_CORRIGER}), E.DEPOSEE, _("déposer la facture corrigée"), roles=frozenset({STRUCTURE})),
    Transition(
        "retourner",
        frozenset({E.DEPOSEE}),
        E.A_CORRIGER,
        _("retourner la facture"),
        reason_required=True,
        roles=frozenset({COORDINATION}),
    ),
    Transition("approuver", frozenset({E.DEPOSEE}), E.APPROUVEE, _("approuver la facture"), roles=frozenset({COORDINATION})),
    Transition("payer", frozenset({E.APPROUVEE}), E.PAYEE, _("enregistrer le paiement"), roles=frozenset({COORDINATION})),
]

WORKFLOW = Workflow(EtatFacture, TRANSITIONS)
