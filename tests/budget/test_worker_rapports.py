"""A real Celery worker on Redis builds the audit file handed over by the job outbox.

Runs only on PostgreSQL (the worker is another process and must see the test database) with a Redis
server on 127.0.0.1:6379 (database 15, or TSF_TEST_REDIS_URL).
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from budget import services
from budget.audit import manifeste_lignes
from core.models import TacheDifferee
from tests.core.celery_broker import celery_broker, database_url, wait_for

from .test_rapports import _dossier_demo

REDIS_URL = os.environ.get("TSF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_ready():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: the Celery worker is another process and cannot see the in-memory SQLite test database.")
    import redis  # only the tests that need a real Redis server import its client

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


@pytest.fixture
def worker(redis_ready, tmp_path):
    log_path = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tsf.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # The worker stores the archive where this test reads it.
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TSF_VAR_DIR": str(tmp_path / "var"),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tsf", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"rapports-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: "ready" in log_path.read_text(errors="replace"), what="worker ready", timeout=60)
            yield log_path
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_real_worker_builds_the_audit_file_from_the_outbox(worker, coordinateur):
    _programme, accompagnement, _convention = _dossier_demo(coordinateur)
    with celery_broker(REDIS_URL):
        with transaction.atomic():
            export = services.export_request(
                programme=accompagnement.programme,
                type_export="dossier_controle",
                by=coordinateur,
                accompagnement=accompagnement,
            )
        job = TacheDifferee.objects.get(tache="budget_export")
        assert job.arguments == {"export_id": export.pk}
        seen = set()

        def ready() -> bool:
            export.refresh_from_db()
            seen.add(export.progression)
            return export.etat in ("pret", "echec")

        wait_for(ready, what="the audit file", timeout=120, every=0.05)
    assert export.etat == "pret", export.erreur + worker.read_text(errors="replace")[-3000:]
    assert export.progression == 100 and max(seen) == 100
    # The job row is marked done just after the export it built.
    wait_for(lambda: TacheDifferee.objects.get(pk=job.pk).etat == "faite", what="the job done", timeout=30)

    with export.fichier.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    rows = manifeste_lignes(archive.read("manifeste.csv"))[1:]
    assert any(row[0].endswith("-signee.pdf") for row in rows)
    for path, _description, size, digest in rows:
        content = archive.read(path)
        assert (len(content), hashlib.sha256(content).hexdigest()) == (int(size), digest)
