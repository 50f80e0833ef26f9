"""Redis stops: an application submitted meanwhile is saved at once, and its receipt goes out when Redis is back.

A real redis-server of the test's own (a free port, so that the other tests running in parallel
keep theirs) is stopped and started again. On PostgreSQL a real Celery worker, in another
process, sends the receipt; the SQLite test database lives in memory, out of a worker's reach,
so there the test stops when the job is back in Redis's queue (CI runs both).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from candidatures.models import Candidature, Etat
from core import jobs
from core.models import TacheDifferee
from tests.candidatures.conftest import fill_all_steps

from .celery_broker import RedisServer, celery_broker, database_url, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.stop()


def start_worker(tmp_path: Path, broker_url: str) -> tuple[subprocess.Popen, Path]:
    outbox = tmp_path / "emails"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tsf.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TSF_VAR_DIR": str(tmp_path / "var"),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "celery", "-A", "tsf", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"panne-{uuid.uuid4().hex[:8]}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    wait_for(lambda: "ready" in log_path.read_text(errors="replace"), what="the worker to be ready", timeout=60)
    return process, outbox


def test_an_application_submitted_while_redis_is_stopped_is_saved_and_its_receipt_goes_out_when_redis_is_back(
    redis_server, client, candidat, programme, tmp_path, figure
):
    client.force_login(candidat)
    client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    brouillon = Candidature.objects.get(candidat=candidat)
    fill_all_steps(client, brouillon)

    with celery_broker(redis_server.url):
        redis_server.stop()
        started = time.monotonic()
        response = client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
        answered_in = time.monotonic() - started

    # The applicant got their answer at once, and their file is saved and submitted.
    assert response.status_code == 302 and answered_in < 5
    page = client.get(response["Location"]).content.decode()
    brouillon.refresh_from_db()
    assert brouillon.etat == Etat.SOUMISE and brouillon.reference in page
    # The receipt job waits in the database.
    job = TacheDifferee.objects.get(tache="candidature_recu")
    assert job.etat == TacheDifferee.Etat.EN_ATTENTE and job.publiee_le is None
    assert not brouillon.recu_pdf

    redis_server.start()
    if connection.vendor != "postgresql":
        with celery_broker(redis_server.url):
            assert jobs.jobs_dispatch() == 1  # what beat runs every 30 seconds
        assert redis_server.queued() == 1
        figure(f"Redis stopped: submission answered in {answered_in:.2f} s, saved; job handed to Redis once it was back")
        return

    worker, outbox = start_worker(tmp_path, redis_server.url)
    try:
        back = time.monotonic()
        with celery_broker(redis_server.url):
            jobs.jobs_dispatch()  # beat's scan, as it runs every 30 seconds
        wait_for(lambda: TacheDifferee.objects.get(pk=job.pk).etat == TacheDifferee.Etat.FAITE, what="the receipt job")
        sent_after = time.monotonic() - back
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    (message,) = sorted(outbox.glob("*.log"))
    content = message.read_text(errors="replace")
    assert brouillon.reference in content and candidat.email in content
    brouillon.refresh_from_db()
    assert brouillon.recu_pdf
    figure(
        f"Redis stopped: submission answered in {answered_in:.2f} s and saved; "
        f"receipt e-mailed by the worker {sent_after:.1f} s after Redis was back, once"
    )
