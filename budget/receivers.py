"""How the budget stage answers the conventions' signals (connected in BudgetConfig.ready)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.dispatch import receiver

from accompagnements.models import Accompagnement
from conventions.models import Convention
from conventions.signals import convention_a_engager

from .services import engagement_create


@receiver(convention_a_engager, sender=Convention, dispatch_uid="engagement_depuis_convention")
def engagement_depuis_convention(
    sender: type,
    *,
    convention: Convention,
    accompagnement: Accompagnement,
    montant: Decimal,
    libelle: str,
    by: Any,
    **kwargs: Any,
) -> None:
    """The last signature commits the amount on the envelope (refusing, and so undoing the signature, beyond it)."""
    engagement_create(accompagnement=accompagnement, convention=convention, montant=montant, libelle=libelle, by=by)
