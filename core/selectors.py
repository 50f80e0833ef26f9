"""Read-only queries of the shared core (e-mail delivery)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from accounts import roles

from .models import MessageEnvoye


def personnes_email_en_echec() -> QuerySet:
    """People whose address the provider reported as failing, with how many reminders are held."""
    # Imported here: relances is a lifecycle app built on core.
    from relances.models import EtatRelance

    return (
        get_user_model()
        .objects.filter(email_en_echec_le__isnull=False)
        .annotate(relances_suspendues=Count("relances", filter=Q(relances__etat=EtatRelance.SUSPENDUE)))
        .order_by("-email_en_echec_le")
    )


def messages_de(personne: Any, *, limit: int = 50) -> list[MessageEnvoye]:
    """The delivery log of one person's address (newest first)."""
    return list(MessageEnvoye.objects.filter(Q(personne=personne) | Q(destinataire__iexact=personne.email))[:limit])


def statuts_par_reference(references: list[str]) -> dict[str, MessageEnvoye]:
    """The latest recorded message of each reference (e.g. "emailenvoye:12")."""
    found: dict[str, MessageEnvoye] = {}
    for message in MessageEnvoye.objects.filter(reference__in=references).order_by("envoye_le", "pk"):
        found[message.reference] = message
    return found


def espace(user: Any) -> dict[str, Any]:
    """The coordination's space: how many addresses fail (links to the queue)."""
    if not roles.is_coordination(user):
        return {}
    return {"emails_en_echec_total": get_user_model().objects.filter(email_en_echec_le__isnull=False).count()}
