"""Invariants of the reminders (core/invariants.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant

from .models import EtatDestinataire, EtatRelance, MessageGroupe, Relance

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


# The outbox retries a failed job for about a quarter of an hour and takes back a job left by a dead
# worker after half an hour (core/jobs.py): beyond this, a copy still waiting for its e-mail was missed.
MARGE_MESSAGE_GROUPE = datetime.timedelta(hours=2)


@invariant(
    "relances.messages_groupe",
    gettext_lazy("Chaque message à un groupe a une copie par destinataire annoncé, et chaque e-mail est parti"),
)
def messages_groupe() -> Iterable[Violation]:
    limite = timezone.now() - MARGE_MESSAGE_GROUPE
    rows = (
        MessageGroupe.objects.annotate(
            copies=Count("destinataires"),
            en_retard=Count(
                "destinataires",
                filter=Q(destinataires__etat=EtatDestinataire.A_ENVOYER, created_at__lt=limite),
            ),
        )
        .filter(~Q(copies=F("nombre_destinataires")) | Q(en_retard__gt=0))
        .order_by("created_at")
    )
    for message in rows.iterator():
        yield Violation(
            message=_("%(copies)s copie(s) pour %(annonce)s destinataire(s) annoncé(s) ; %(attente)s e-mail(s) jamais parti(s).")
            % {"copies": message.copies, "annonce": message.nombre_destinataires, "attente": message.en_retard},  # type: ignore[attr-defined]
            objet=_("Message à un groupe « %(sujet)s »") % {"sujet": message.sujet},
            url=reverse("relances:message_groupe_detail", args=[message.pk]),
        )
