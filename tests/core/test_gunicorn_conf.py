"""deploy/gunicorn.conf.py: processes from the core count, JSON access lines with the request id."""

from __future__ import annotations

import datetime
import io
import json
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> dict:
    for key in ("WEB_CONCURRENCY", "LOG_FORMAT", "DEBUG", "TSF_BIND"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(CONF))


def test_workers_come_from_the_core_count_and_the_environment_overrides(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 3)
    conf = load(monkeypatch)
    assert conf["workers"] == 7 and conf["worker_class"] == "gthread" and conf["bind"] == "127.0.0.1:8000"
    assert conf["timeout"] == 60 and conf["graceful_timeout"] == 30 and conf["wsgi_app"] == "tsf.wsgi:application"
    conf = load(monkeypatch, WEB_CONCURRENCY="2", TSF_BIND="0.0.0.0:9000")
    assert conf["workers"] == 2 and conf["bind"] == "0.0.0.0:9000"
    assert load(monkeypatch, DEBUG="1")["logger_class"].__name__ == "Logger"


def test_the_access_line_is_json_with_the_request_id(monkeypatch):
    from gunicorn.config import Config

    conf = load(monkeypatch)
    logger = conf["JsonLogger"](Config())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(conf["JsonFormatter"]())
    logger.access_log.handlers = [handler]
    logger._access_log_enabled = True
    resp = SimpleNamespace(status="200 OK", sent=1234, headers=[("X-Request-ID", "req-7")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/espace/?q=camille@exemple.fr",
        "PATH_INFO": "/espace/",
        "QUERY_STRING": "q=camille@exemple.fr",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": 'curl "quoted"',
    }
    logger.access(resp, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=42))
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "req-7" and line["logger"] == "gunicorn.access"
    assert line["http"] == {
        "remote_addr": "127.0.0.1",
        "method": "GET",
        "path": "/espace/",
        "status": 200,
        "bytes": 1234,
        "duration_ms": 42,
        "user_agent": 'curl "quoted"',
    }
    assert "camille" not in stream.getvalue()  # the query string is never logged
