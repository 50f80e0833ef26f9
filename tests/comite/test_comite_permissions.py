"""Committee pages: members see only the files put to them, and only the documents they were given."""

import pytest
from django.urls import reverse

from comite.services import reunion_comite_save, saisine_create
from tests.candidatures.coordination_helpers import piece, soumise
from tests.factories import UserFactory


@pytest.fixture
def world(programme, coordinateur):
    import datetime

    from django.utils import timezone

    put = soumise(programme)
    not_put = soumise(programme)
    given, withheld, elsewhere = piece(put, "budget.pdf"), piece(put, "cv-prive.pdf"), piece(not_put)
    saisine = saisine_create(candidature=put, by=coordinateur, question="Avis ?", pieces=[given])
    reunion = reunion_comite_save(
        programme=programme, by=coordinateur, date=timezone.now() + datetime.timedelta(days=10), saisines=[saisine]
    )
    return {
        "put": put,
        "not_put": not_put,
        "saisine": saisine,
        "given": given,
        "withheld": withheld,
        "elsewhere": elsewhere,
        "reunion": reunion,
    }


def comite_urls(w):
    s, r = w["saisine"], w["reunion"]
    return {
        "list": reverse("comite:saisine_list"),
        "detail": reverse("comite:saisine_detail", args=[s.pk]),
        "piece": reverse("comite:saisine_piece", args=[s.pk, w["given"].pk]),
        "reunions": reverse("comite:reunion_list"),
        "reunion": reverse("comite:reunion_detail", args=[r.pk]),
        "create": reverse("comite:reunion_create"),
        "update": reverse("comite:reunion_update", args=[r.pk]),
        "minutes": reverse("comite:reunion_minutes", args=[r.pk]),
        "minutes_file": reverse("comite:reunion_minutes_file", args=[r.pk]),
    }


@pytest.mark.django_db
def test_committee_member_sees_only_what_was_put_to_the_committee(client, membre_comite, world):
    client.force_login(membre_comite)
    urls = comite_urls(world)
    listing = client.get(urls["list"]).content.decode()
    assert world["put"].reference in listing and world["not_put"].reference not in listing
    detail = client.get(urls["detail"]).content.decode()
    assert "budget.pdf" in detail and "cv-prive.pdf" not in detail
    assert client.get(urls["piece"]).status_code == 200
    s = world["saisine"]
    assert client.get(reverse("comite:saisine_piece", args=[s.pk, world["withheld"].pk])).status_code == 404
    assert client.get(reverse("comite:saisine_piece", args=[s.pk, world["elsewhere"].pk])).status_code == 404
    assert client.get(reverse("comite:saisine_detail", args=[s.pk + 1000])).status_code == 404
    assert client.get(urls["reunions"]).status_code == 200 and client.get(urls["reunion"]).status_code == 200
    for name in ("create", "update", "minutes"):
        assert client.get(urls[name]).status_code == 403, name
    assert client.get(urls["minutes_file"]).status_code == 404  # no file yet
    # and never the coordinator's page of the same file
    assert client.get(reverse("candidatures:coordination_detail", args=[world["put"].pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["candidat", "personne_ressource"])
def test_applicants_and_mentors_get_403_on_committee_pages(client, world, role):
    user = world["put"].candidat if role == "candidat" else UserFactory(roles=[role])
    client.force_login(user)
    for name, url in comite_urls(world).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == 403, name


@pytest.mark.django_db
def test_anonymous_goes_to_login(client, world):
    for url in comite_urls(world).values():
        assert client.get(url)["Location"].startswith("/comptes/login/")
