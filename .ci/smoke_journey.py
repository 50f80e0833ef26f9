"""The smoke journey through the production stack (run by .ci/smoke_prod.sh, which starts it).

Over HTTP only, as a visitor and a demo applicant would: health, home page, a static file, the login
page, logging in, the person's space and file, a message that e-mails the coordination, whose job the
worker must run. The database is read (same environment) only to find the applicant's file and to
watch the job. Prints one line per step; any failure raises and fails CI.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import django

# Run as `python .ci/smoke_journey.py`: the project's root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = sys.argv[1].rstrip("/")
STACK_LOG = sys.argv[2] if len(sys.argv) > 2 else ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
django.setup()

from django.urls import reverse  # noqa: E402 - after django.setup()

from candidatures.models import Candidature  # noqa: E402
from core.models import TacheDifferee  # noqa: E402
from plateforme.management.demo import data  # noqa: E402

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def get(path: str, *, expect: int = 200) -> tuple[str, dict[str, str]]:
    try:
        response = opener.open(BASE + path, timeout=60)  # noqa: S310 - our own server, http on loopback
        status, body, headers = response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read().decode(), dict(error.headers)
    assert status == expect, f"GET {path}: {status}, expected {expect}\n{body[:500]}"
    return body, headers


def post(path: str, fields: dict[str, str]) -> tuple[int, dict[str, str]]:
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + path})  # noqa: S310
    try:
        response = no_redirect.open(request, timeout=60)
        return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:  # a redirect is an HTTPError with NoRedirect
        return error.code, dict(error.headers)


def step(text: str) -> None:
    print(f"smoke: {text}", flush=True)


# 1. Health: database, cache, Redis and the worker's heartbeat (beat → Redis → worker → database).
deadline = time.monotonic() + 90
while True:
    try:
        with urllib.request.urlopen(BASE + "/sante/", timeout=5) as response:  # noqa: S310
            health = json.loads(response.read())
            break
    except (urllib.error.URLError, OSError) as error:  # not up yet, 503, or slow on a busy machine
        if time.monotonic() > deadline:
            raise AssertionError(f"/sante/ never answered 200: {error!r}") from error
        time.sleep(0.5)
assert health == {"statut": "ok", "controles": {"base": "ok", "cache": "ok", "broker": "ok", "worker": "ok"}}, health
step("/sante/ 200, database, cache, broker and worker ok")

# 2. Public pages and a static file (WhiteNoise, from collectstatic's folder).
home, headers = get("/")
assert "TSF Occitanie" in home and len(headers.get("X-Request-ID", "")) == 32, headers
css, headers = get("/static/css/site.css")
assert css and headers["Content-Type"].startswith("text/css") and "max-age" in headers.get("Cache-Control", ""), headers
login_page, _ = get(reverse("account_login"))
assert "csrfmiddlewaretoken" in login_page
step("home page, static file and login page served")

# 3. A demo applicant logs in and opens their space and their file.
email = next(c.email for c in data.CANDIDATURES if c.key == data.LOGIN_CANDIDAT)
status, headers = post(reverse("account_login"), {"login": email, "password": data.MOT_DE_PASSE})
assert status == 302, f"login: {status}"
space, _ = get(reverse("accounts:home"))
candidature = Candidature.objects.filter(candidat__email=email).exclude(etat="brouillon").order_by("pk").first()
assert candidature is not None, "the demo applicant has no submitted file"
dossier_url = reverse("candidatures:dossier", args=[candidature.pk])
assert dossier_url in space or candidature.reference in space, "the space does not lead to the file"
get(dossier_url)
step(f"logged in as {email}, space and file {candidature.reference} opened")

# 4. A message to the coordination: an e-mail job, written with the request, run by the worker.
status, headers = post(reverse("candidatures:message_envoyer", args=[candidature.pk]), {"texte": "Test de fumée : bonjour."})
assert status == 302, f"message: {status}"
request_id = headers["X-Request-ID"]
deadline = time.monotonic() + 90
while True:
    job = TacheDifferee.objects.filter(tache="email", request_id=request_id).first()
    if job and job.etat == TacheDifferee.Etat.FAITE:
        break
    assert time.monotonic() < deadline, f"the e-mail job was not run by the worker: {job and job.etat}"
    time.sleep(0.2)
step(f"e-mail job {job.pk} run by the worker in {(job.terminee_le - job.created_at).total_seconds():.1f} s")
if STACK_LOG:
    # The line is written just after the row is marked done, then passes through honcho.
    def worker_line() -> bool:
        with open(STACK_LOG, encoding="utf-8", errors="replace") as log:
            return any(request_id in line and "(email) done" in line for line in log)

    deadline = time.monotonic() + 30
    while not worker_line():
        assert time.monotonic() < deadline, f"no worker log line with the request id {request_id}"
        time.sleep(0.2)
    step("the worker's log line carries the request's id")

# 5. The status page is not public.
status, headers = post(reverse("account_logout"), {})
_page, _ = get(reverse("plateforme:etat_plateforme"))  # followed to the login page
assert "csrfmiddlewaretoken" in _page
step("status page asks for a login")
print("smoke: OK")
