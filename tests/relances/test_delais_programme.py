"""The programme's own delays (seeds 003/004: « au plus tard 48 heures avant »): data on the Programme,
used by the reminders, the questions, the late cancellations and the drafts' reminder."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accompagnements import calendar as seance_dates
from candidatures.models import Candidature
from relances.models import Relance
from relances.planning import relances_planifier
from tests.factories import CandidatureFactory

from .conftest import build_dossier, seance

pytestmark = pytest.mark.django_db


def test_a_72_hour_question_delay_moves_the_session_reminder_and_the_late_cancellation():
    d = build_dossier()
    debut = timezone.now() + datetime.timedelta(hours=60)
    s = seance(d, debut)
    relances_planifier()
    (row,) = Relance.objects.filter(type_relance="seance_48h", destinataire=d.beneficiaire)
    assert row.echeance == debut - datetime.timedelta(hours=48)
    assert not seance_dates.annulation_tardive(s) and seance_dates.questions_ouvertes(s)

    programme = d.accompagnement.programme
    programme.delai_avant_seance_heures = 72
    programme.save(update_fields=["delai_avant_seance_heures"])
    Relance.objects.all().delete()
    relances_planifier()
    (row,) = Relance.objects.filter(type_relance="seance_48h", destinataire=d.beneficiaire)
    assert row.echeance == debut - datetime.timedelta(hours=72)
    s.refresh_from_db()
    s.accompagnement.programme.refresh_from_db()
    # 60 hours before: within the programme's 72 hours, a cancellation is late and questions are closed.
    assert seance_dates.annulation_tardive(s) and not seance_dates.questions_ouvertes(s)


def test_the_drafts_reminder_follows_the_programmes_delay():
    candidature = CandidatureFactory()
    programme = candidature.programme
    programme.relance_brouillon_jours = 5
    programme.save(update_fields=["relance_brouillon_jours"])
    Candidature.objects.filter(pk=candidature.pk).update(updated_at=timezone.now() - datetime.timedelta(days=6))
    relances_planifier()
    assert Relance.objects.filter(type_relance="brouillon", destinataire=candidature.candidat).exists()
