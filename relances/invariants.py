"""Invariants of the reminders (core/invariants.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant

from .models import EtatRelance, Relance

# Beat scans every minute and takes back a claim after RELANCES_RECLAIM_AFTER_SECONDS; beyond that
# delay and this margin (retries of a failing SMTP), a reminder still waiting was missed.
MARGE = datetime.timedelta(minutes=30)


@invariant("relances.envoyees", gettext_lazy("Chaque relance échue est envoyée ou annulée"))
def envoyees() -> Iterable[Violation]:
    grace = datetime.timedelta(seconds=settings.RELANCES_RECLAIM_AFTER_SECONDS) + MARGE
    rows = (
        Relance.objects.filter(etat__in=[EtatRelance.PREVUE, EtatRelance.EN_COURS], echeance__lt=timezone.now() - grace)
        .select_related("destinataire")
        .order_by("echeance")
    )
    for relance in rows.iterator():
        yield Violation(
            code="relances.envoyees",
            message=_("Due le %(echeance)s, toujours « %(etat)s » (%(tentatives)s tentative(s)%(erreur)s).")
            % {
                "echeance": formats.date_format(timezone.localtime(relance.echeance), "SHORT_DATETIME_FORMAT"),
                "etat": relance.get_etat_display(),
                "tentatives": relance.tentatives,
                "erreur": f" : {relance.derniere_erreur[:120]}" if relance.derniere_erreur else "",
            },
            objet=_("Relance « %(type)s » à %(email)s")
            % {"type": relance.get_type_relance_display(), "email": relance.destinataire.email},
            url=reverse("admin:relances_relance_change", args=[relance.pk]),
        )
