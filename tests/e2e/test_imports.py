"""The coordination brings its spreadsheet of mentors in through the admin (issue 16): a file with 3 bad
lines shows the 3 errors and imports nothing; fixed, it imports the 200 mentors."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from annuaire.models import Competence, Domaine, PersonneRessource
from tests.factories import DEFAULT_PASSWORD, StructureFactory, UserFactory

ENTETES = "Prénom;Nom;Adresse e-mail;Département;Compétences;SIRET de la structure employeuse"


def _fichier(tmp_path, *, siret: str, bad: bool):
    lignes = [ENTETES]
    for i in range(200):
        email = f"mentor{i}@import-e2e.test"
        departement = "34"
        competences = "Mécénat (e2e import):3"
        if bad and i == 12:
            email = "pas-une-adresse"
        if bad and i == 50:
            competences = "Jonglage"
        if bad and i == 120:
            departement = "99"
        lignes.append(f"Prénom{i};Mentor{i};{email};{departement};{competences};{siret}")
    path = tmp_path / ("mentors-faux.csv" if bad else "mentors.csv")
    path.write_text("\n".join(lignes) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.django_db(transaction=True)
def test_coordination_imports_200_mentors_after_fixing_3_lines(page, tmp_path, shot, assert_accessible):
    domaine, _ = Domaine.objects.get_or_create(slug="e2e-import", defaults={"nom": "Import (e2e)", "ordre": 98})
    Competence.objects.create(domaine=domaine, nom="Mécénat (e2e import)")
    employeur = StructureFactory(raison_sociale="Employeur e2e")
    coordinateur = UserFactory(email="coord-import@exemple.test", roles=["coordination"])
    EmailAddress.objects.create(user=coordinateur, email=coordinateur.email, verified=True, primary=True)
    from tests.e2e.conftest import login

    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(page.base_url + "/admin/annuaire/personneressource/")
    page.get_by_role("link", name="Importer").click()
    page.get_by_role("heading", name="Colonnes attendues").wait_for()

    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(_fichier(tmp_path, siret=employeur.siret, bad=True)))
    page.get_by_role("button", name="Voir l’aperçu").click()
    erreurs = page.locator("#erreurs-lignes li")
    erreurs.first.wait_for()
    assert erreurs.all_inner_texts() == [
        "Ligne 14 : adresse e-mail invalide « pas-une-adresse »",
        "Ligne 52 : compétence inconnue « Jonglage »",
        "Ligne 122 : département « 99 » inconnu",
    ]
    assert page.get_by_role("button", name="Confirmer l’import").count() == 0
    shot(page, "apercu-avec-erreurs")
    assert_accessible(page)
    assert not PersonneRessource.objects.filter(email__endswith="@import-e2e.test").exists()

    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(_fichier(tmp_path, siret=employeur.siret, bad=False)))
    page.get_by_role("button", name="Voir l’aperçu").click()
    assert "À créer : 200" in page.locator("#compteurs-import").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer l’import").click()
    page.get_by_text(re.compile("Import terminé : 200 ligne")).wait_for()
    shot(page, "import-termine")
    assert PersonneRessource.objects.filter(email__endswith="@import-e2e.test", etat="validee").count() == 200
