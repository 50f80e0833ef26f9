"""Point the project's Celery app at another broker for one test (a real Redis server, running or not)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tsf.celery import app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Publish to `url` for real (not eagerly), with the production Redis options."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url

    def reset_pools() -> None:
        # Celery caches the connection and producer pools of the first broker it used.
        app._pool = None
        if "amqp" in app.__dict__:
            app.__dict__["amqp"]._producer_pool = None

    app.conf.update(broker_url=url, broker_transport_options=settings.REDIS_BROKER_OPTIONS, task_always_eager=False)
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


class RedisServer:
    """A real redis-server of our own on a free port, that the test stops and starts again."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert not self.ping()

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.exceptions.ConnectionError:
            return False

    def queued(self, queue: str = "celery") -> int:
        import redis

        return int(redis.Redis(port=self.port).llen(queue))


def database_url() -> str:
    """The test database, for a worker started in another process (PostgreSQL only)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, *, what: str, timeout: float = 60, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
