"""The person's space is assembled from the sections the stages register (accounts/espace.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import espace
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, SeanceFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")


def _headings(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    ids = [
        "espace-a-faire",
        "espace-comite",
        "espace-annuaire-coordination",
        "titre-accompagnements",
        "titre-mes-candidatures",
        "espace-budget",
    ]
    shown = [(page.index(f'id="{name}"'), name) for name in ids if f'id="{name}"' in page]
    return [name for _position, name in sorted(shown)]


def test_every_stage_registers_its_section_in_the_pages_order():
    assert [section.app for section in espace.sections()] == list(espace.SECTION_ORDER)


def test_a_section_without_a_place_on_the_page_is_refused():
    with pytest.raises(ValueError, match="SECTION_ORDER"):
        espace.section_register(app="conventions", context=lambda user: {})


def test_the_coordination_sees_the_coordination_directory_and_budget_blocks_in_order(client):
    AccompagnementFactory()
    coordination = UserFactory(roles=["coordination"])
    assert _headings(client, coordination) == ["espace-comite", "espace-annuaire-coordination", "espace-budget"]


def test_a_mentor_sees_what_is_next_then_their_accompaniments(client):
    acc = AccompagnementFactory()
    SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=2))
    assert _headings(client, acc.mentors.get().user) == ["espace-a-faire", "titre-accompagnements"]


def test_an_applicant_is_offered_to_apply(client):
    assert _headings(client, UserFactory(roles=["candidat"])) == ["titre-mes-candidatures"]


def test_the_space_lists_the_latest_accompaniments_and_counts_each_once(client, settings):
    """The list and its total come from one windowed query over the person's two roles (issue 14): an
    accompagnement where the person is both beneficiary and mentor counts once."""
    settings.TSF_PAGE_SIZE_MAX = 2
    profil = PersonneRessourceFactory()
    anciens = [AccompagnementFactory(mentors=[profil]) for _ in range(2)]
    dernier = AccompagnementFactory(mentors=[profil], beneficiaire=profil.user)
    client.force_login(profil.user)
    page = client.get(reverse("accounts:home")).content.decode()
    assert "Les 2 plus récents sur 3" in page
    assert dernier.reference in page
    assert anciens[1].reference in page
    assert anciens[0].reference not in page
