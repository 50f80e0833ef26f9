"""The stored runs of the invariants: the nightly task and its alert, and the coordination's page."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from core import invariants, tasks
from core.models import TacheDifferee, VerificationCoherence
from tests.core.test_invariants import plant_paye_au_plus_engage, plant_une_en_vigueur
from tests.factories import PersonneRessourceFactory, UserFactory

URL = reverse("candidatures:coordination_coherence")


def _alertes() -> list[TacheDifferee]:
    return [t for t in TacheDifferee.objects.filter(tache="email") if "cohérence" in t.arguments["subject"]]


@pytest.mark.django_db
def test_the_nightly_task_stores_the_result_and_alerts_once_per_change(settings):
    assert invariants.last_result() is None
    # All good: a result is stored, nobody is e-mailed.
    assert tasks.verifier_coherence() == 0
    first = invariants.last_result()
    assert first.violations == 0 and first.details == [] and first.duration >= datetime.timedelta(0)
    assert _alertes() == []

    reference = plant_paye_au_plus_engage()
    with time_machine.travel(datetime.timedelta(hours=1)):
        assert tasks.verifier_coherence() >= 1
    resultat = invariants.last_result()
    assert resultat.alerte_envoyee
    assert {"code", "message", "objet", "url"} <= set(resultat.details[0])
    (alerte,) = _alertes()
    assert alerte.arguments["to"] == [settings.TSF_PILOT["email"]]
    assert reference in alerte.arguments["text"] and URL in alerte.arguments["text"]
    assert "anomalie" in alerte.arguments["subject"]

    # The same violations the next night: no second e-mail…
    with time_machine.travel(datetime.timedelta(hours=2)):
        tasks.verifier_coherence()
    assert len(_alertes()) == 1 and not invariants.last_result().alerte_envoyee
    # …until the set changes, or a day has passed.
    plant_une_en_vigueur()
    with time_machine.travel(datetime.timedelta(hours=3)):
        tasks.verifier_coherence()
    assert len(_alertes()) == 2
    with time_machine.travel(datetime.timedelta(days=1, hours=4)):
        tasks.verifier_coherence()
    assert len(_alertes()) == 3
    assert VerificationCoherence.objects.count() == 5


def test_the_nightly_run_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["verifier-coherence"]
    assert entry["task"] == "core.tasks.verifier_coherence"


@pytest.mark.django_db
def test_the_coordination_sees_the_list_and_runs_it_now(client, coordinateur):
    reference = plant_paye_au_plus_engage()
    client.force_login(coordinateur)
    page = client.get(URL).content.decode()
    assert "Aucune vérification n’a encore été faite." in page
    response = client.post(URL)
    assert response.status_code == 302 and response.url == URL
    assert not invariants.last_result().alerte_envoyee and _alertes() == []  # the person is looking at it
    response = client.get(URL)
    page = response.content.decode()
    assert f"Accompagnement {reference}" in page and "payés pour 0,00" in page
    assert "Par accompagnement, le payé ne dépasse pas l’engagé" in page
    filtered = client.get(URL, {"code": "budget.paye_au_plus_engage"}).context["page_obj"].object_list
    assert filtered and {v["code"] for v in filtered} == {"budget.paye_au_plus_engage"}
    assert URL in client.get(reverse("candidatures:coordination_dashboard")).content.decode()


@pytest.mark.django_db
def test_the_list_is_paginated(client, coordinateur):
    details = [{"code": "budget.paye_au_plus_engage", "message": "m", "objet": f"Objet {i}", "url": ""} for i in range(120)]
    VerificationCoherence.objects.create(violations=120, details=details, duration=datetime.timedelta(seconds=1))
    client.force_login(coordinateur)
    response = client.get(URL)
    assert len(response.context["page_obj"].object_list) == 50
    assert response.context["page_obj"].paginator.num_pages == 3


@pytest.mark.django_db
def test_other_roles_cannot_see_or_run_it(client, membre_comite, candidat):
    mentor = PersonneRessourceFactory().user
    for user in [membre_comite, candidat, mentor, UserFactory()]:
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302
    assert VerificationCoherence.objects.count() == 0
