"""The duration filters of the sessions' and slots' lists: their choices come from the rules, not from a
SELECT DISTINCT over every row; same parameter as Django's all-values filter, so saved links still work (issue 14)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompagnements.models import Seance
from tests.factories import AccompagnementFactory, SeanceFactory


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="filtres@exemple.test", password="mot-de-passe-42"))
    return client


def _choices(response, title):
    spec = next(spec for spec in response.context["cl"].filter_specs if str(spec.title) == str(title))
    return [(choice["display"], choice["selected"]) for choice in spec.choices(response.context["cl"])]


@pytest.mark.django_db
def test_session_duration_filter_offers_the_formats_range_without_reading_the_sessions(admin_client):
    accompagnement = AccompagnementFactory()
    format_ = accompagnement.format
    format_.seance_duree_max = 3  # a format counted in longer sessions: its 3 is offered though no session has it yet
    format_.save(update_fields=["seance_duree_max"])
    SeanceFactory(accompagnement=accompagnement, demi_journees=1)
    deux = SeanceFactory(accompagnement=accompagnement, demi_journees=2)
    url = reverse("admin:accompagnements_seance_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"] and "demi_journees" in q["sql"]]
    title = Seance._meta.get_field("demi_journees").verbose_name
    assert [display for display, _ in _choices(response, title)][1:] == ["1", "2", "3"]

    # The parameter of Django's filter: a saved link keeps filtering, and shows its choice selected.
    response = admin_client.get(url + "?demi_journees=2")
    assert [obj.pk for obj in response.context["cl"].result_list] == [deux.pk]
    assert ("2", True) in _choices(response, title)
    # A value that is not a duration: Django's answer to a wrong filter (the list, flagged).
    response = admin_client.get(url + "?demi_journees=abc")
    assert response.status_code == 302 and response.url.endswith("?e=1")


@pytest.mark.django_db
def test_slot_duration_filter_is_a_half_day_or_a_day(admin_client):
    response = admin_client.get(reverse("admin:accompagnements_creneau_changelist"))
    assert response.status_code == 200
    spec = next(spec for spec in response.context["cl"].filter_specs if getattr(spec, "parameter_name", "") == "demi_journees")
    assert [choice["display"] for choice in spec.choices(response.context["cl"])][1:] == ["1", "2"]
