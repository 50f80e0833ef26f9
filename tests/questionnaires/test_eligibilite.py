"""A programme's eligibility rules are data edited in the admin: the questionnaire and the pre-check follow them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ateliers import services as ateliers
from candidatures.eligibility import NON, OK, check_candidature, check_eligibility
from candidatures.models import Candidature
from questionnaires.models import Eligibilite
from questionnaires.selectors import eligibilite
from tests.candidatures.conftest import step_data, step_url
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _admin(client):
    admin = UserFactory(email="admin-e@exemple.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)


def test_the_coordination_sets_a_programmes_territory_in_the_admin_and_the_structure_step_follows(client, candidat):
    peer = ProgrammeFactory(nom="PEER CULTURE 2026", slug="peer-culture-2026")
    _admin(client)
    response = client.post(
        reverse("admin:questionnaires_eligibilite_add"),
        {
            "programme": peer.pk,
            "territoire": "la région toulousaine",
            "departements": ["31", "81"],
            "communes": "",
            "types_structure": ["festival", "collectif"],
            "part_activite_min": "0",
            "champ_activite": "culture et création",
            "adhesion_requise": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    regles = Eligibilite.objects.get(programme=peer)
    assert regles.departements == ["31", "81"] and regles.part_activite_min == 0
    assert regles.champ_activite == "culture et création" and regles.adhesion_requise

    client.force_login(candidat)
    client.post(reverse("candidatures:deposer"), {"programme": peer.pk})
    candidature = Candidature.objects.get(candidat=candidat, programme=peer)
    data = {**step_data()["structure"], "departement": "34", "code_postal": "34000", "action": "suivant"}
    response = client.post(step_url(candidature, "structure"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "réservé aux structures dont le siège est en la région toulousaine : départements 31, 81" in page
    assert "Le programme s’adresse aux structures de ces types" in page
    assert 'value="Le Bocal sonore"' in page
    response = client.post(
        step_url(candidature, "structure"), {**data, "departement": "31", "code_postal": "31000", "type_structure": "festival"}
    )
    assert response.status_code == 302


def test_the_pre_check_reads_the_programmes_rules():
    peer = ProgrammeFactory()
    Eligibilite.objects.create(
        programme=peer, territoire="Toulouse", departements=["31"], communes="Toulouse\nBlagnac", part_activite_min=0
    )
    regles = eligibilite(peer)
    common = {"statut_demandeur": "salarie", "part_musiques_actuelles": 0, "employeuse": True, "projet_premier_emploi": False}
    criteres = {c.code: c for c in check_eligibility(**common, departement="31", commune="Blagnac", regles=regles)}
    assert criteres["territoire"].statut == OK
    assert "musiques_actuelles" not in criteres  # no minimum share for this programme
    criteres = {c.code: c for c in check_eligibility(**common, departement="31", commune="Muret", regles=regles)}
    assert criteres["territoire"].statut == NON
    assert "Toulouse" in criteres["territoire"].explication
    # Without rules set, the TSF's defaults apply.
    assert sorted(eligibilite(ProgrammeFactory()).departements)[:2] == ["09", "11"]


def test_a_programme_for_members_only_checks_the_applicants_membership_and_names_its_own_field(candidat):
    peer = ProgrammeFactory()
    Eligibilite.objects.create(
        programme=peer, departements=["31"], champ_activite="culture et création", part_activite_min=50, adhesion_requise=True
    )
    candidature = Candidature.objects.create(programme=peer, candidat=candidat)
    criteres = {c.code: c for c in check_candidature(candidature)}
    assert criteres["adhesion"].statut == NON
    assert "réservé à ses membres" in criteres["adhesion"].explication
    assert criteres["musiques_actuelles"].libelle == "Structure de culture et création"

    ateliers.adhesion_record(programme=peer, personne=candidat, by=UserFactory(roles=["coordination"]), note="membre actif")
    criteres = {c.code: c for c in check_candidature(candidature)}
    assert criteres["adhesion"].statut == OK and criteres["adhesion"].explication == "Vous êtes membre du programme."
    # Another programme does not ask it.
    autre = Candidature.objects.create(programme=ProgrammeFactory(), candidat=candidat)
    assert "adhesion" not in {c.code for c in check_candidature(autre)}
