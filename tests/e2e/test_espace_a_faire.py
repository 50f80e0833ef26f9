"""The mentor's space opens on what is next (issue 15): accessible, and no horizontal scroll at 320 px."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from accompagnements.models import EtatSeance
from tests.e2e.conftest import login
from tests.factories import DEFAULT_PASSWORD, AccompagnementFactory, SeanceFactory, UserFactory, convention_signee


@pytest.mark.django_db(transaction=True)
def test_the_mentor_space_opens_on_what_is_next(page, shot, assert_accessible):
    acc = AccompagnementFactory()
    mentor = acc.mentors.get().user
    EmailAddress.objects.create(user=mentor, email=mentor.email, verified=True, primary=True)
    SeanceFactory(
        accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=2), lien_visio="https://visio.exemple.test/s"
    )
    SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=9), etat=EtatSeance.REALISEE)
    # A started accompagnement has its convention signed (an invariant checked after each browser test).
    convention_signee(acc, coordinateur=UserFactory(roles=["coordination"]), le=timezone.now() - datetime.timedelta(days=30))
    login(page, mentor.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="À faire / À venir")).to_be_visible()
    expect(page.get_by_role("link", name="Rédiger le compte-rendu", exact=False)).to_be_visible()
    expect(page.get_by_text("Déposer une candidature")).to_have_count(0)
    shot(page, "espace-mentor")
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    shot(page, "espace-mentor-320")
    assert overflow <= 0
