"""Candidature rules (candidatures/permissions.py) and the buttons of the coordinator's file page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from candidatures import services
from candidatures.models import Etat
from core.exceptions import PermissionRefused, TransitionRefused
from core.permissions import may, require
from tests.candidatures.coordination_helpers import diagnostiquee, soumise
from tests.factories import CandidatureFactory

pytestmark = pytest.mark.django_db


def test_transitions_follow_the_role_and_the_state(programme, coordinateur, candidat):
    brouillon = CandidatureFactory(programme=programme, candidat=candidat, etat=Etat.BROUILLON)
    assert may(candidat, "candidature.soumettre", brouillon)
    refused = may(coordinateur, "candidature.soumettre", brouillon)
    assert not refused and refused.role_refused
    deposee = soumise(programme, candidat=candidat)
    assert may(coordinateur, "candidature.declarer_recevable", deposee)
    assert not may(candidat, "candidature.declarer_recevable", deposee)
    wrong_state = may(coordinateur, "candidature.selectionner", deposee)
    assert not wrong_state and wrong_state.error is TransitionRefused and "Déposée, à vérifier" in wrong_state.reason


def test_undoing_the_last_decision_needs_a_reversible_one(programme, coordinateur, candidat):
    candidature = diagnostiquee(programme, coordinateur)
    refused = may(coordinateur, "candidature.annuler_decision", candidature)
    assert not refused and refused.reason == "Aucune décision récente ne peut être annulée sur ce dossier."
    services.candidature_await_decision(candidature=candidature, by=coordinateur)
    assert may(coordinateur, "candidature.annuler_decision", candidature)
    with pytest.raises(PermissionRefused, match="Seule la coordination"):
        require(candidat, "candidature.annuler_decision", candidature)


def test_a_closed_file_is_not_put_to_the_committee_nor_asked_for_documents(programme, coordinateur):
    refusee = CandidatureFactory(programme=programme, etat=Etat.REFUSEE)
    decision = may(coordinateur, "candidature.soumettre_comite", refusee)
    assert not decision and "Non retenue" in decision.reason
    assert not may(coordinateur, "candidature.demander_piece", refusee)
    ouverte = soumise(programme)
    assert may(coordinateur, "candidature.soumettre_comite", ouverte)
    assert may(coordinateur, "candidature.demander_piece", ouverte)


def _page(client, candidature) -> str:
    return client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()


def test_undo_and_committee_buttons_are_shown_only_when_allowed(client, programme, coordinateur):
    client.force_login(coordinateur)
    candidature = diagnostiquee(programme, coordinateur)
    page = _page(client, candidature)
    assert "Annuler la dernière décision" not in page and "Soumettre au comité" in page
    services.candidature_await_decision(candidature=candidature, by=coordinateur)
    assert "Annuler la dernière décision" in _page(client, candidature)
    refusee = CandidatureFactory(programme=programme, etat=Etat.REFUSEE)
    page = _page(client, refusee)
    assert "Soumettre au comité" not in page and "Demander un document" not in page


def test_the_committee_form_refuses_at_once_on_a_closed_file(client, programme, coordinateur):
    client.force_login(coordinateur)
    refusee = CandidatureFactory(programme=programme, etat=Etat.REFUSEE)
    response = client.get(reverse("comite:saisine_create", args=[refusee.pk]), follow=True)
    assert "ne peut pas être soumis au comité" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("candidatures:coordination_detail", args=[refusee.pk])


def test_the_thread_is_the_applicant_and_the_coordination(programme, coordinateur, candidat, autre_candidat):
    dossier = soumise(programme, candidat=candidat)
    assert may(candidat, "candidature.ecrire", dossier) and may(coordinateur, "candidature.ecrire", dossier)
    with pytest.raises(PermissionRefused, match="écrire sur ce dossier"):
        services.message_send(candidature=dossier, auteur=autre_candidat, texte="Bonjour")
