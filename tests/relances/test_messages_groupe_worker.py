"""A group message reaches exactly the counted set, once each, through a real Celery worker — on Redis and on
the embedded default broker (kombu's filesystem transport) — even when the worker is killed mid-run.

Runs only on PostgreSQL (the worker is another process and must see the test database; the SQLite test
database is in memory). Redis: TSF_TEST_REDIS_URL (default database 12 of 127.0.0.1:6379).
"""

from __future__ import annotations

import contextlib
import datetime
import email
import os
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from core import jobs
from core.models import TacheDifferee
from relances import selectors, services
from relances.models import DestinataireMessage, EtatDestinataire
from tests.core.celery_broker import wait_for
from tests.factories import AccompagnementFactory, PersonneRessourceFactory
from tsf.celery import app

from .groupe_scene import build_scene, filtres
from .test_worker_redis import Worker

REDIS_URL = os.environ.get("TSF_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def filesystem_options(var_dir: Path) -> dict[str, object]:
    """The folders tsf/settings.py gives the filesystem broker for TSF_VAR_DIR=var_dir."""
    broker = var_dir / "broker"
    for folder in ("queue", "processed", "control"):
        (broker / folder).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
        "store_processed": False,
    }


@contextlib.contextmanager
def publishing_to(url: str, options: dict[str, object]):
    """This process hands jobs over to `url` for real (not eagerly)."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url

    def reset_pools() -> None:
        app._pool = None
        if "amqp" in app.__dict__:
            app.__dict__["amqp"]._producer_pool = None

    app.conf.update(broker_url=url, broker_transport_options=options, task_always_eager=False)
    reset_pools()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.update(saved)
        reset_pools()


@pytest.fixture(params=["redis", "filesystem"])
def broker(request, tmp_path):
    """(url, worker environment) of a real broker, this process publishing to it."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: the Celery worker is another process and cannot see the in-memory SQLite test database.")
    var_dir = tmp_path / "var"
    if request.param == "redis":
        import redis
        from django.conf import settings

        client = redis.Redis.from_url(REDIS_URL)
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            if os.environ.get("CI"):
                pytest.fail(f"Redis is not reachable at {REDIS_URL}")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        client.flushdb()
        with publishing_to(REDIS_URL, settings.REDIS_BROKER_OPTIONS):
            yield REDIS_URL
        client.flushdb()
    else:
        with publishing_to("filesystem://", filesystem_options(var_dir)):
            yield "filesystem://"


def start_worker(tmp_path: Path, broker_url: str, delay: float) -> Worker:
    worker = Worker(tmp_path, delay=delay)
    worker.env["CELERY_BROKER_URL"] = broker_url
    worker.env["TSF_VAR_DIR"] = str(tmp_path / "var")  # the filesystem broker's folders (same as this process)
    worker.start()
    return worker


def recipients_of(worker: Worker) -> Counter:
    """How many e-mails each address received (read from the files the worker's mail backend wrote)."""
    return Counter(email.message_from_bytes(path.read_bytes())["To"] for path in worker.files())


def sent() -> int:
    return DestinataireMessage.objects.filter(etat=EtatDestinataire.ENVOYE).count()


def group_of(scene, extra_mentors: int = 0):
    for _i in range(extra_mentors):
        AccompagnementFactory(candidature__programme=scene.programme, mentors=[PersonneRessourceFactory()])
    group = filtres(role="personne_ressource", programme=scene.programme.pk)
    count = selectors.apercu_groupe(group, "Info", "Bonjour {prenom}")["nombre"]  # what the preview shows
    expected = {p.email for p in selectors.destinataires_groupe(group)}
    assert len(expected) == count == 1 + extra_mentors
    return group, count, expected


def test_a_real_worker_delivers_a_group_message_to_exactly_the_counted_set_once(broker, tmp_path):
    scene = build_scene()
    group, count, expected = group_of(scene, extra_mentors=3)
    worker = start_worker(tmp_path, broker, delay=0)
    try:
        message = services.message_groupe_envoyer(
            filtres=group, sujet="Réunion {reference}", corps="Bonjour {prenom}", nombre_annonce=count, by=scene.coordinateur
        )
        wait_for(lambda: sent() == count, what="every copy e-mailed")
        job = TacheDifferee.objects.get(tache="message_groupe")
        wait_for(lambda: TacheDifferee.objects.get(pk=job.pk).etat == TacheDifferee.Etat.FAITE, what="job done")
        # The job handed over again (a lost message, a second dispatch) sends nothing more.
        TacheDifferee.objects.filter(pk=job.pk).update(etat=TacheDifferee.Etat.EN_ATTENTE)
        jobs.publish(job_id=job.pk)
        wait_for(lambda: TacheDifferee.objects.get(pk=job.pk).etat == TacheDifferee.Etat.FAITE, what="job run again")
    finally:
        worker.kill()
    assert recipients_of(worker) == Counter(dict.fromkeys(expected, 1))
    assert message.destinataires.count() == count
    assert not DestinataireMessage.objects.exclude(message=message).exists()


def test_a_worker_killed_mid_run_and_restarted_still_sends_each_copy_once(broker, tmp_path):
    scene = build_scene()
    group, count, expected = group_of(scene, extra_mentors=4)
    worker = start_worker(tmp_path, broker, delay=1.0)
    try:
        services.message_groupe_envoyer(
            filtres=group, sujet="Info", corps="Bonjour {prenom}", nombre_annonce=count, by=scene.coordinateur
        )

        def between_two_sends() -> bool:
            files = len(worker.files())
            return files >= 2 and sent() == files

        # Kill while the worker waits on the (slow) mail server: some copies are sent and marked, the
        # job stays `en_cours`, claimed by a dead worker.
        wait_for(between_two_sends, what="two copies sent")
        worker.kill()
        sent_before = len(worker.files())
        assert 2 <= sent_before < count
        assert TacheDifferee.objects.get(tache="message_groupe").etat == TacheDifferee.Etat.EN_COURS

        worker = start_worker(tmp_path, broker, delay=0)
        # The outbox's scan takes back a job left running by a dead worker (after RECUPERER_APRES).
        jobs.jobs_dispatch(now=timezone.now() + jobs.RECUPERER_APRES + datetime.timedelta(minutes=1))
        wait_for(lambda: sent() == count, what="the other copies sent")
    finally:
        worker.kill()
    assert recipients_of(worker) == Counter(dict.fromkeys(expected, 1))
