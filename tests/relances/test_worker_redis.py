"""A real Celery worker on Redis sends the reminders once, even when killed in the middle.

Runs only on PostgreSQL (the worker is another process and must see the test database; the
SQLite test database is in memory) with a Redis server on 127.0.0.1:6379 (database 9).
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from candidatures.models import Candidature
from evaluations import services as evaluation_services
from relances.models import EtatRelance, Relance
from relances.planning import relances_planifier
from tests.core.celery_broker import database_url, wait_for
from tests.factories import CandidatureFactory

from .conftest import build_dossier

REDIS_URL = os.environ.get("TSF_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_ready():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: the Celery worker is another process and cannot see the in-memory SQLite test database.")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


class Worker:
    def __init__(self, tmp_path: Path, delay: float) -> None:
        self.outbox = tmp_path / "emails"
        self.log_path = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tsf.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": "tests.relances.slow_email.EmailBackend",
            "EMAIL_FILE_PATH": str(self.outbox),
            "TSF_TEST_EMAIL_DELAY": str(delay),
            "RELANCES_RECLAIM_AFTER_SECONDS": "2",
            "TSF_VAR_DIR": str(tmp_path / "var"),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tsf", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"relances-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: "ready" in self.log_path.read_text(errors="replace"), what="worker ready", timeout=60)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process:
            self.log.close()

    def files(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []

    def per_relance(self) -> Counter:
        return Counter(int(p.name.split("-")[1]) for p in self.files())


def trigger_scan() -> None:
    from celery import Celery
    from kombu import Connection

    # A separate app that must not become the current one (the other tests' tasks run eagerly on
    # tsf's app), and an explicit connection: CELERY_BROKER_URL in the environment would otherwise
    # override the broker given to the constructor.
    trigger = Celery("declencheur", set_as_current=False)
    with Connection(REDIS_URL) as connection:
        trigger.send_task("relances.tasks.scan_due_relances", connection=connection)


def due_reminders(n_drafts: int) -> list[int]:
    """The two exit questionnaires of a finished accompagnement, plus drafts left for 15 days."""
    dossier = build_dossier()
    evaluation_services.evaluations_sortie_ouvrir(accompagnement=dossier.accompagnement, by=dossier.coordinateur)
    for _i in range(n_drafts):
        CandidatureFactory(programme=dossier.accompagnement.programme)
    Candidature.objects.filter(etat="brouillon").update(updated_at=timezone.now() - datetime.timedelta(days=15))
    relances_planifier()
    ids = list(Relance.objects.filter(etat=EtatRelance.PREVUE, echeance__lte=timezone.now()).values_list("pk", flat=True))
    assert len(ids) == 2 + n_drafts
    return ids


def envoyees() -> int:
    return Relance.objects.filter(etat=EtatRelance.ENVOYEE).count()


def test_a_real_worker_sends_each_reminder_once(redis_ready, tmp_path):
    ids = due_reminders(n_drafts=4)
    worker = Worker(tmp_path, delay=0)
    try:
        worker.start()
        trigger_scan()
        wait_for(lambda: envoyees() == len(ids), what="all reminders sent")
        trigger_scan()
        trigger_scan()
        wait_for(lambda: worker.log_path.read_text().count("scan_due_relances") >= 6, what="three scans done")
        wait_for(lambda: worker.log_path.read_text().count("succeeded") >= 3, what="three scans succeeded")
    finally:
        worker.kill()
    assert worker.per_relance() == Counter(dict.fromkeys(ids, 1))


def test_a_worker_killed_mid_run_and_restarted_still_sends_each_reminder_once(redis_ready, tmp_path):
    ids = due_reminders(n_drafts=4)
    worker = Worker(tmp_path, delay=1.0)
    try:
        worker.start()
        trigger_scan()

        def between_two_sends() -> bool:
            files = len(worker.files())
            return files >= 2 and envoyees() == files

        # Kill while the worker waits on the (slow) mail server for the next message: some
        # reminders are sent and marked, the others stay claimed `en_cours` by a dead worker.
        wait_for(between_two_sends, what="two reminders sent")
        assert between_two_sends()
        worker.kill()
        sent_before = len(worker.files())
        assert sent_before < len(ids)
        assert Relance.objects.filter(etat=EtatRelance.EN_COURS).count() == len(ids) - sent_before

        worker.start()
        # The claimed rows become claimable again after RELANCES_RECLAIM_AFTER_SECONDS (2 s here).
        deadline = time.monotonic() + 90
        while envoyees() < len(ids) and time.monotonic() < deadline:
            trigger_scan()
            time.sleep(2)
        assert envoyees() == len(ids)
    finally:
        worker.kill()
    assert worker.per_relance() == Counter(dict.fromkeys(ids, 1))
