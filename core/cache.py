"""The shared cache (Redis) that a Redis outage does not turn into a 500.

The cache holds allauth's rate limits (login, sign-up, password reset) and its record of used TOTP
codes: losing it for a while must not lock people out. When Redis does not answer, each call is
served by a cache in this process's memory instead, with a logged warning, and Redis is tried again
after `retry_after` seconds (so that a stopped server does not cost a connection timeout on every
call). The limits then hold per process rather than for the whole site until Redis is back.

Configured in tsf/settings.py when CACHE_URL is set:
    {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": CACHE_URL,
     "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 10}}
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a stopped, unreachable or overloaded server raises (BusyLoadingError is a ConnectionError).
# Also a server that answers but refuses (MISCONF when its disk is full, OOM, READONLY after a failover):
# since the footer's pilot is cached, every page writes the cache now and then, and must not answer 500.
OUTAGE_ERRORS = (RedisError,)
DEFAULT_RETRY_AFTER = 10.0
# server -> time.monotonic() until which the memory fallback serves it (one per process).
_DOWN_UNTIL: dict[str, float] = {}
_LOCK = threading.Lock()


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        # Ours, not a connection option of redis-py: taken out before the pool sees the options.
        self.retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        params["OPTIONS"] = options
        super().__init__(server, params)
        fallback_params = {key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if key in params}
        # Django builds one cache object per thread: the memory fallback and the outage time are per
        # server and shared by the threads of the process (LocMemCache shares the storage of one name).
        self._server = server
        self.fallback = LocMemCache(f"tsf-cache-fallback:{server}", fallback_params)

    def redis_is_down(self) -> bool:
        return time.monotonic() < _DOWN_UNTIL.get(self._server, 0.0)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.redis_is_down():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except OUTAGE_ERRORS as error:
                with _LOCK:
                    _DOWN_UNTIL[self._server] = time.monotonic() + self.retry_after
                logger.warning(
                    "Redis cache unreachable (%s: %s): rate limits and used TOTP codes are kept in this "
                    "process's memory; Redis is tried again in %.0f s.",
                    type(error).__name__,
                    error,
                    self.retry_after,
                )
        return getattr(self.fallback, name)(*args, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call("delete_many", keys, version)

    def clear(self) -> None:
        self.fallback.clear()
        self._call("clear")


def cache_optionnel(alias: str = "flux") -> BaseCache | None:
    """A cache for what only saves work (a rendered calendar feed kept under its validator: the "flux"
    cache, apart from the rate limits, tsf/settings.py): None while its Redis is known to be down, so
    that such bodies do not crowd the memory fallback that keeps the rate limits meanwhile (one per
    server); the caller then does the work, as it would on a miss."""
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache) and backend.redis_is_down():
        return None
    return backend
