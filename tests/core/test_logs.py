"""Structured logs with a request id that follows the request into the jobs it enqueues (core/logs.py)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.urls import reverse

from candidatures.models import Candidature
from core import jobs, logs
from core.models import TacheDifferee
from tests.candidatures.conftest import fill_all_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The project's console handler (JSON formatter and request-id filter), writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(saved)


def test_the_request_id_is_taken_from_the_proxy_or_made_and_sent_back(client):
    assert client.get(reverse("core:home"), HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    made = client.get(reverse("core:home"))["X-Request-ID"]
    assert len(made) == 32 and made != client.get(reverse("core:home"))["X-Request-ID"]
    # An id that could forge a log line (quotes, new lines) or fill the disk is replaced.
    for hostile in ('a" b', "x" * 65, "a\nb"):
        assert client.get(reverse("core:home"), HTTP_X_REQUEST_ID=hostile)["X-Request-ID"] != hostile


def test_a_job_enqueued_during_a_request_logs_with_the_request_id(client, candidat, programme, json_lines):
    client.force_login(candidat)
    client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    brouillon = Candidature.objects.get(candidat=candidat)
    fill_all_steps(client, brouillon)
    response = client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]), HTTP_X_REQUEST_ID="req-depot-42")
    assert response.status_code == 302 and response["X-Request-ID"] == "req-depot-42"

    job = TacheDifferee.objects.get(tache="candidature_recu")
    assert job.request_id == "req-depot-42"
    # Later, in the worker, outside any request.
    assert logs.current_request_id() == ""
    assert jobs.job_run(job_id=job.pk) == "faite"
    assert logs.current_request_id() == ""

    lines = [line for line in json_lines() if line["logger"] == "core.jobs"]
    assert [line["message"] for line in lines] == [
        f"Job {job.pk} (candidature_recu) started, attempt 1",
        f"Job {job.pk} (candidature_recu) done",
    ]
    assert {line["request_id"] for line in lines} == {"req-depot-42"}
    assert lines[0]["level"] == "INFO" and lines[0]["job"] == "candidature_recu" and lines[0]["ts"].endswith("+00:00")


def test_a_job_without_a_request_logs_with_its_own_id(json_lines):
    job = jobs.enqueue("email", to=["x@exemple.test"], subject="Sujet", text="Bonjour")
    assert job.request_id == ""
    jobs.job_run(job_id=job.pk)
    assert {line["request_id"] for line in json_lines() if line["logger"] == "core.jobs"} == {f"tache-{job.pk}"}


def test_a_failure_is_one_json_line_with_the_traceback(json_lines):
    with logs.request_context("req-erreur"):
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("tsf.test").exception("Something failed")
    (line,) = [line for line in json_lines() if line["logger"] == "tsf.test"]
    assert line["request_id"] == "req-erreur" and line["level"] == "ERROR" and "ValueError: boom" in line["exception"]


def test_a_request_on_a_record_is_written_without_its_query_string(rf):
    request = rf.get("/espace/", {"q": "camille@exemple.fr"})
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/espace/",), None)
    record.request = request
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["request"] == "GET /espace/" and "camille" not in json.dumps(line)
