"""100 beneficiaries sign their convention at the same moment, through the real pages, over HTTP.

Each convention of 2 500 € (ten half-days at 500 €) already carries the pilot's and the mentor's
signatures: the beneficiary's is the last, and it commits the amount on the programme's
30 000 € envelope. Exactly 12 signatures can go through; the 88 others get a clear refusal on the
page, and nothing is left half-done (no signature, no budget line). The server runs the project's
WSGI application on a pool of threads, each with its own database connection, as in production.

Then the same test with the envelope's row lock switched off must over-commit: proof that this
test can see the race it guards against.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connection, connections
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budget import services as budget_services
from budget.models import Engagement, Enveloppe
from conventions.models import Convention, EtatConvention, Partie, Signature
from tests.candidatures.conftest import MINIMAL_PDF
from tests.core.celery_broker import celery_broker
from tests.factories import AccompagnementFactory, ConventionFactory, ProgrammeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIGNATURES = 100
MONTANT = Decimal("2500.00")
ENVELOPPE = Decimal("30000.00")
REFUS = "L’enveloppe ne peut pas porter cet engagement"


class PooledWSGIServer(WSGIServer):
    """The project's WSGI application on a fixed pool of threads (like gunicorn's threads)."""

    request_queue_size = 256  # the 100 connections arrive at once

    def __init__(self, *args, workers: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = ThreadPoolExecutor(max_workers=workers)

    def process_request(self, request, client_address):
        self.pool.submit(self._work, request, client_address)

    def _work(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            connections.close_all()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = PooledWSGIServer(("127.0.0.1", 0), QuietHandler, workers=16)
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address
    httpd.shutdown()
    httpd.pool.shutdown(wait=True)
    httpd.server_close()


class Browser:
    """One person's browser: their session cookie, the CSRF cookie the pages give, plain HTTP."""

    def __init__(self, address, user):
        self.address = address
        client = Client()
        client.force_login(user)
        self.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(*self.address, timeout=180)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            content = response.read().decode(errors="replace")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, value = cookie.split(";", 1)[0].split("=", 1)
                self.cookies[name] = value
            return response.status, content
        finally:
            conn.close()


def conventions_waiting_for_the_beneficiary(programme, n: int) -> list[Convention]:
    pilot = UserFactory(roles=["coordination"])
    conventions = []
    for _ in range(n):
        accompagnement = AccompagnementFactory(
            candidature__programme=programme,
            format=programme.formats.get(code="mentorat"),
            demi_journees_prevues=10,
            etat="convention",
        )
        convention = ConventionFactory(accompagnement=accompagnement, etat=EtatConvention.EN_SIGNATURE)
        convention.pdf.save(f"{convention.reference}.pdf", ContentFile(MINIMAL_PDF), save=False)
        convention.pdf_sha256 = hashlib.sha256(MINIMAL_PDF).hexdigest()
        convention.en_signature_le = timezone.now()
        convention.save()
        assert convention.montant == MONTANT
        mentor = accompagnement.mentors.get().user
        for partie, who in ((Partie.STRUCTURE_PILOTE, pilot), (Partie.PERSONNE_RESSOURCE, mentor)):
            Signature.objects.create(
                convention=convention,
                partie=partie,
                signataire=who,
                nom_signataire=who.display_name,
                signee_le=timezone.now(),
                sha256_document=convention.pdf_sha256,
            )
        conventions.append(convention)
    return conventions


def sign_all_at_once(address, conventions: list[Convention]) -> list[str]:
    """Every beneficiary opens their page, then all press "Signer" at the same moment."""
    browsers = [Browser(address, c.accompagnement.beneficiaire) for c in conventions]
    forms = []
    for browser, convention in zip(browsers, conventions, strict=True):
        url = reverse("conventions:signer", args=[convention.pk])
        status, page = browser.request("GET", url)
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        sha = re.search(r'name="sha256_document" value="([0-9a-f]{64})"', page).group(1)
        forms.append((url, {"csrfmiddlewaretoken": token, "sha256_document": sha, "accepte": "on"}))
    barrier = threading.Barrier(len(browsers))

    def sign(index: int) -> str:
        url, data = forms[index]
        barrier.wait()
        try:
            status, page = browsers[index].request("POST", url, data)
        except Exception as error:  # noqa: BLE001 - a dropped connection is an outcome we count
            return f"connection error: {error!r}"
        if status == 302:
            return "signed"
        if status == 200 and REFUS in page:
            return "refused"
        return f"HTTP {status}"

    with ThreadPoolExecutor(max_workers=len(browsers)) as clients:
        return list(clients.map(sign, range(len(browsers))))


@pytest.fixture
def scene(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent row locks need PostgreSQL (SQLite serialises every write); CI runs this on PostgreSQL.")
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    programme = ProgrammeFactory(setup__enveloppe=ENVELOPPE)
    programme.formats.filter(code="mentorat").update(demi_journees_max=10)
    conventions = conventions_waiting_for_the_beneficiary(programme, SIGNATURES)
    # The jobs that follow a signature (final PDF, e-mails) are queued, not run, during the rush.
    with celery_broker("memory://"):
        yield programme, conventions


def committed(programme) -> tuple[Decimal, Decimal]:
    lines = Engagement.objects.filter(programme=programme).aggregate(total=Sum("montant"))["total"] or Decimal("0")
    return Enveloppe.objects.get(programme=programme).engage, lines


def test_100_concurrent_signatures_commit_exactly_the_envelope(server, scene, figure):
    programme, conventions = scene
    outcomes = sign_all_at_once(server, conventions)

    signed, refused = outcomes.count("signed"), outcomes.count("refused")
    errors = [o for o in outcomes if o not in ("signed", "refused")]
    figure(f"{SIGNATURES} concurrent commitments of 2 500 €: {signed} succeeded, {refused} refused cleanly, {len(errors)} errors")
    assert errors == []
    assert (signed, refused) == (12, 88)
    assert committed(programme) == (ENVELOPPE, ENVELOPPE)
    # Refused signatures left nothing behind: the beneficiary can sign again once money is freed.
    assert Convention.objects.filter(pk__in=[c.pk for c in conventions], etat=EtatConvention.SIGNEE).count() == 12
    assert Signature.objects.filter(partie=Partie.BENEFICIAIRE).count() == 12


def test_without_the_row_lock_the_same_rush_over_commits(server, scene, monkeypatch, figure):
    """Proof that the test above can fail: the lock is what keeps the total exact."""
    programme, conventions = scene
    monkeypatch.setattr(budget_services, "USE_ROW_LOCK", False)
    outcomes = sign_all_at_once(server, conventions)

    signed = outcomes.count("signed")
    _column, lines = committed(programme)
    figure(f"same rush without the row lock: {signed} succeeded, {lines} € of commitments for a {ENVELOPPE} € envelope")
    assert signed > 12 and lines > ENVELOPPE
