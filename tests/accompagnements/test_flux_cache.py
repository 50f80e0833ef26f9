"""The subscribed calendar feed kept in the cache under its ETag (issue 14).

A calendar application that polls without If-None-Match gets the same body for the validators' queries
and a cache read; and whatever the body shows that changes (a session moved, cancelled, renamed, a
participant, a format's name, the window at midnight) gives a new ETag, so the kept body is never served.
"""

from __future__ import annotations

import datetime
import socket

import icalendar
import pytest
import time_machine
from django.core.cache import caches as django_caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompagnements import calendar as seance_dates
from accompagnements import services
from accompagnements.models import Seance
from core.cache import cache_optionnel
from plateforme.retention import candidature_anonymiser
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, ProgrammeFactory, SeanceFactory

pytestmark = pytest.mark.django_db


def _url(user) -> str:
    flux = services.flux_calendrier_regenerate(user=user)
    return reverse("accompagnements:flux_calendrier", args=[flux.token])


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return response, len(queries)


def _events(response) -> dict[str, icalendar.Event]:
    """The feed's events by session ("seance-<pk>"), parsed as a calendar application would."""
    return {str(e["uid"]).split("@")[0]: e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def test_a_feed_asked_again_without_its_etag_is_the_same_body_for_fewer_queries(client, acc):
    SeanceFactory(accompagnement=acc, debut=dans(days=-3), sujet="Diagnostic")
    SeanceFactory(accompagnement=acc, debut=dans(days=5), sujet="Budget")
    url = _url(acc.beneficiaire)
    first, rendered = _get(client, url)
    second, kept = _get(client, url)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert len(_events(second)) == 2
    # The token, the person's groups and the validators (one aggregate, per format); not the sessions.
    assert kept == 3 and rendered == kept + 2


def test_a_moved_cancelled_or_renamed_session_is_never_served_from_the_kept_body(client, acc, mentor):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=5), sujet="Budget")
    cle = f"seance-{seance.pk}"
    url = _url(acc.beneficiaire)
    _get(client, url)
    nouveau = (seance.debut + datetime.timedelta(days=2)).replace(microsecond=0)
    services.seance_reschedule(
        seance=seance, debut=nouveau, demi_journees=1, modalite="presentiel", lieu="Salle B", by=mentor.user
    )
    event = _events(_get(client, url)[0])[cle]
    assert event.decoded("dtstart") == nouveau and str(event["location"]) == "Salle B" and event["sequence"] == 1
    services.seance_cancel(seance=Seance.objects.get(pk=seance.pk), motif="Empêchement", by=mentor.user)
    assert str(_events(_get(client, url)[0])[cle]["status"]) == "CANCELLED"
    # The format's name (a format has no modification date) and the accompagnement's reference are in the summary.
    acc.format.libelle = "Format renommé"
    acc.format.save()
    assert "Format renommé" in str(_events(_get(client, url)[0])[cle]["summary"])
    acc.refresh_from_db()
    acc.reference = "ACC-RENOMME"
    acc.save()
    assert "ACC-RENOMME" in str(_events(_get(client, url)[0])[cle]["summary"])


def test_a_mentor_who_changes_accompagnement_gets_its_sessions_not_the_kept_body(client, programme, mentor):
    # Written first, so older than anything the mentor's feed shows: only the set of sessions changes.
    ailleurs = AccompagnementFactory(candidature__programme=programme)
    rejointe = SeanceFactory(accompagnement=ailleurs, debut=dans(days=4))
    quittee = AccompagnementFactory(candidature__programme=programme, mentors=[mentor])
    laissee = SeanceFactory(accompagnement=quittee, debut=dans(days=3))
    gardee = AccompagnementFactory(candidature__programme=programme, mentors=[mentor])
    SeanceFactory(accompagnement=gardee, debut=dans(days=2))
    url = _url(mentor.user)
    before = _events(_get(client, url)[0])
    assert f"seance-{laissee.pk}" in before and f"seance-{rejointe.pk}" not in before
    # The same number of sessions, the same latest dates: the ids tell the sets apart.
    quittee.mentors.remove(mentor)
    ailleurs.mentors.add(mentor)
    after = _events(_get(client, url)[0])
    assert f"seance-{rejointe.pk}" in after and f"seance-{laissee.pk}" not in after


