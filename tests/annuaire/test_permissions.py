"""Directory rules (annuaire/permissions.py) and the decision buttons of a profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annuaire.models import EtatPersonneRessource
from annuaire.workflow import PROPOSITION_WORKFLOW
from core.permissions import SYSTEME, may
from tests.factories import PersonneRessourceFactory

pytestmark = pytest.mark.django_db


def test_directory_roles(coordinateur, membre_comite, candidat):
    assert may(coordinateur, "annuaire.gerer") and not may(membre_comite, "annuaire.gerer")
    assert may(membre_comite, "annuaire.suggerer") and may(membre_comite, "annuaire.cartographie")
    decision = may(candidat, "annuaire.suggerer")
    assert not decision and "comité technique" in decision.reason


def test_profile_and_proposition_transitions(coordinateur, personne_ressource):
    candidate = PersonneRessourceFactory(etat=EtatPersonneRessource.CANDIDATE)
    assert may(coordinateur, "personne_ressource.valider", candidate)
    assert may(coordinateur, "personne_ressource.refuser", candidate)
    suspendue = PersonneRessourceFactory(etat=EtatPersonneRessource.SUSPENDUE)
    assert may(coordinateur, "personne_ressource.valider", suspendue)
    assert not may(coordinateur, "personne_ressource.refuser", suspendue)
    # The personne-ressource answers a proposition through the signed link, often without signing in.
    assert SYSTEME in PROPOSITION_WORKFLOW.by_name["accepter"].roles
    assert may(None, "personne_ressource.candidater", PersonneRessourceFactory(etat=EtatPersonneRessource.SUGGEREE))


def test_decision_buttons_follow_the_profiles_state(client, coordinateur):
    client.force_login(coordinateur)
    suspendue = PersonneRessourceFactory(etat=EtatPersonneRessource.SUSPENDUE)
    page = client.get(reverse("annuaire:personne_ressource_detail", args=[suspendue.pk])).content.decode()
    assert "Valider le profil" in page and "Ne pas retenir" not in page
    validee = PersonneRessourceFactory(etat=EtatPersonneRessource.VALIDEE)
    page = client.get(reverse("annuaire:personne_ressource_detail", args=[validee.pk])).content.decode()
    assert "Valider le profil" not in page and "Ne pas retenir" not in page
