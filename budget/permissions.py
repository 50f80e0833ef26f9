"""Who may do what on the budget. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts import roles
from core.permissions import ALLOWED, Decision, refused, rule


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


@rule("budget.dossier_controle")
def dossier_controle(user: Any, obj: Any = None) -> Decision:
    """The audit file gathers reports, supporting records and evaluations (personal data): the
    coordination only. The comité technique sees the figures, not the accompagnements' files."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("Seule la coordination prépare et télécharge le dossier de contrôle."))
