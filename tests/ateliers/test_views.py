"""The ateliers' pages: who sees what (404 on someone else's registration, 403 for a role that may not),
register and withdraw from the page, attendance by the leader, constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ateliers import services
from ateliers.models import Atelier, Inscription
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.factories import PersonneRessourceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_login_and_a_committee_member_is_refused(client, atelier, membre_comite):
    for url in (reverse("ateliers:liste"), reverse("ateliers:detail", args=[atelier.pk])):
        assert client.get(url).status_code == 302
    client.force_login(membre_comite)
    assert client.get(reverse("ateliers:liste")).status_code == 403
    assert client.get(reverse("ateliers:detail", args=[atelier.pk])).status_code == 403


def test_a_beneficiary_registers_from_the_page_then_withdraws(client, atelier, candidat):
    client.force_login(candidat)
    page = client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    assert "M’inscrire" in page and "Participant·es et liste de présence" not in page
    response = client.post(reverse("ateliers:inscrire", args=[atelier.pk]), follow=True)
    assert "Vous êtes inscrit·e à cet atelier." in response.content.decode()
    inscription = Inscription.objects.get(participant=candidat)
    assert "participation de 18,00 €" in response.content.decode() or "participation de 18.00 €" in response.content.decode()
    # The space lists it.
    assert "Pitcher son projet" in client.get(reverse("accounts:home")).content.decode()
    response = client.post(reverse("ateliers:desister", args=[inscription.pk]), follow=True)
    assert "Le désistement est enregistré." in response.content.decode()
    inscription.refresh_from_db()
    assert inscription.etat == "desistee"


def test_someone_elses_registration_is_404_and_a_participant_cannot_mark_attendance(client, atelier, candidat, autre_candidat):
    inscription = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    client.force_login(autre_candidat)
    for name in ("desister", "presence", "payee"):
        assert client.post(reverse(f"ateliers:{name}", args=[inscription.pk])).status_code == 404
    client.force_login(candidat)
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-2))
    assert client.post(reverse("ateliers:presence", args=[inscription.pk]), {"presence": "presente"}).status_code == 403
    assert client.post(reverse("ateliers:payee", args=[inscription.pk])).status_code == 403
    # Registering someone else is the coordination's.
    assert (
        client.post(reverse("ateliers:inscrire_personne", args=[atelier.pk]), {"email": autre_candidat.email}).status_code == 403
    )
    inscription.refresh_from_db()
    assert inscription.etat == "inscrite"


def test_the_leader_sees_the_participants_and_records_attendance(client, atelier, animatrice, candidat):
    inscription = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-2))
    client.force_login(animatrice.user)
    page = client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    assert candidat.email in page or candidat.get_full_name() in page
    client.post(reverse("ateliers:presence", args=[inscription.pk]), {"presence": "absente"})
    inscription.refresh_from_db()
    assert inscription.etat == "absente"
    # Another personne-ressource: not theirs to keep.
    client.force_login(PersonneRessourceFactory().user)
    assert client.post(reverse("ateliers:presence", args=[inscription.pk]), {"presence": "presente"}).status_code == 404


def test_the_coordination_registers_by_email_and_a_bad_email_is_said_next_to_the_field(client, atelier, coordinateur, candidat):
    client.force_login(coordinateur)
    url = reverse("ateliers:inscrire_personne", args=[atelier.pk])
    response = client.post(url, {"email": "inconnu@exemple.test"})
    page = response.content.decode()
    assert response.status_code == 400 and "Aucun compte n’a cette adresse e-mail." in page
    assert 'value="inconnu@exemple.test"' in page
    client.post(url, {"email": candidat.email})
    response = client.post(url, {"email": candidat.email})
    assert response.status_code == 400 and "déjà inscrite" in response.content.decode()
    assert Inscription.objects.filter(participant=candidat, inscrite_par=coordinateur).count() == 1


def test_registering_to_a_full_atelier_says_waiting_list(client, programme, coordinateur):
    atelier = services.atelier_create(
        programme=programme, format=format_atelier(programme, places=1), titre="Petit", debut=dans(days=4), duree=1,
        lieu="Albi", by=coordinateur,
    )  # fmt: skip
    a, b = beneficiaires(2)
    services.inscription_create(atelier=atelier, participant=a, by=a)
    client.force_login(b)
    assert "M’inscrire sur la liste d’attente" in client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    response = client.post(reverse("ateliers:inscrire", args=[atelier.pk]), follow=True)
    assert "vous êtes sur la liste d’attente" in response.content.decode()
    assert "rang 1" in response.content.decode()


def _ateliers(programme, coordinateur, n, *, titre="Atelier"):
    fmt = programme.formats.filter(code="atelier").first() or format_atelier(programme)
    pr = PersonneRessourceFactory()
    return [
        services.atelier_create(
            programme=programme,
            format=fmt,
            titre=f"{titre} {i}",
            debut=dans(days=3 + i),
            duree=1,
            lieu="Toulouse",
            personne_ressource=pr,
            by=coordinateur,
        )  # fmt: skip
        for i in range(n)
    ]


def test_the_calendar_runs_a_constant_number_of_queries(client, programme, coordinateur, candidat, django_assert_max_num_queries):
    premiers = _ateliers(programme, coordinateur, 2)
    services.inscription_create(atelier=premiers[0], participant=candidat, by=candidat)
    client.force_login(candidat)
    url = reverse("ateliers:liste")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    autres = _ateliers(programme, coordinateur, 12, titre="Autre")
    for atelier in autres[:5]:
        services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
        for p in beneficiaires(2):
            services.inscription_create(atelier=atelier, participant=p, by=p)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="list-group-item"') == 14
    assert page.count("Vous êtes inscrit·e") == 6
    assert "3 inscrit·es sur 12 places" in page


def test_the_detail_with_its_attendance_list_runs_a_constant_number_of_queries(
    client, atelier, coordinateur, django_assert_max_num_queries
):
    for p in beneficiaires(2):
        services.inscription_create(atelier=atelier, participant=p, by=p)
    client.force_login(coordinateur)
    url = reverse("ateliers:detail", args=[atelier.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for p in beneficiaires(13):
        services.inscription_create(atelier=atelier, participant=p, by=p)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "12 inscrit·es sur 12 places" in page and "3 personnes en liste d’attente" in page
    assert page.count("En liste d’attente</td>") == 3
    # All non-members: each confirmed place has its fee to record, not the waiting list.
    assert page.count(">Participation payée<") == 12


def test_the_space_links_to_the_calendar_for_a_beneficiary_not_for_the_committee(client, candidat, membre_comite):
    client.force_login(candidat)
    assert reverse("ateliers:liste") in client.get(reverse("accounts:home")).content.decode()
    client.force_login(membre_comite)
    assert reverse("ateliers:liste") not in client.get(reverse("accounts:home")).content.decode()


def test_a_non_member_user_without_role_is_refused_on_the_calendar(client):
    client.force_login(UserFactory())
    assert client.get(reverse("ateliers:liste")).status_code == 403
