"""The dashboards' summary groups delivered days by the beneficiary structure's département and kind: a
structure changed by any of its writers (the import, the edit service, the admin, the demo's loader
through the import) recomputes the summaries of the programmes it is a beneficiary in, and only those."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget import resume, selectors
from budget.resume import resume_recalculer, resume_violations
from core.exceptions import RuleViolation
from core.invariants import find_violations
from programmes.models import Departement, Structure, TypeStructure
from programmes.services import FicheStructure, structure_enregistrer, structure_importer
from tests.factories import AccompagnementFactory, ProgrammeFactory, StructureFactory

from .conftest import seance_livree

pytestmark = pytest.mark.django_db


@pytest.fixture
def livraison():
    """A programme with 2 delivered half-days for a structure of Haute-Garonne, its summary up to date."""
    structure = StructureFactory(departement=Departement.HAUTE_GARONNE, type_structure=TypeStructure.SCENE)
    programme = ProgrammeFactory()
    accompagnement = AccompagnementFactory(
        candidature__programme=programme, candidature__structure=structure, demi_journees_prevues=4
    )
    seance_livree(accompagnement, 2)
    resume_recalculer(programme_id=programme.pk)
    # Another programme that the structure takes no part in: its summary is left alone.
    autre = ProgrammeFactory()
    resume_recalculer(programme_id=autre.pk)
    return structure, programme, autre


def _livre_par(programme, dimension: str) -> dict[str, int]:
    return {ligne.libelle: ligne.hj_livrees for ligne in selectors.repartitions(programme)[dimension] if ligne.hj_livrees}


def _recalcules():
    """The programmes whose summary is recomputed inside the block (the calls are counted, not replaced)."""
    return mock.patch.object(resume, "resume_recalculer", wraps=resume.resume_recalculer)


def _a_jour(programme, *, departement: str, type_structure: str) -> None:
    assert resume_violations() == []
    assert find_violations(["budget.resume_programme"]) == []
    assert _livre_par(programme, "departements") == {Departement(departement).label: 2}
    assert _livre_par(programme, "types") == {TypeStructure(type_structure).label: 2}


def test_the_import_recomputes_the_summaries_of_the_structures_programmes(livraison, coordinateur):
    structure, programme, autre = livraison
    with _recalcules() as recalcul:
        structure_importer(
            fiche=FicheStructure(
                raison_sociale=structure.raison_sociale,
                commune="Montpellier",
                departement=Departement.HERAULT,
                siret=structure.siret,
                type_structure=TypeStructure.FESTIVAL,
            ),
            by=coordinateur,
        )
    assert [c.kwargs["programme_id"] for c in recalcul.call_args_list] == [programme.pk]  # not `autre`
    _a_jour(programme, departement=Departement.HERAULT, type_structure=TypeStructure.FESTIVAL)


def test_an_import_that_changes_neither_grouping_field_recomputes_nothing(livraison, coordinateur):
    structure, programme, _autre = livraison
    with _recalcules() as recalcul:
        structure_importer(
            fiche=FicheStructure(
                raison_sociale=structure.raison_sociale,
                commune=structure.commune,
                departement=structure.departement,
                siret=structure.siret,
                site_web="https://exemple.test",
            ),
            by=coordinateur,
        )
    assert recalcul.call_count == 0
    _a_jour(programme, departement=Departement.HAUTE_GARONNE, type_structure=TypeStructure.SCENE)


def test_the_edit_service_recomputes_the_summaries_with_one_query_to_find_the_programmes(livraison, coordinateur):
    structure, programme, _autre = livraison
    structure.departement = Departement.GARD
    with CaptureQueriesContext(connection) as queries:
        structure_enregistrer(structure=structure, by=coordinateur)
    lookups = [
        q["sql"] for q in queries.captured_queries if 'DISTINCT "accompagnements_accompagnement"."programme_id"' in q["sql"]
    ]
    assert len(lookups) == 1, lookups
    _a_jour(programme, departement=Departement.GARD, type_structure=TypeStructure.SCENE)


def test_the_edit_service_refuses_an_invalid_value_and_changes_nothing(livraison, coordinateur):
    structure, programme, _autre = livraison
    structure.departement = "20"
    with pytest.raises(RuleViolation):
        structure_enregistrer(structure=structure, by=coordinateur)
    assert Structure.objects.get(pk=structure.pk).departement == Departement.HAUTE_GARONNE
    _a_jour(programme, departement=Departement.HAUTE_GARONNE, type_structure=TypeStructure.SCENE)


def test_the_admin_change_form_goes_through_the_service(livraison, client, django_user_model):
    structure, programme, _autre = livraison
    client.force_login(django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-42"))
    url = reverse("admin:programmes_structure_change", args=[structure.pk])
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    data.update(departement=Departement.AUDE, type_structure=TypeStructure.STUDIO)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert Structure.objects.get(pk=structure.pk).departement == Departement.AUDE
    _a_jour(programme, departement=Departement.AUDE, type_structure=TypeStructure.STUDIO)
