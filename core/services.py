"""Shared write operations of the core app."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .models import AccesDonnees


def _client_ip(request: Any) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def acces_journaliser(
    *, request: Any, objet: models.Model, libelle: str, action: str = AccesDonnees.Action.TELECHARGEMENT
) -> AccesDonnees:
    """Record that the logged-in user of `request` opened a personal file (or an export) about `objet`."""
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    return AccesDonnees.objects.create(
        user=user,
        action=action,
        objet_type=objet._meta.label,
        objet_id=str(objet.pk),
        libelle=str(libelle)[:255],
        adresse_ip=_client_ip(request),
    )
