"""`/sante/` for load balancers and the coordination's status page (plateforme/health.py)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from core.models import Battement, TacheDifferee
from plateforme import health
from relances.models import EtatRelance, Relance
from tests.factories import UserFactory

from .celery_broker import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def heartbeat_now(db):
    return Battement.objects.create(nom=health.HEARTBEAT, vu_le=timezone.now())


def sante(client):
    response = client.get(reverse("plateforme:sante"))
    return response.status_code, json.loads(response.content)


def test_healthy_platform_answers_200_with_the_checks_and_nothing_personal(client, heartbeat_now, candidat):
    status, body = sante(client)
    assert status == 200
    assert body == {"statut": "ok", "controles": {"base": "ok", "cache": "ok", "broker": "ok", "worker": "ok"}}
    response = client.get(reverse("plateforme:sante"))
    assert "no-cache" in response["Cache-Control"] and response["Content-Type"] == "application/json"
    assert candidat.email not in response.content.decode()


def test_no_heartbeat_or_a_stale_one_answers_503(client, settings):
    assert sante(client) == (
        503,
        {"statut": "erreur", "controles": {"base": "ok", "cache": "ok", "broker": "ok", "worker": "erreur"}},
    )
    settings.TSF_HEARTBEAT_MAX_AGE_SECONDS = 60
    Battement.objects.create(nom=health.HEARTBEAT, vu_le=timezone.now() - datetime.timedelta(seconds=61))
    assert sante(client)[0] == 503
    Battement.objects.filter(nom=health.HEARTBEAT).update(vu_le=timezone.now() - datetime.timedelta(seconds=30))
    assert sante(client)[0] == 200


def test_a_broker_that_does_not_answer_gives_503(client, settings, heartbeat_now):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    status, body = sante(client)
    assert status == 503 and body["controles"]["broker"] == "erreur" and body["controles"]["base"] == "ok"


def test_a_database_that_does_not_answer_gives_503_not_a_500(client, heartbeat_now, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", down)
    monkeypatch.setattr(health.Battement.objects, "filter", down)
    status, body = sante(client)
    assert status == 503 and body["controles"]["base"] == "erreur" and body["controles"]["worker"] == "erreur"


def test_a_cache_that_does_not_answer_gives_503(client, heartbeat_now, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache away")

    monkeypatch.setattr(health.cache, "set", down)
    assert sante(client)[1]["controles"]["cache"] == "erreur"


def test_sante_is_not_redirected_to_https_nor_refused_by_the_idle_timeout(client, settings, heartbeat_now):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("plateforme:sante")).status_code == 200
    assert client.get(reverse("core:home")).status_code == 301


def test_each_beat_task_records_its_run_and_the_heartbeat_is_the_worker_task(settings):
    from core.tasks import dispatch_jobs, heartbeat

    heartbeat.delay()
    dispatch_jobs.delay()
    assert set(Battement.objects.values_list("nom", flat=True)) == {"battement-worker", "taches-differees"}
    assert health.check_worker().ok
    assert health.beat_run_record(task_name="plateforme.tasks.apply_retention", succeeded=False, error="boom") == 1
    assert health.beat_run_record(task_name="core.tasks.run_job", succeeded=True) == 0  # not a beat task


def test_the_status_page_is_for_the_coordination_and_the_staff(client, coordinateur, candidat, membre_comite):
    url = reverse("plateforme:etat_plateforme")
    assert client.get(url).status_code == 302
    for user in (candidat, membre_comite):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200
    client.force_login(coordinateur)
    assert client.get(url).status_code == 200


def test_the_status_page_shows_scans_outbox_failures_and_late_reminders(client, coordinateur, heartbeat_now):
    from tests.relances.conftest import build_dossier

    now = timezone.now()
    Battement.objects.create(nom="scan-relances", vu_le=now - datetime.timedelta(hours=2))
    Battement.objects.create(nom="taches-differees", vu_le=now, reussi=False, erreur="OperationalError('boom')")
    old = TacheDifferee.objects.create(tache="email", pas_avant=now)
    TacheDifferee.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(minutes=42))
    TacheDifferee.objects.create(tache="budget_export", pas_avant=now)
    TacheDifferee.objects.create(tache="email", pas_avant=now, etat=TacheDifferee.Etat.ECHEC)
    dossier = build_dossier()
    Relance.objects.create(
        programme=dossier.accompagnement.programme,
        type_relance="signature",
        destinataire=dossier.coordinateur,
        objet=dossier.accompagnement,
        echeance=now - datetime.timedelta(hours=3),
        etat=EtatRelance.PREVUE,
    )

    status = health.platform_status(now=now)
    scans = {s.name: s for s in status["scans"]}
    assert scans["scan-relances"].late and not scans["battement-worker"].late
    assert not scans["taches-differees"].succeeded and scans["plan-relances"].last_run is None
    assert status["jobs_waiting"] == 2 and status["oldest_job"]["pk"] == old.pk and status["jobs_failed"] == 1
    assert status["reminders_overdue"] == 1 and status["coherence"] is None

    client.force_login(coordinateur)
    page = client.get(reverse("plateforme:etat_plateforme")).content.decode()
    assert "État de la plateforme" in page and "scan-relances" in page and "en retard" in page
    assert f"email n° {old.pk}" in page and "OperationalError" in page
