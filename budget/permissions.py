"""Who may do what on the budget. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from comite.permissions import comite_ou_coordination
from conventions.models import Signature
from conventions.services import PARTIES
from core.permissions import ALLOWED, Decision, refused, register_workflow, role_rule, rule

from .workflow_factures import COORDINATION, STRUCTURE
from .workflow_factures import WORKFLOW as FACTURE_WORKFLOW

# Dashboards, ledger, receipts, follow-up exports: the coordination and the committee; a committee
# member reads a programme's (`obj`) only if they sit on its committee (comite.MembreComite).
consulter = comite_ou_coordination(
    "budget.consulter", refusal=gettext_lazy("Le budget est réservé à la coordination et au comité du programme.")
)


# Every write on the budget (payments, other costs, corrections): the coordination only.
modifier = role_rule(
    "budget.modifier",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination enregistre les paiements et les dépenses."),
)


@rule("budget.engager")
def engager(user: Any, convention: Any = None) -> Decision:
    """Commit an amount on the envelope: the coordination; or the platform at a convention's last signature
    (budget/receivers.py), which commits what every party signed, in the name of its last signatory."""
    if roles.is_coordination(user):
        return ALLOWED
    if convention is not None:
        signatures = Signature.objects.filter(convention=convention)
        tous_signe = set(signatures.values_list("partie", flat=True)) >= set(PARTIES)
        if tous_signe and (user is None or signatures.filter(signataire_id=user.pk).exists()):
            return ALLOWED
    return refused(_("Seule la coordination engage un montant sur l’enveloppe."))


@rule("budget.dossier_controle")
def dossier_controle(user: Any, obj: Any = None) -> Decision:
    """The audit file gathers reports, supporting records and evaluations (personal data): the
    coordination only. The comité technique sees the figures, not the accompagnements' files."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("Seule la coordination prépare et télécharge le dossier de contrôle."))


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


# The accountant's CSV of payments: the coordination.
exporter = role_rule(
    "facture.exporter", roles.is_coordination, refusal=gettext_lazy("L’export comptable est réservé à la coordination.")
)
