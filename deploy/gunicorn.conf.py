"""Gunicorn, the platform's web server (Procfile's `web`, deploy/tsf-web.service).

    gunicorn --config deploy/gunicorn.conf.py

Every value can be changed by an environment variable, in the same file as the others
(/etc/tsf/tsf.env): TSF_BIND, WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT,
FORWARDED_ALLOW_IPS. Access and error lines are JSON with the request id (core/logs.py), like the
application's, unless LOG_FORMAT=text.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

# Gunicorn adds the working directory to the path only after reading this file; core.logs is needed now.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.logs import JsonFormatter  # noqa: E402 - needs the path above

wsgi_app = "tsf.wsgi:application"
# The reverse proxy talks to this address (never exposed directly: TLS and static files are the proxy's).
bind = os.environ.get("TSF_BIND", "127.0.0.1:8000")

# Workers from the core count (Gunicorn's advice: 2 × cores + 1), each with a few threads so that
# a slow upload or download does not hold a whole process; WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * multiprocessing.cpu_count() + 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer is killed (PDFs, exports and e-mails are jobs, not requests);
# 60 s leaves room for a 10 MB upload on a slow line, which the proxy buffers anyway.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On restart (systemctl restart / SIGTERM), requests in progress get this long to finish.
graceful_timeout = 30
# Behind a proxy that keeps its connections open.
keepalive = 5
# Recycle each worker after about a thousand requests: bounded memory even if something leaks.
max_requests = 1000
max_requests_jitter = 100
# Trust X-Forwarded-* only from the proxy on the same machine (BEHIND_PROXY=1 makes Django read it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Preloading would share database connections across the fork: each worker loads the app itself.
preload_app = False
# Gunicorn's control socket (gunicornctl) is not used; by default it sits in the home directory,
# shared by every instance the user runs.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Text access line (LOG_FORMAT=text), with the request id set by core.logs.RequestIdMiddleware.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

_debug = os.environ.get("DEBUG", "0").strip().lower() in {"1", "true", "yes", "on"}
_json = os.environ.get("LOG_FORMAT", "text" if _debug else "json") == "json"


class JsonLogger(Logger):
    """Gunicorn's access and error lines as JSON objects (the request's fields as keys)."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        http = {
            "remote_addr": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.log(
                logging.INFO,
                "%s %s %s",
                http["method"],
                http["path"],
                http["status"],
                extra={"http": http, "request_id": atoms.get("{x-request-id}o", "")},
            )
        except Exception:  # noqa: BLE001 - as Gunicorn's own: a log line must never fail a request
            self.exception("access log")


logger_class = JsonLogger if _json else Logger


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """The worker has loaded Django (apps, models, settings) and its URLs: those objects live as long
    as the process, so the garbage collector stops re-scanning them on every collection a request
    triggers (gc.freeze, as CPython's documentation advises for pre-loaded servers; issue 14)."""
    from django.urls import get_resolver  # noqa: PLC0415 - the master reads this file too; only workers load Django

    get_resolver().url_patterns  # noqa: B018 - load the URLconf once, before freezing
    gc.freeze()
