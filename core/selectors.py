"""Read-only queries of the shared core (e-mail delivery) and the filtering the apps' lists share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import MessageEnvoye

if TYPE_CHECKING:  # annotations only: core names no app's model (accounts.User is an AbstractUser)
    from django.contrib.auth.models import AbstractUser

# The queryset keeps its own class (a custom QuerySet stays one for the caller and the type checker).
QS = TypeVar("QS", bound="QuerySet[Any]")


def filtres_renseignes(qs: QS, valeurs: Mapping[str, Any], lookups: Mapping[str, str]) -> QS:
    """Narrow `qs` by each filter the user filled in: `lookups` maps a filter's name to its ORM lookup;
    an empty value (blank, None, 0) leaves that criterion out, as every list of the platform does.

    One `.filter()` a criterion, in the order given: across a multi-valued relation, chained filters may
    each match a different related row, which is what the lists always meant.
    """
    for name, lookup in lookups.items():
        value = valeurs.get(name)
        if value:
            qs = qs.filter(**{lookup: value})
    return qs


def messages_de(personne: AbstractUser, *, limit: int = 50) -> list[MessageEnvoye]:
    """The delivery log of one person's address (newest first)."""
    return list(MessageEnvoye.objects.filter(Q(personne=personne) | Q(destinataire__iexact=personne.email))[:limit])


def statuts_par_reference(references: list[str]) -> dict[str, MessageEnvoye]:
    """The latest recorded message of each reference (e.g. "emailenvoye:12")."""
    found: dict[str, MessageEnvoye] = {}
    for message in MessageEnvoye.objects.filter(reference__in=references).order_by("envoye_le", "pk"):
        found[message.reference] = message
    return found


def adresses_en_echec_total() -> int:
    """How many people's addresses the mail provider reported as failing."""
    return get_user_model().objects.filter(email_en_echec_le__isnull=False).count()
