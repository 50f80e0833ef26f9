"""Signed, expiring links to confirm one session (service fait), sent by e-mail: no login needed,
that session's answer only, for the person the link was sent to."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import User

from .models import Seance

SALT = "accompagnements.service-fait"


def lien_duree() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "SERVICE_FAIT_LIEN_JOURS", 30))


def jeton(seance: Seance, personne: User) -> str:
    return signing.dumps({"s": seance.pk, "u": personne.pk}, salt=SALT)


def lien_absolu(seance: Seance, personne: User) -> str:
    return settings.SITE_URL + reverse("accompagnements:service_fait_lien", args=[jeton(seance, personne)])


def confirmation_du_jeton(token: str) -> tuple[Seance, User]:
    """The session and the person a token stands for. Raises signing.SignatureExpired,
    signing.BadSignature, Seance.DoesNotExist or User.DoesNotExist."""
    data = signing.loads(token, salt=SALT, max_age=lien_duree())
    seance = (
        Seance.objects.select_related("accompagnement__programme", "accompagnement__beneficiaire")
        .prefetch_related("accompagnement__mentors", "confirmations")
        .get(pk=data["s"])
    )
    return seance, User.objects.get(pk=data["u"], is_active=True)
