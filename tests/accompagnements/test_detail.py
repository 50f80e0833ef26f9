import pytest
from django.urls import reverse

from tests.factories import AccompagnementFactory, PersonneRessourceFactory, UserFactory


@pytest.mark.django_db
def test_each_party_and_the_coordination_see_the_accompagnement(client, coordinateur):
    mentor = PersonneRessourceFactory()
    accompagnement = AccompagnementFactory(mentors=[mentor])
    url = reverse("accompagnements:detail", args=[accompagnement.pk])
    for user in (accompagnement.beneficiaire, mentor.user, coordinateur):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert accompagnement.reference in response.content.decode()


@pytest.mark.django_db
def test_someone_else_gets_a_404_and_anonymous_a_login_redirect(client):
    accompagnement = AccompagnementFactory()
    other = AccompagnementFactory()
    url = reverse("accompagnements:detail", args=[accompagnement.pk])
    assert client.get(url).status_code == 302
    client.force_login(other.beneficiaire)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(roles=["comite_technique"]))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_space_lists_my_accompagnements_only(client):
    mine = AccompagnementFactory()
    other = AccompagnementFactory()
    client.force_login(mine.beneficiaire)
    page = client.get(reverse("accounts:home")).content.decode()
    assert mine.reference in page and other.reference not in page
