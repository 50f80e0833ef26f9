"""`/sante/` turns 503 when Redis or the worker stops, and 200 again once they are back.

A real redis-server, a real Celery worker and a real beat of the test's own (beat sends the heartbeat
every second, `/sante/` allows 3 s). The worker and beat are other processes that must see the
test database: PostgreSQL only (CI runs it); on SQLite only the broker half runs.
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
from django.utils import timezone

from core.models import Battement
from plateforme import health

from .celery_broker import RedisServer, database_url, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

HEARTBEAT_SECONDS = 1
MAX_AGE_SECONDS = 3


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


class CeleryProcess:
    """`celery -A tsf worker` or `beat`, in its own session so that it can be stopped with its children."""

    def __init__(self, kind: str, tmp_path: Path, broker_url: str) -> None:
        self.kind = kind
        self.log_path = tmp_path / f"{kind}-{uuid.uuid4().hex[:6]}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tsf.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TSF_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
            "TSF_VAR_DIR": str(tmp_path / "var"),
            "LOG_FORMAT": "text",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        extra = (
            ["--pool=solo", "--without-gossip", "--without-mingle", "-n", f"sante-{uuid.uuid4().hex[:8]}@%h"]
            if self.kind == "worker"
            else ["--schedule", str(self.log_path.with_suffix(".schedule"))]
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tsf", self.kind, "--loglevel=INFO", *extra],
                cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def sante(client) -> tuple[int, dict[str, str]]:
    response = client.get(reverse("plateforme:sante"))
    return response.status_code, response.json()["controles"]


def wait_sante(client, status: int, *, timeout: float = 90) -> float:
    """Seconds until /sante/ answers `status`, asked every 0.2 s as a load balancer would (more often)."""
    started = time.monotonic()
    wait_for(lambda: sante(client)[0] == status, what=f"/sante/ {status}", timeout=timeout, every=0.2)
    return time.monotonic() - started


def test_sante_follows_redis_and_the_worker(redis_server, client, settings, tmp_path, figure):
    settings.CELERY_BROKER_URL = redis_server.url
    settings.TSF_HEARTBEAT_MAX_AGE_SECONDS = MAX_AGE_SECONDS
    real_worker = connection.vendor == "postgresql"
    if not real_worker:
        # The heartbeat a worker would write (the SQLite test database is out of a worker's reach).
        Battement.objects.create(nom=health.HEARTBEAT, vu_le=timezone.now() + timezone.timedelta(hours=1))
        assert sante(client) == (200, {"base": "ok", "cache": "ok", "broker": "ok", "worker": "ok"})
        redis_server.stop()
        assert sante(client) == (503, {"base": "ok", "cache": "ok", "broker": "erreur", "worker": "ok"})
        redis_server.start()
        assert sante(client)[0] == 200
        figure("/sante/: 503 at the first probe after Redis stopped, 200 once back (no real worker on SQLite)")
        return

    worker = CeleryProcess("worker", tmp_path, redis_server.url)
    beat = CeleryProcess("beat", tmp_path, redis_server.url)
    try:
        assert sante(client)[1]["worker"] == "erreur"  # no heartbeat yet
        worker.start()
        beat.start()
        wait_sante(client, 200)

        # The worker stops: the heartbeat goes stale within the allowed age.
        worker.stop()
        worker_down = wait_sante(client, 503, timeout=MAX_AGE_SECONDS + 10)
        assert worker_down <= MAX_AGE_SECONDS + 2 * HEARTBEAT_SECONDS
        assert sante(client)[1] == {"base": "ok", "cache": "ok", "broker": "ok", "worker": "erreur"}
        worker.start()
        worker_back = wait_sante(client, 200)

        # Redis stops: the very next probe says so.
        redis_server.stop()
        status, checks = sante(client)
        assert status == 503 and checks["broker"] == "erreur"
        redis_server.start()
        redis_back = wait_sante(client, 200)
    finally:
        worker.stop()
        beat.stop()
    figure(
        f"/sante/: 503 {worker_down:.1f} s after the worker stopped (heartbeat allowed {MAX_AGE_SECONDS} s), "
        f"200 {worker_back:.1f} s after it restarted; 503 at the first probe after Redis stopped, "
        f"200 {redis_back:.1f} s after it was back"
    )
