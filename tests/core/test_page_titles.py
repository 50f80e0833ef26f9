"""Issue 15: allauth's pages name the site once and say when the form came back with errors."""

import pytest

pytestmark = pytest.mark.django_db


def title_of(response) -> str:
    return response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0].strip()


def test_login_title_names_the_site_once_and_flags_errors(client):
    response = client.get("/comptes/login/")
    assert response.status_code == 200
    assert title_of(response).count("TSF Occitanie") == 1
    assert not title_of(response).startswith("Erreur")
    refused = client.post("/comptes/login/", {"login": "personne@exemple.test", "password": "faux"})
    assert refused.status_code == 200
    assert title_of(refused).startswith("Erreur :")
    assert title_of(refused).count("TSF Occitanie") == 1


def test_allauth_pages_use_typographic_apostrophes(client):
    """Issue 15: locale/fr gives allauth's French messages the ’ the rest of the site uses."""
    response = client.get("/comptes/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "n’avez pas encore" in page
    assert "n'avez" not in page and "n&#x27;avez" not in page
