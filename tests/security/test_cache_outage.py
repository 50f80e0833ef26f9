"""The cache's Redis stops: login, sign-up and password reset keep working, with a logged warning.

The cache (CACHE_URL, as the README advises for production) holds allauth's rate limits. A real
redis-server of the test's own (a free port) serves it, then is stopped: every page answers as
usual, rate limiting goes on in the process's memory (a 6th wrong password is still refused), and
the cache returns to Redis once it is back.
"""

from __future__ import annotations

import logging
import os
import shutil
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from core.cache import ResilientRedisCache
from tests.core.celery_broker import RedisServer

from .conftest import allauth_login

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

RETRY_AFTER = 0.5


@pytest.fixture
def cache_redis(tmp_path):
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis-cache")
    server.start()
    caches = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry_after": RETRY_AFTER},
        }
    }
    # override_settings resets Django's cache handler: `cache` is a new client on this server.
    with override_settings(CACHES=caches):
        yield server
    if server.process and server.process.poll() is None:
        server.stop()


def _keys(server: RedisServer) -> int:
    return redis.Redis.from_url(server.url, socket_connect_timeout=1).dbsize()


def test_login_signup_and_password_reset_work_while_the_cache_redis_is_stopped(client, personne, cache_redis, caplog):
    # Redis really holds the rate limits while it runs.
    assert client.get(reverse("account_login")).status_code == 200
    allauth_login(client, personne, password="pas-le-bon")
    assert _keys(cache_redis) > 0

    cache_redis.stop()
    caplog.set_level(logging.WARNING, logger="core.cache")
    started = time.monotonic()

    response = allauth_login(client, personne)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personne.pk)
    client.logout()

    response = client.post(
        reverse("account_signup"),
        {"email": "nouvelle@exemple.test", "password1": "un-mot-de-passe-long", "password2": "un-mot-de-passe-long"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")

    response = client.post(reverse("account_reset_password"), {"email": personne.email})
    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password_done")
    answered_in = time.monotonic() - started

    warnings = [record for record in caplog.records if record.name == "core.cache" and record.levelno == logging.WARNING]
    assert warnings and "Redis cache unreachable" in warnings[0].getMessage()
    # The pages were served in a few seconds, not after a timeout on each cache call.
    assert answered_in < 10


def test_rate_limiting_goes_on_in_memory_while_redis_is_stopped_and_returns_to_redis(client, personne, cache_redis):
    cache_redis.stop()
    statuses = []
    for _ in range(7):
        response = client.post(reverse("account_login"), {"login": personne.email, "password": "pas-le-bon"})
        statuses.append(response.status_code)
        if "Trop de tentatives" in response.content.decode() or response.status_code == 429:
            break
    assert 500 not in statuses
    assert len(statuses) <= 6, "the account's failed-login limit (5 per 5 minutes) no longer held"
    assert "_auth_user_id" not in client.session

    cache_redis.start()
    time.sleep(RETRY_AFTER + 0.1)
    cache.set("tsf-probe", "1")
    assert _keys(cache_redis) == 1  # back on Redis (the memory kept the limits meanwhile)


def test_every_cache_call_survives_a_stopped_server(cache_redis):
    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    cache_redis.stop()
    assert backend.add("a", 1) is True
    assert backend.get("a") == 1 and backend.has_key("a")
    backend.set("b", 2)
    assert backend.incr("b") == 3
    assert backend.get_many(["a", "b"]) == {"a": 1, "b": 3}
    backend.set_many({"c": 4})
    assert backend.touch("c") is True
    assert backend.delete("c") is True
    backend.delete_many(["a", "b"])
    assert backend.get("a", "défaut") == "défaut"
    backend.clear()
    assert backend.redis_is_down()


def test_pages_answer_while_redis_refuses_writes(client, cache_redis, caplog):
    """A Redis that answers but refuses every write (here out of memory under `noeviction`; MISCONF on a
    full disk and READONLY after a failover are the same kind of error): the footer's pilot, cached since
    issue 14, is written on a page's first visit, and the page must still answer."""
    server = redis.Redis.from_url(cache_redis.url, socket_connect_timeout=1)
    server.config_set("maxmemory-policy", "noeviction")
    server.config_set("maxmemory", 1)
    with pytest.raises(redis.exceptions.ResponseError):
        server.set("probe", "1")
    caplog.set_level(logging.WARNING, logger="core.cache")
    response = client.get(reverse("core:faq"))
    assert response.status_code == 200
    assert "Redis cache unreachable" in caplog.text
    assert caches["default"].redis_is_down()
