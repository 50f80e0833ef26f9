"""Convention rules (conventions/permissions.py) and the convention section's buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompagnements.models import EtatAccompagnement
from conventions.models import EtatConvention
from core.permissions import may
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_party_signs_once_a_version_open_to_signature(convention_en_signature, parties):
    convention = convention_en_signature
    acc = convention.accompagnement
    assert may(acc.beneficiaire, "convention.signer", convention)
    assert may(parties["coordinateur"], "convention.signer", convention)
    assert may(parties["coordinateur"], "convention.deposer_scan", convention)
    assert not may(acc.beneficiaire, "convention.deposer_scan", convention)
    avenant = may(parties["coordinateur"], "convention.avenant", convention)
    assert not avenant and "signée par les trois parties" in avenant.reason
    assert may(parties["coordinateur"], "convention.regenerer", convention)
    convention.etat = EtatConvention.SIGNEE
    refused = may(acc.beneficiaire, "convention.signer", convention)
    assert not refused and "pas ouverte à la signature" in refused.reason


def test_the_sign_button_is_shown_to_a_party_that_has_not_signed(client, convention_en_signature, parties):
    acc = convention_en_signature.accompagnement
    url = reverse("accompagnements:detail", args=[acc.pk])
    client.force_login(acc.beneficiaire)
    page = client.get(url).content.decode()
    assert "Lire et signer" in page and "Déposer un scan signé" not in page and "Régénérer le document" not in page
    client.force_login(parties["coordinateur"])
    page = client.get(url).content.decode()
    assert "Déposer un scan signé" in page and "Régénérer le document" in page and "Établir un avenant" not in page


def test_only_the_coordination_extends_an_accompagnement_from_its_page(client, parties):
    acc = parties["accompagnement"]
    url = reverse("conventions:prolonger", args=[acc.pk])
    client.force_login(acc.beneficiaire)
    assert "Prolonger l’accompagnement" not in client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert client.get(url).status_code == 403
    client.force_login(parties["coordinateur"])
    assert "Prolonger l’accompagnement" in client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    response = client.post(url, {"demi_journees": acc.demi_journees_prevues + 1, "motif": ""})
    assert response.status_code == 400 and "Ce champ est obligatoire." in response.content.decode()
    response = client.post(url, {"demi_journees": acc.demi_journees_prevues + 1, "motif": "Un volet de plus"})
    assert response.status_code == 302
    acc.refresh_from_db()
    assert acc.evenements.filter(transition="accompagnement_prolonger").exists()
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_finished_accompagnement_is_not_extended_the_page_says_why_at_once(client, parties):
    acc = parties["accompagnement"]
    type(acc).objects.filter(pk=acc.pk).update(etat=EtatAccompagnement.TERMINE)
    client.force_login(parties["coordinateur"])
    response = client.get(reverse("conventions:prolonger", args=[acc.pk]), follow=True)
    assert response.redirect_chain[0][0] == reverse("accompagnements:detail", args=[acc.pk]) + "#convention"
    assert "Seul un accompagnement qui n’est ni terminé ni abandonné peut être prolongé." in response.content.decode()
