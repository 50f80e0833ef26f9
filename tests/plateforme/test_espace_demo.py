"""On the demo, the mentor's space says what is next: the report due appears at the top (issue 15)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accompagnements import calendar as seance_dates
from accompagnements.models import EtatSeance, Seance
from annuaire.models import PersonneRessource
from plateforme.management.demo import data

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module and rolled back at the end (as in tests/test_demo_data.py)."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            CELERY_TASK_ALWAYS_EAGER=True,
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
            yield media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_loaded, settings):
    settings.MEDIA_ROOT = _demo_loaded


def _mentor():
    spec = next(p for p in data.PERSONNES_RESSOURCES if p.key == data.LOGIN_PERSONNE_RESSOURCE)
    return PersonneRessource.objects.get(email=spec.email).user


def test_the_demo_mentor_sees_their_report_due_at_the_top(demo, client, django_assert_max_num_queries):
    mentor = _mentor()
    dues = list(
        Seance.objects.filter(accompagnement__mentors__user=mentor, etat=EtatSeance.REALISEE)
        .filter(Q(compte_rendu__isnull=True) | Q(compte_rendu__soumis_le__isnull=True))
        .distinct()
        .order_by("debut", "pk")
    )
    assert dues, "the demo gives its mentor a report to write"
    client.force_login(mentor)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    page = response.content.decode()
    block = re.search(r'id="a-faire-comptes-rendus".*?</ul>', page, re.S).group(0)
    first = dues[0]
    assert reverse("accompagnements:compte_rendu_edit", args=[first.pk]) in block
    echeance = seance_dates.echeance_compte_rendu(first)
    assert f"avant le {timezone.localtime(echeance).day} " in block
    # The block comes first; the mentor is not offered to apply.
    assert page.index('id="espace-a-faire"') < page.index('id="titre-accompagnements"')
    assert "Déposer une candidature" not in page
