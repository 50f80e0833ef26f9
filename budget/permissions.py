"""Who may do what on the budget. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts import roles
from core.permissions import ALLOWED, Decision, refused, register_workflow, rule

from .workflow_factures import COORDINATION, STRUCTURE
from .workflow_factures import WORKFLOW as FACTURE_WORKFLOW


@rule("budget.consulter")
def consulter(user: Any, obj: Any = None) -> Decision:
    """Dashboards, ledger, receipts, follow-up exports: the coordination and the comité technique."""
    if roles.is_coordination(user) or roles.is_comite(user):
        return ALLOWED
    return refused(_("Le budget est réservé à la coordination et au comité technique."))


@rule("budget.modifier")
def modifier(user: Any, obj: Any = None) -> Decision:
    """Every write on the budget (payments, other costs, corrections): the coordination only."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("Seule la coordination enregistre les paiements et les dépenses."))


# --- Invoices ----------------------------------------------------------------------------------------


def structures_de(user: Any) -> set[int]:
    """The structures a user invoices for: the employer of their mentor profile."""
    profil = getattr(user, "personne_ressource", None) if getattr(user, "is_authenticated", False) else None
    return {profil.structure_id} if profil is not None else set()


def role_facture(user: Any, facture: Any) -> str | None:
    if facture is None or not getattr(user, "is_authenticated", False):
        return None
    if roles.is_coordination(user):
        return COORDINATION
    if facture.structure_id in structures_de(user):
        return STRUCTURE
    return None


register_workflow("facture", FACTURE_WORKFLOW, role_of=role_facture)


@rule("facture.deposer")
def deposer(user: Any, obj: Any = None) -> Decision:
    """A mentor invoices for their employer structure (a mentor paid directly is their own structure)."""
    if structures_de(user):
        return ALLOWED
    return refused(_("Seule une personne-ressource dépose une facture pour sa structure."))


@rule("facture.voir")
def voir(user: Any, facture: Any = None) -> Decision:
    if facture is None:
        return ALLOWED if roles.is_coordination(user) or structures_de(user) else refused()
    return ALLOWED if role_facture(user, facture) else refused(_("Cette facture ne vous concerne pas."))


@rule("facture.exporter")
def exporter(user: Any, obj: Any = None) -> Decision:
    """The accountant's CSV of payments: the coordination."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("L’export comptable est réservé à la coordination."))
