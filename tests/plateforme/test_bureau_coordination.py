"""The coordination's desk around the queue (issue 15): the accompagnements list and its filters, the
links between a file, its accompagnement, its convention, its sessions and its budget line, the search
box (scoped by permission, bounded) and the header menu. Query counts do not grow with rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompagnements.models import EtatAccompagnement
from candidatures.models import Etat
from plateforme import a_traiter
from programmes.models import Departement
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db

LISTE = reverse("accompagnements:list")
RECHERCHE = reverse("plateforme:recherche")


def _get(client, user, url, params=None):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_accompagnements_list_filters(client, coordinateur, programme):
    mentor = PersonneRessourceFactory()
    gers = AccompagnementFactory(
        candidature__programme=programme,
        candidature__structure=StructureFactory(departement=Departement.GERS),
        mentors=[mentor],
        etat=EtatAccompagnement.OBJECTIFS,
    )
    autre = AccompagnementFactory(candidature__programme=ProgrammeFactory())
    html = _get(client, coordinateur, LISTE)
    assert gers.reference in html and autre.reference in html
    assert autre.reference not in _get(client, coordinateur, LISTE, {"programme": programme.pk})
    assert autre.reference not in _get(client, coordinateur, LISTE, {"etat": EtatAccompagnement.OBJECTIFS})
    assert autre.reference not in _get(client, coordinateur, LISTE, {"departement": Departement.GERS})
    assert autre.reference not in _get(client, coordinateur, LISTE, {"personne_ressource": mentor.pk})
    html = _get(client, coordinateur, LISTE, {"format": "mentorat"})
    assert gers.reference not in html and "0 accompagnement" in html
    # Each row leads to its file, its convention and its budget line.
    html = _get(client, coordinateur, LISTE, {"programme": programme.pk})
    assert reverse("candidatures:coordination_detail", args=[gers.candidature_id]) in html
    assert reverse("accompagnements:detail", args=[gers.pk]) + "#convention" in html
    assert reverse("budget:accompagnement_ligne", args=[gers.pk]) in html


def test_accompagnements_list_bad_filter_keeps_the_page(client, coordinateur, accompagnement):
    html = _get(client, coordinateur, LISTE, {"etat": "nimporte", "programme": "abc"})
    assert "Sélectionnez un choix valide" in html


def test_accompagnements_list_queries_constant(client, coordinateur, programme, django_assert_max_num_queries):
    for _ in range(3):
        AccompagnementFactory(candidature__programme=programme)
    client.force_login(coordinateur)
    with django_assert_max_num_queries(30) as small:
        response = client.get(LISTE)
    assert response.status_code == 200 and "3 accompagnements" in response.content.decode()
    for _ in range(10):
        AccompagnementFactory(candidature__programme=programme, mentors=[PersonneRessourceFactory(), PersonneRessourceFactory()])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LISTE)
    assert response.status_code == 200 and "13 accompagnements" in response.content.decode()


def test_links_both_ways_between_file_accompagnement_and_budget_line(client, coordinateur, accompagnement):
    dossier = reverse("candidatures:coordination_detail", args=[accompagnement.candidature_id])
    detail = reverse("accompagnements:detail", args=[accompagnement.pk])
    ligne = reverse("budget:accompagnement_ligne", args=[accompagnement.pk])
    html = _get(client, coordinateur, dossier)
    assert detail in html and detail + "#convention" in html and detail + "#seances" in html and ligne in html
    html = _get(client, coordinateur, detail)
    assert dossier in html and ligne in html and 'id="seances"' in html and 'id="convention"' in html
    html = _get(client, coordinateur, ligne)
    assert dossier in html and detail in html and detail + "#convention" in html


def test_the_pair_does_not_see_the_coordination_links(client, accompagnement):
    html = _get(client, accompagnement.beneficiaire, reverse("accompagnements:detail", args=[accompagnement.pk]))
    assert reverse("budget:accompagnement_ligne", args=[accompagnement.pk]) not in html
    assert reverse("candidatures:coordination_detail", args=[accompagnement.candidature_id]) not in html


def test_budget_line_queries_constant(client, coordinateur, accompagnement, django_assert_max_num_queries):
    client.force_login(coordinateur)
    url = reverse("budget:accompagnement_ligne", args=[accompagnement.pk])
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200 and accompagnement.reference in response.content.decode()


def test_search_finds_reference_person_structure_and_accompagnement(client, coordinateur, programme):
    c = CandidatureFactory(
        programme=programme, etat=Etat.SOUMISE, structure=StructureFactory(raison_sociale="Le Bikini Toulouse")
    )
    acc = AccompagnementFactory(candidature__programme=programme)
    mentor = PersonneRessourceFactory(nom="Garonnelle")
    html = _get(client, coordinateur, RECHERCHE, {"q": c.reference})
    assert reverse("candidatures:coordination_detail", args=[c.pk]) in html
    assert "Bikini" in _get(client, coordinateur, RECHERCHE, {"q": "bikini"})
    assert reverse("accompagnements:detail", args=[acc.pk]) in _get(client, coordinateur, RECHERCHE, {"q": acc.reference})
    assert reverse("annuaire:personne_ressource_detail", args=[mentor.pk]) in _get(
        client, coordinateur, RECHERCHE, {"q": "garonnelle"}
    )
    assert c.candidat.email in _get(client, coordinateur, RECHERCHE, {"q": c.candidat.email})


def test_search_is_scoped_to_what_the_user_may_open(client, programme):
    mine = AccompagnementFactory(candidature__programme=programme)
    other = AccompagnementFactory(candidature__programme=programme)
    html = _get(client, mine.beneficiaire, RECHERCHE, {"q": "ACC-TEST"})
    assert mine.reference in html and other.reference not in html
    assert "Personnes-ressources" not in html and other.beneficiaire.email not in html


def test_a_comite_member_finds_no_accompaniment_file_by_search(client, membre_comite, programme):
    # The comité follows figures and the files put to it, not the accompaniments' files (their rules
    # give it no part in an accompagnement): the search must not list them either.
    acc = AccompagnementFactory(candidature__programme=programme)
    html = _get(client, membre_comite, RECHERCHE, {"q": acc.reference})
    assert reverse("accompagnements:detail", args=[acc.pk]) not in html
    assert acc.beneficiaire.display_name not in html


def test_search_too_short_says_so(client, coordinateur):
    html = _get(client, coordinateur, RECHERCHE, {"q": "a"})
    assert "au moins 2 caractères" in html


def test_search_is_bounded(client, coordinateur, programme, django_assert_max_num_queries):
    for _ in range(11):  # above the window from the start: both sizes count their total
        CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    client.force_login(coordinateur)
    with django_assert_max_num_queries(30) as small:
        response = client.get(RECHERCHE, {"q": "TSF-TEST"})
    assert response.status_code == 200
    for _ in range(15):
        CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(RECHERCHE, {"q": "TSF-TEST"})
    html = response.content.decode()
    assert response.status_code == 200 and "Seuls les 10 premiers résultats" in html and html.count("TSF-TEST-") >= 10


def test_menu_for_the_coordination_only(client, coordinateur, candidat):
    a_traiter.total_menu_refresh()
    html = _get(client, coordinateur, reverse("accounts:home"))
    for label in (
        "Dossiers",
        "Accompagnements",
        "Appariement",
        "Annuaire",
        "Agenda",
        "Budget",
        "Comité",
        "Évaluations",
        "Messages",
    ):
        assert f">{label}</a>" in html
    assert reverse("plateforme:recherche") in html and 'data-testid="a-traiter-total"' in html
    assert html.count(reverse("admin:index")) == coordinateur.is_staff  # once, in the desk's menu, for staff
    html = _get(client, candidat, reverse("accounts:home"))
    assert 'data-testid="a-traiter-total"' not in html and reverse("plateforme:recherche") not in html


def test_menu_links_the_current_programme_reminders(client, coordinateur, programme):
    assert reverse("relances:courant") in _get(client, coordinateur, reverse("accounts:home"))
    client.force_login(coordinateur)
    assert client.get(reverse("relances:courant"))["Location"] == reverse("relances:programme", args=[programme.pk])


def test_space_and_dashboard_lead_to_the_queue(client, coordinateur, programme):
    queue = reverse("plateforme:a_traiter")
    assert f'href="{queue}"' in _get(client, coordinateur, reverse("accounts:home"))
    assert "Toute la file de travail" in _get(client, coordinateur, reverse("candidatures:coordination_dashboard"))


def test_matching_page_links_the_file_and_its_accompagnement(client, coordinateur, accompagnement):
    html = _get(client, coordinateur, reverse("annuaire:appariement_candidature", args=[accompagnement.candidature_id]))
    assert reverse("candidatures:coordination_detail", args=[accompagnement.candidature_id]) in html
    assert reverse("accompagnements:detail", args=[accompagnement.pk]) in html
