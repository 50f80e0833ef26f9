"""Signed, expiring links to one questionnaire, sent by e-mail: no login needed, nothing else reachable."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Evaluation

SALT = "evaluations.lien-questionnaire"


def lien_duree() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "EVALUATION_LIEN_JOURS", 45))


def jeton(evaluation: Evaluation) -> str:
    return signing.dumps({"e": evaluation.pk, "p": evaluation.personne_id}, salt=SALT)


def lien_absolu(evaluation: Evaluation) -> str:
    return settings.SITE_URL + reverse("evaluations:lien", args=[jeton(evaluation)])


def evaluation_du_jeton(token: str) -> Evaluation:
    """The evaluation a token opens. Raises signing.SignatureExpired, signing.BadSignature or Evaluation.DoesNotExist."""
    data = signing.loads(token, salt=SALT, max_age=lien_duree())
    return Evaluation.objects.select_related("accompagnement__programme", "accompagnement__format", "personne").get(
        pk=data["e"], personne_id=data["p"]
    )
