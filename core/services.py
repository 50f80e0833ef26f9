"""Shared write operations of the core app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from .models import AccesDonnees

if TYPE_CHECKING:  # annotations only
    from django.db.models.options import Options
    from django.http import HttpRequest


class Journalisable(Protocol):
    """What the access log needs of the object opened: any model instance (core names no app's model)."""

    @property
    def pk(self) -> object: ...

    @property
    def _meta(self) -> Options[Any]: ...


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def acces_journaliser(
    *, request: HttpRequest, objet: Journalisable, libelle: str, action: str = AccesDonnees.Action.TELECHARGEMENT
) -> AccesDonnees:
    """Record that the logged-in user of `request` opened a personal file (or an export) about `objet`."""
    user = None if isinstance(request.user, AnonymousUser) else request.user
    return AccesDonnees.objects.create(
        user=user,
        action=action,
        objet_type=objet._meta.label,
        objet_id=str(objet.pk),
        libelle=str(libelle)[:255],
        adresse_ip=_client_ip(request),
    )
