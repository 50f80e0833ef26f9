"""Every page of the coordinator's desk, tried by every role and with ids changed in the URL."""

import pytest
from django.urls import reverse

from candidatures.models import Etat
from tests.candidatures.coordination_helpers import piece, planifiee, soumise
from tests.factories import CandidatureFactory, PersonneRessourceFactory, UserFactory


def desk_urls(candidature, document):
    pk = candidature.pk
    return [
        ("get", reverse("candidatures:coordination_dashboard")),
        ("get", reverse("candidatures:coordination_detail", args=[pk])),
        ("get", reverse("candidatures:coordination_decision", args=[pk, "recevable"])),
        ("post", reverse("candidatures:coordination_decision", args=[pk, "recevable"])),
        ("get", reverse("candidatures:coordination_revert", args=[pk])),
        ("post", reverse("candidatures:coordination_await", args=[pk])),
        ("get", reverse("candidatures:coordination_demande_piece", args=[pk])),
        ("post", reverse("candidatures:coordination_note", args=[pk])),
        ("post", reverse("candidatures:coordination_etiquettes", args=[pk])),
        ("get", reverse("candidatures:coordination_diagnostic_plan", args=[pk])),
        ("get", reverse("candidatures:coordination_diagnostic_record", args=[pk])),
        ("get", reverse("candidatures:coordination_piece", args=[pk, document.pk])),
        ("get", reverse("comite:saisine_create", args=[pk])),
    ]


@pytest.fixture
def world(programme, coordinateur):
    mine = planifiee(programme, coordinateur)
    other = soumise(programme)
    return {"mine": mine, "other": other, "piece_mine": piece(mine), "piece_other": piece(other)}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["candidat", "personne_ressource", "comite_technique"])
def test_other_roles_get_403_on_every_coordinator_page(client, world, role):
    user = world["mine"].candidat if role == "candidat" else UserFactory(roles=[role])
    if role == "personne_ressource":
        PersonneRessourceFactory(user=user)
    client.force_login(user)
    for candidature in (world["mine"], world["other"]):
        for method, url in desk_urls(candidature, world["piece_mine"]):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (role, method, url)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, world):
    for method, url in desk_urls(world["mine"], world["piece_mine"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"], url


@pytest.mark.django_db
def test_coordination_gets_404_for_drafts_missing_files_and_documents_of_another_file(client, coordinateur, world, programme):
    client.force_login(coordinateur)
    draft = CandidatureFactory(programme=programme, etat=Etat.BROUILLON)
    for method, url in desk_urls(draft, world["piece_mine"])[1:]:
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("candidatures:coordination_detail", args=[999999])).status_code == 404
    wrong_piece = reverse("candidatures:coordination_piece", args=[world["mine"].pk, world["piece_other"].pk])
    assert client.get(wrong_piece).status_code == 404
    right_piece = client.get(reverse("candidatures:coordination_piece", args=[world["mine"].pk, world["piece_mine"].pk]))
    assert right_piece.status_code == 200 and right_piece["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("candidatures:coordination_decision", args=[world["mine"].pk, "n-importe-quoi"])).status_code == 404


@pytest.mark.django_db
def test_calendar_file_for_the_applicant_of_the_file_only(client, world, programme, coordinateur):
    url_mine = reverse("candidatures:diagnostic_ics", args=[world["mine"].pk])
    client.force_login(world["mine"].candidat)
    assert client.get(url_mine).status_code == 200
    other_planned = planifiee(programme, coordinateur)
    assert client.get(reverse("candidatures:diagnostic_ics", args=[other_planned.pk])).status_code == 404
    client.force_login(UserFactory(roles=["comite_technique"]))
    assert client.get(url_mine).status_code == 403
    client.force_login(UserFactory(roles=["personne_ressource"]))
    assert client.get(url_mine).status_code == 403