def test_the_window_moves_at_midnight_and_the_kept_body_with_it(client, acc, settings):
    settings.TSF_ICS_PAST_DAYS = 1
    minuit = seance_dates.FenetreFlux.courante().aujourdhui
    hier = SeanceFactory(accompagnement=acc, debut=minuit - datetime.timedelta(hours=12))
    url = _url(acc.beneficiaire)
    assert f"seance-{hier.pk}" in _events(_get(client, url)[0])
    with time_machine.travel(minuit + datetime.timedelta(days=1, hours=1)):
        assert f"seance-{hier.pk}" not in _events(_get(client, url)[0])


def test_a_cache_that_does_not_answer_only_means_rendering_again(client, acc):
    SeanceFactory(accompagnement=acc, debut=dans(days=5))
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    caches = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, "retry_after": 60},
        }
    }
    caches["flux"] = {**caches["default"], "KEY_PREFIX": "flux"}
    with override_settings(CACHES=caches):
        url = _url(acc.beneficiaire)
        for _ in range(2):
            assert len(_events(_get(client, url)[0])) == 1
        # Known down: the feeds do not crowd the memory fallback that keeps the rate limits meanwhile.
        assert cache_optionnel() is None


def test_feed_bodies_do_not_push_the_rate_limits_out_of_the_cache(client, acc):
    """The default cache (in memory without CACHE_URL) is bounded and holds the login rate limits: the
    feeds' bodies, one per subscriber, have their own bounded cache and cannot evict them."""
    response = client.post(reverse("account_login"), {"login": acc.beneficiaire.email, "password": "pas-le-bon"})
    assert response.status_code == 200
    defaut = django_caches["default"]
    limites = dict(defaut._cache)  # the counters of that wrong password
    assert limites
    fenetre = seance_dates.FenetreFlux.courante()
    # More bodies than the default cache holds before culling.
    for numero in range(defaut._max_entries + 1):
        seance_dates.flux_corps(Seance.objects.none(), fenetre, etag=f'"{numero}"', name="Mes séances")
    assert all(cle in defaut._cache for cle in limites)
    flux = django_caches["flux"]
    assert 0 < len(flux._cache) <= flux._max_entries


def test_a_session_anonymised_by_the_retention_leaves_the_feed_at_once(client, acc, mentor):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=5), lieu="12 rue des Lilas")
    url = _url(mentor.user)
    before, _count = _get(client, url)
    assert str(_events(before)[f"seance-{seance.pk}"]["location"]) == "12 rue des Lilas"
    with time_machine.travel(datetime.timedelta(minutes=1)):
        candidature_anonymiser(candidature=acc.candidature)
        after, _count = _get(client, url)
    assert after["ETag"] != before["ETag"]
    assert "12 rue des Lilas" not in after.content.decode()


def test_the_etag_reads_only_the_formats_the_feed_can_show(client, acc):
    SeanceFactory(accompagnement=acc, debut=dans(days=5))
    url = _url(acc.beneficiaire)
    first = _get(client, url)[0]["ETag"]
    # A format of another programme, and an unused one of this programme: not in this feed.
    ailleurs = ProgrammeFactory().formats.first()
    ailleurs.libelle = "Autre programme renommé"
    ailleurs.save()
    inutilise = acc.programme.formats.exclude(pk=acc.format_id).first()
    inutilise.libelle = "Format inutilisé renommé"
    inutilise.save()
    assert _get(client, url)[0]["ETag"] == first
    # The feed's own format: its name is in the summaries, so the ETag changes.
    acc.format.libelle = "Format de la séance renommé"
    acc.format.save()
    response = _get(client, url)[0]
    assert response["ETag"] != first and "Format de la séance renommé" in response.content.decode()
