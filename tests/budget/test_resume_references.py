"""The dashboards' summary groups delivered days by the beneficiary structure's département and kind, counts
hours and prices days by the programme's and the formats' rates and units, and counts accompagnements by
the domains their files sought. A change of any of these by any of its writers (the structures' import
and edit service, the admin, the demo's loader through the import) recomputes the summaries of the
programmes concerned, and only those: the breakdowns stay right and the invariant holds."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annuaire.models import Competence, Domaine
from budget import resume, selectors
from budget.resume import resume_recalculer, resume_violations
from core.exceptions import RuleViolation
from core.invariants import find_violations
from programmes.models import Departement, Format, Programme, Structure, TypeStructure, UniteFormat
from programmes.services import FicheStructure, structure_enregistrer, structure_importer
from tests.factories import AccompagnementFactory, CompetenceFactory, ProgrammeFactory, StructureFactory

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


# --- The other inputs of the summary: rates and units, the competences sought, the domains ----------


class _Champs(HTMLParser):
    """The values a browser would submit with the admin's change form (inlines and management forms too)."""

    def __init__(self) -> None:
        super().__init__()
        self.valeurs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.valeurs.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.valeurs.append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.valeurs.append((self._textarea, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.valeurs[-1]
            self.valeurs[-1] = (name, value + data.removeprefix("\n") if not value else value + data)


def _modifier_dans_l_admin(client, url: str, **changes: Any) -> None:
    """Post the change form as shown, with `changes` (a list for a multiple choice)."""
    page = client.get(url).content.decode()
    parser = _Champs()
    debut = page.rindex("<form", 0, page.index('_form" novalidate'))
    parser.feed(page[debut : page.index("</form>", debut)])
    data: dict[str, list[str]] = {}
    for name, value in parser.valeurs:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-42"))
    return client


def test_a_format_counted_in_hours_from_the_admin_recomputes_its_programmes_summary(livraison, admin_client):
    _structure, programme, _autre = livraison
    format = programme.formats.get(accompagnements__isnull=False)
    _modifier_dans_l_admin(
        admin_client, reverse("admin:programmes_format_change", args=[format.pk]), unite=UniteFormat.HEURE, taux_par_unite="40.00"
    )
    assert Format.objects.get(pk=format.pk).unite == UniteFormat.HEURE
    assert resume_violations() == []


def test_the_programmes_rate_and_hours_per_half_day_from_the_admin_recompute_its_summary(livraison, admin_client):
    _structure, programme, _autre = livraison
    Format.objects.filter(programme=programme).update(unite=UniteFormat.HEURE, taux_par_unite="40.00")
    resume_recalculer(programme_id=programme.pk)
    url = reverse("admin:programmes_programme_change", args=[programme.pk])
    _modifier_dans_l_admin(admin_client, url, heures_par_demi_journee=1, taux_journalier="123.00")
    assert Programme.objects.get(pk=programme.pk).heures_par_demi_journee == 1
    assert resume_violations() == []


def _competences_de_deux_domaines() -> tuple[Competence, Competence]:
    premier, second = Domaine.objects.order_by("ordre")[:2]
    return CompetenceFactory(domaine=premier), CompetenceFactory(domaine=second)


def _domaines_cherches(programme, *competences):
    candidature = programme.accompagnements.get().candidature
    candidature.competences_souhaitees.set(competences)
    resume_recalculer(programme_id=programme.pk)
    return candidature


def test_the_competences_sought_changed_in_the_admin_recompute_the_summary(livraison, admin_client):
    _structure, programme, _autre = livraison
    communication, gestion = _competences_de_deux_domaines()
    candidature = _domaines_cherches(programme, communication)
    url = reverse("admin:candidatures_candidature_change", args=[candidature.pk])
    _modifier_dans_l_admin(admin_client, url, competences_souhaitees=[gestion.pk])
    assert list(candidature.competences_souhaitees.all()) == [gestion]
    assert resume_violations() == []


def test_a_domain_renamed_or_a_competence_moved_or_deleted_in_the_admin_recomputes_the_summary(livraison, admin_client):
    _structure, programme, _autre = livraison
    competence, autre = _competences_de_deux_domaines()
    supprimee = CompetenceFactory(domaine=competence.domaine)
    _domaines_cherches(programme, competence, autre, supprimee)
    url = reverse("admin:annuaire_domaine_change", args=[competence.domaine_id])
    _modifier_dans_l_admin(admin_client, url, nom="Un autre nom")
    assert resume_violations() == []
    url = reverse("admin:annuaire_competence_change", args=[competence.pk])
    _modifier_dans_l_admin(admin_client, url, domaine=autre.domaine_id)
    assert Competence.objects.get(pk=competence.pk).domaine_id == autre.domaine_id
    assert resume_violations() == []
    # The last competence of the renamed domain that the file sought goes: so does the domain's line.
    response = admin_client.post(reverse("admin:annuaire_competence_delete", args=[supprimee.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Competence.objects.filter(pk=supprimee.pk).exists()
    assert [ligne.libelle for ligne in selectors.repartition_domaines(programme)] == [autre.domaine.nom]
    assert resume_violations() == []


def test_a_format_counted_in_hours_from_the_programmes_page_recomputes_its_summary(livraison, admin_client):
    _structure, programme, _autre = livraison
    format = programme.formats.get(accompagnements__isnull=False)
    url = reverse("admin:programmes_programme_change", args=[programme.pk])
    page = admin_client.get(url).context["inline_admin_formsets"]
    formset = next(inline.formset for inline in page if inline.formset.model is Format)
    index = next(i for i, form in enumerate(formset.forms) if form.instance.pk == format.pk)
    prefix = f"{formset.prefix}-{index}"
    _modifier_dans_l_admin(admin_client, url, **{f"{prefix}-unite": UniteFormat.HEURE, f"{prefix}-taux_par_unite": "40.00"})
    assert Format.objects.get(pk=format.pk).unite == UniteFormat.HEURE
    assert resume_violations() == []
