"""Every French département can be entered (a national pilot's, a neighbouring region's structures), while
the TSF's territory and the matching keep Occitanie's rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annuaire.matching import DISTANCE, REGION, geographie
from candidatures.eligibility import NON, OK, check_eligibility
from candidatures.forms_candidat import StructureForm
from programmes.models import DEPARTEMENTS_OCCITANIE, Departement, Structure
from programmes.services import FicheStructure, structure_importer
from questionnaires.models import Eligibilite
from tests.candidatures.conftest import step_data

pytestmark = pytest.mark.django_db


def test_every_french_departement_is_listed_and_occitanies_codes_are_kept():
    codes = set(Departement.values)
    assert len(codes) == 96 + 6  # metropolitan 01–95 with 2A and 2B for 20, then 971 to 976
    assert {"01", "2A", "2B", "75", "95", "971", "974", "976"} <= codes and "20" not in codes
    assert set(DEPARTEMENTS_OCCITANIE) <= codes
    assert Departement("31").label == "31 – Haute-Garonne" and Departement("974").label == "974 – La Réunion"


@pytest.mark.parametrize(("departement", "commune"), [("75", "Paris"), ("974", "Saint-Denis")])
def test_a_structure_outside_occitanie_is_created_through_the_service(coordinateur, departement, commune):
    structure, cree = structure_importer(
        fiche=FicheStructure(raison_sociale=f"Salle de {commune}", commune=commune, departement=departement),
        by=coordinateur,
    )
    assert cree and Structure.objects.get(pk=structure.pk).departement == departement


@pytest.mark.parametrize(("departement", "code_postal"), [("75", "75011"), ("974", "97400"), ("2A", "20000")])
def test_the_structure_form_of_a_national_programme_takes_any_departement(programme, departement, code_postal):
    regles = Eligibilite(programme=programme, territoire="France", departements=list(Departement.values))
    data = {**step_data()["structure"], "departement": departement, "code_postal": code_postal, "commune": "Ville"}
    form = StructureForm(data=data, regles=regles)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["departement"] == departement
    # A postal code of another département is still caught.
    form = StructureForm(data={**data, "code_postal": "31000"}, regles=regles)
    assert not form.is_valid() and "code_postal" in form.errors
    # A forged value is refused without speaking of Occitanie.
    form = StructureForm(data={**data, "departement": "20"}, regles=regles)
    assert form.errors["departement"] == ["Choisissez un département de la liste."]


def test_the_structure_form_of_an_occitanie_programme_keeps_its_thirteen_departements(programme):
    regles = Eligibilite(programme=programme)
    assert sorted(regles.departements) == sorted(DEPARTEMENTS_OCCITANIE)
    form = StructureForm(regles=regles)
    offered = [code for code, _label in form.fields["departement"].choices if code not in ("", "hors")]
    assert sorted(offered) == sorted(DEPARTEMENTS_OCCITANIE)
    data = {**step_data()["structure"], "departement": "75", "code_postal": "75011"}
    form = StructureForm(data=data, regles=regles)
    assert not form.is_valid()
    assert form.errors["departement"] == ["Choisissez l’un des 13 départements d’Occitanie."]


def test_the_admin_form_creates_a_structure_in_paris_and_in_la_reunion(admin_client):
    for departement, commune in (("75", "Paris"), ("974", "Saint-Pierre")):
        data = {
            "raison_sociale": f"Scène de {commune}",
            "siret": "",
            "forme_juridique": "",
            "adresse": "",
            "code_postal": "",
            "commune": commune,
            "departement": departement,
            "type_structure": "scene",
            "part_musiques_actuelles": "100",
            "nombre_salaries": "0",
            "tranche_budget": "",
            "en_regle": "on",
            "site_web": "",
        }
        response = admin_client.post(reverse("admin:programmes_structure_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Structure.objects.get(commune=commune).departement == departement


def test_eligibility_by_departement_still_works():
    def territoire(departement: str, regles: Eligibilite | None = None):
        criteres = check_eligibility(
            statut_demandeur="salarie",
            departement=departement,
            part_musiques_actuelles=80,
            employeuse=True,
            projet_premier_emploi=False,
            regles=regles,
        )
        return next(c for c in criteres if c.code == "territoire")

    # The TSF's rule (Occitanie's départements): in, out with the region's message.
    assert territoire("31").statut == OK
    dehors = territoire("75")
    assert dehors.statut == NON and "13 départements d’Occitanie" in dehors.explication
    # A national programme takes Paris and La Réunion; a programme of one département takes only it.
    national = Eligibilite(territoire="France", departements=list(Departement.values))
    assert territoire("75", national).statut == OK and territoire("974", national).statut == OK
    assert "974 – La Réunion" in territoire("974", national).explication
    paris = Eligibilite(territoire="Paris", departements=["75"])
    assert territoire("75", paris).statut == OK and territoire("31", paris).statut == NON


def test_the_matching_keeps_occitanies_neighbours_and_region():
    assert geographie(mentor_departement="31", mobilite=REGION, dossier_departement="66")[0] == 0.9
    # "Toute l'Occitanie" does not reach Paris; at a distance is possible everywhere.
    assert geographie(mentor_departement="31", mobilite=REGION, dossier_departement="75")[0] == 0.2
    assert geographie(mentor_departement="974", mobilite=DISTANCE, dossier_departement="75")[0] == 0.5
    assert geographie(mentor_departement="75", mobilite=REGION, dossier_departement="75")[0] == 0.8
