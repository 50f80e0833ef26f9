"""Reads of the top layer: the e-mail addresses in failure and the reminders they hold."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from accounts import roles
from core.selectors import adresses_en_echec_total
from relances.models import EtatRelance


def personnes_email_en_echec() -> QuerySet:
    """People whose address the provider reported as failing, with how many reminders are held."""
    return (
        get_user_model()
        .objects.filter(email_en_echec_le__isnull=False)
        .annotate(relances_suspendues=Count("relances", filter=Q(relances__etat=EtatRelance.SUSPENDUE)))
        .order_by("-email_en_echec_le")
    )


def espace(user: Any) -> dict[str, Any]:
    """The coordination's space: how many addresses fail (links to the queue)."""
    if not roles.is_coordination(user):
        return {}
    return {"emails_en_echec_total": adresses_en_echec_total()}
