"""The desk's pages run a constant number of queries from 10 to 1 000 files."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidatures.models import Candidature, CandidatureEvenement, Etat, Etiquette, EtiquetteCandidature
from comite.models import Saisine
from tests.factories import StructureFactory, UserFactory

ETATS = [Etat.SOUMISE, Etat.RECEVABLE, Etat.DIAGNOSTIC_PLANIFIE, Etat.EN_ATTENTE_DECISION, Etat.SELECTIONNEE, Etat.REFUSEE]


def make_files(programme, n):
    users = [UserFactory(roles=["candidat"]) for _ in range(5)]
    structures = [StructureFactory() for _ in range(5)]
    start = Candidature.objects.count()
    now = timezone.now()
    files = Candidature.objects.bulk_create(
        [
            Candidature(
                programme=programme,
                candidat=users[i % 5],
                structure=structures[i % 5],
                etat=ETATS[i % len(ETATS)],
                reference=f"TSF-Q-{start + i:05d}",
                soumise_le=now - datetime.timedelta(days=i % 40),
            )
            for i in range(n)
        ]
    )
    CandidatureEvenement.objects.bulk_create(
        [CandidatureEvenement(candidature=c, transition="soumettre", from_state="brouillon", to_state="soumise") for c in files]
    )
    label, _ = Etiquette.objects.get_or_create(nom="urgent")
    EtiquetteCandidature.objects.bulk_create([EtiquetteCandidature(candidature=c, etiquette=label) for c in files[::3]])
    Saisine.objects.bulk_create([Saisine(candidature=c, question="?") for c in files[::2]])
    return files


def count_queries(client, url, params=None):
    client.get(url, params or {})  # warm the caches every page reads (the footer's pilot structure)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{}, {"departement": "31", "q": "TSF", "etat": "soumise"}, {"domaine": 1, "depuis": "2020-01-01"}],
)
def test_dashboard_query_count_is_the_same_for_10_and_1000_files(client, coordinateur, programme, params):
    client.force_login(coordinateur)
    url = reverse("candidatures:coordination_dashboard")
    make_files(programme, 10)
    small = count_queries(client, url, params)
    make_files(programme, 990)
    large = count_queries(client, url, params)
    assert large == small, (small, large)
    assert small <= 20


@pytest.mark.django_db
def test_committee_list_query_count_is_constant(client, membre_comite, programme):
    client.force_login(membre_comite)
    url = reverse("comite:saisine_list")
    make_files(programme, 10)
    small = count_queries(client, url)
    make_files(programme, 990)
    assert count_queries(client, url) == small


@pytest.mark.django_db
def test_file_page_query_count_does_not_grow_with_its_timeline(client, coordinateur, programme):
    client.force_login(coordinateur)
    (candidature,) = make_files(programme, 1)
    url = reverse("candidatures:coordination_detail", args=[candidature.pk])
    small = count_queries(client, url)
    CandidatureEvenement.objects.bulk_create(
        [CandidatureEvenement(candidature=candidature, kind="email", reason=f"E-mail {i}", actor=coordinateur) for i in range(50)]
    )
    assert count_queries(client, url) == small


@pytest.mark.django_db
def test_meetings_list_query_count_is_constant(client, coordinateur, programme):
    from comite.models import ReunionComite

    client.force_login(coordinateur)
    url = reverse("comite:reunion_list")
    ReunionComite.objects.bulk_create([ReunionComite(programme=programme, date=timezone.now()) for _ in range(3)])
    small = count_queries(client, url)
    ReunionComite.objects.bulk_create([ReunionComite(programme=programme, date=timezone.now()) for _ in range(30)])
    assert count_queries(client, url) == small


@pytest.mark.django_db
def test_the_persons_space_links_to_the_desk_and_the_committee(client, coordinateur, membre_comite, programme):
    client.force_login(coordinateur)
    assert reverse("candidatures:coordination_dashboard") in client.get(reverse("accounts:home")).content.decode()
    make_files(programme, 4)
    client.force_login(membre_comite)
    page = client.get(reverse("accounts:home")).content.decode()
    assert reverse("comite:saisine_list") in page and "2 attendent votre avis" in page
