"""Bringing the existing records in (issue 16): spreadsheets of structures and personnes-ressources,
through the admin's « Importer » pages, with a preview, French errors line by line and nothing imported
while one line is wrong."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annuaire import selectors
from annuaire.models import Competence, EtatPersonneRessource, PersonneRessource
from programmes.models import Structure
from tests.annuaire.conftest import dossier_retenu
from tests.factories import StructureFactory, UserFactory, valid_siret

PR_IMPORT = "admin:annuaire_personneressource_importer"
PR_CONFIRM = "admin:annuaire_personneressource_importer_confirmer"
ST_IMPORT = "admin:programmes_structure_importer"
ST_CONFIRM = "admin:programmes_structure_importer_confirmer"

ENTETES_PR = [
    "Prénom",
    "Nom",
    "Adresse e-mail",
    "Département",
    "Déplacements acceptés",
    "Compétences",
    "Types de projets accompagnés",
    "Tailles de structures connues",
    "Disponibilité (demi-journées par an)",
    "SIRET de la structure employeuse",
    "Structure employeuse",
    "Commune de la structure",
    "Département de la structure",
]


@pytest.fixture
def coordination_client(client, coordinateur):
    client.force_login(coordinateur)
    return client


def _csv(rows: list[list[str]], *, sep: str = ";", bom: bool = True) -> bytes:
    lines = [sep.join(f'"{c}"' if sep in c else c for c in row) for row in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _mentors(n: int, *, employeur_siret: str, bad: dict[int, dict[str, str]] | None = None) -> list[list[str]]:
    """`n` mentors; `bad` maps a 0-based mentor index to the cells to spoil."""
    rows = [ENTETES_PR]
    for i in range(n):
        cells = {
            "Prénom": f"Prénom{i}",
            "Nom": f"Mentor{i}",
            "Adresse e-mail": f"mentor{i}@import.test",
            "Département": "34",
            "Déplacements acceptés": "voisins",
            "Compétences": "Mécénat et partenariats privés:3 | Paie et obligations sociales:2",
            "Types de projets accompagnés": "festival | Label ou éditeur",
            "Tailles de structures connues": "3-9",
            "Disponibilité (demi-journées par an)": "10",
            "SIRET de la structure employeuse": employeur_siret,
            "Structure employeuse": "",
            "Commune de la structure": "",
            "Département de la structure": "",
        }
        cells.update((bad or {}).get(i, {}))
        rows.append([cells[h] for h in ENTETES_PR])
    return rows


def _upload(client, url: str, content: bytes, name: str):
    return client.post(reverse(url), {"fichier": SimpleUploadedFile(name, content)})


def test_200_mentors_with_3_bad_lines_show_the_3_errors_and_import_nothing_then_the_fixed_file_imports_200_that_the_matching_uses(
    coordination_client, programme
):
    employeur = StructureFactory(departement="31")
    before = PersonneRessource.objects.count()
    bad = {
        12: {"Adresse e-mail": "pas-une-adresse"},  # line 14
        50: {"Compétences": "Mécénat et partenariats privés:3 | Jonglage"},  # line 52
        120: {"Département": "99"},  # line 122
    }
    content = _csv(_mentors(200, employeur_siret=employeur.siret, bad=bad))
    page = _upload(coordination_client, PR_IMPORT, content, "mentors.csv")
    assert page.status_code == 200
    apercu = page.context["apercu"]
    assert apercu.erreurs == [
        "Ligne 14 : adresse e-mail invalide « pas-une-adresse »",
        "Ligne 52 : compétence inconnue « Jonglage »",
        "Ligne 122 : département « 99 » inconnu",
    ]
    html = page.content.decode()
    assert "Ligne 52 : compétence inconnue « Jonglage »" in html
    assert "Confirmer l’import" not in html  # nothing to confirm while a line is wrong
    assert apercu.a_creer == 197
    # Even a forged confirmation imports nothing: the file is checked again.
    from core import imports

    token = imports.deposer(kind="personnes-ressources", nom="mentors.csv", contenu=content, user_id=page.wsgi_request.user.pk)
    refused = coordination_client.post(reverse(PR_CONFIRM), {"token": token})
    assert refused.status_code == 200
    assert "rien n’a été importé" in refused.content.decode()
    assert "Ligne 14 : adresse e-mail invalide" in refused.content.decode()
    assert PersonneRessource.objects.count() == before

    fixed = _csv(_mentors(200, employeur_siret=employeur.siret))
    page = _upload(coordination_client, PR_IMPORT, fixed, "mentors.csv")
    assert page.context["apercu"].erreurs == []
    assert page.context["apercu"].a_creer == 200
    assert "Confirmer l’import" in page.content.decode()
    done = coordination_client.post(reverse(PR_CONFIRM), {"token": page.context["token"]}, follow=True)
    assert done.status_code == 200
    assert "Import terminé : 200 ligne(s) créée(s), 0 mise(s) à jour." in done.content.decode()
    imported = PersonneRessource.objects.filter(email__endswith="@import.test")
    assert imported.count() == 200
    assert set(imported.values_list("etat", flat=True)) == {EtatPersonneRessource.VALIDEE}
    mentor = imported.get(email="mentor7@import.test")
    assert {(c.competence.nom, c.niveau) for c in mentor.competences_niveaux.select_related("competence")} == {
        ("Mécénat et partenariats privés", 3),
        ("Paie et obligations sociales", 2),
    }
    assert mentor.user is not None and mentor.structure == employeur
    assert mentor.types_projets == ["festival", "label"]

    # The matching ranks the imported mentors for a file needing those competences.
    mecenat = Competence.objects.get(nom="Mécénat et partenariats privés")
    dossier = dossier_retenu(
        programme,
        besoins=[(mecenat, 3)],
        structure=StructureFactory(departement="34", type_structure="festival", nombre_salaries=4),
    )
    classement = selectors.classement(dossier)
    assert classement.scores[0].mentor.id in set(imported.values_list("pk", flat=True))

    # The same file again updates the 200 profiles, creates none.
    page = _upload(coordination_client, PR_IMPORT, fixed, "mentors.csv")
    assert (page.context["apercu"].a_creer, page.context["apercu"].a_mettre_a_jour) == (0, 200)


def test_mentors_comma_separated_csv_without_bom_and_a_new_employer(coordination_client):
    rows = _mentors(2, employeur_siret="")
    for row in rows[1:]:
        row[-3:] = ["Le Chai du Rock", "Montpellier", "34"]
    rows[2][2] = "mentor0@import.test"  # the same e-mail twice in one file
    page = _upload(coordination_client, PR_IMPORT, _csv(rows, sep=",", bom=False), "mentors.csv")
    assert page.context["apercu"].erreurs == ["Ligne 3 : Cette adresse e-mail figure déjà ligne 2"]
    rows[2][2] = "mentor1@import.test"
    page = _upload(coordination_client, PR_IMPORT, _csv(rows, sep=",", bom=False), "mentors.csv")
    coordination_client.post(reverse(PR_CONFIRM), {"token": page.context["token"]})
    assert PersonneRessource.objects.filter(structure__raison_sociale="Le Chai du Rock").count() == 2
    assert Structure.objects.filter(raison_sociale="Le Chai du Rock").count() == 1


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_of_structures_imports_and_updates_by_siret(coordination_client):
    connue = StructureFactory(raison_sociale="Ancien nom", departement="31")
    rows = [
        [
            "Raison sociale",
            "SIRET",
            "Commune",
            "Département",
            "Type de structure",
            "Nombre de salarié·es",
            "En situation de régularité",
        ],
        ["Festival des Garrigues", valid_siret(9001), "Nîmes", "30", "Festival", 3, "oui"],
        ["Label du Sud", "", "Albi", 81, "label", None, "non"],
        ["Nouveau nom", connue.siret, "Toulouse", "31", "Scène de musiques actuelles (SMAC) ou salle de concert", 12, "oui"],
        ['=HYPERLINK("http://x")', "", "Foix", "9", "", "", ""],
    ]
    page = _upload(coordination_client, ST_IMPORT, _xlsx(rows), "structures.xlsx")
    assert page.status_code == 200
    apercu = page.context["apercu"]
    assert apercu.erreurs == []
    assert (apercu.a_creer, apercu.a_mettre_a_jour) == (3, 1)
    coordination_client.post(reverse(ST_CONFIRM), {"token": page.context["token"]})
    festival = Structure.objects.get(raison_sociale="Festival des Garrigues")
    assert (festival.departement, festival.type_structure, festival.nombre_salaries, festival.employeuse) == (
        "30",
        "festival",
        3,
        True,
    )
    assert Structure.objects.get(raison_sociale="Label du Sud").en_regle is False
    connue.refresh_from_db()
    assert (connue.raison_sociale, connue.nombre_salaries, connue.type_structure) == ("Nouveau nom", 12, "scene")
    # A column absent or a cell left empty keeps what is known.
    assert (connue.code_postal, connue.part_musiques_actuelles) == ("31000", 80)
    new = Structure.objects.get(raison_sociale="Label du Sud")
    assert (new.type_structure, new.part_musiques_actuelles, new.nombre_salaries) == ("label", 100, 0)
    # A formula is kept as its text, never evaluated.
    assert Structure.objects.get(commune="Foix").raison_sociale == '=HYPERLINK("http://x")'


def test_structures_errors_are_listed_in_french_and_nothing_is_imported(coordination_client):
    rows = [
        ["Raison sociale", "SIRET", "Commune", "Département"],
        ["Bonne", valid_siret(9100), "Rodez", "12"],
        ["SIRET faux", "12345678901234", "Rodez", "12"],
        ["", "", "Rodez", "12"],
        ["Nulle part", "", "Nulle part", "99"],
    ]
    page = _upload(coordination_client, ST_IMPORT, _csv(rows), "structures.csv")
    erreurs = page.context["apercu"].erreurs
    assert erreurs[0].startswith("Ligne 3 : SIRET : Ce numéro SIRET n’est pas valide")
    assert erreurs[1:] == [
        "Ligne 4 : la colonne « Raison sociale » est obligatoire",
        "Ligne 5 : département « 99 » inconnu",
    ]
    assert not Structure.objects.filter(commune="Rodez").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mentors.pdf", b"%PDF-1.4 ...", "Déposez un fichier CSV"),
        ("mentors.csv", "Prénom;Nom\n".encode("latin-1") + "Élodie;Noël\n".encode("latin-1"), "UTF-8"),
        ("mentors.csv", b"Couleur;Nom\nrouge;x\n", "Colonne(s) inconnue(s) : « Couleur »"),
        ("mentors.xlsx", b"PK\x03\x04 pas un classeur", "XLSX"),
        ("mentors.csv", b"Pr\xc3\xa9nom;Nom\n" + b"a;b\n" * 6_000_000, "trop volumineux"),
    ],
)
def test_bad_files_are_refused_with_a_french_message(coordination_client, name, content, message):
    page = _upload(coordination_client, PR_IMPORT, content, name)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert "apercu" not in page.context or page.context["apercu"] is None


def test_templates_download_in_csv_and_xlsx_with_the_french_headers(coordination_client):
    csv_page = coordination_client.get(reverse("admin:annuaire_personneressource_importer_modele_csv"))
    assert csv_page.status_code == 200
    text = csv_page.content.decode("utf-8-sig")
    assert text.startswith("Prénom;Nom;Adresse e-mail;")
    xlsx = coordination_client.get(reverse("admin:programmes_structure_importer_modele_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:4] == ["Raison sociale", "SIRET", "Commune", "Département"]
    page = coordination_client.get(reverse(PR_IMPORT))
    assert page.status_code == 200
    assert "Colonnes attendues" in page.content.decode()
    for changelist, page in [
        ("admin:annuaire_personneressource_changelist", PR_IMPORT),
        ("admin:programmes_structure_changelist", ST_IMPORT),
        ("admin:accompagnements_accompagnementhistorique_changelist", H_IMPORT),
    ]:
        assert reverse(page) in coordination_client.get(reverse(changelist)).content.decode()


def test_only_the_coordination_opens_the_import_pages(client, db):
    urls = [
        reverse(PR_IMPORT),
        reverse(ST_IMPORT),
        reverse("admin:programmes_structure_importer_modele_csv"),
        reverse(PR_CONFIRM),
    ]
    for url in urls:  # anonymous: sent to the login
        assert client.get(url).status_code == 302
    # Staff without the coordination role: refused.
    staff = UserFactory(email="staff@exemple.test", roles=["comite_technique"])
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse(PR_IMPORT), {"fichier": SimpleUploadedFile("m.csv", b"Nom\nx\n")}).status_code == 403
    # A non-staff role: the admin sends to its login.
    client.force_login(UserFactory(email="pr@exemple.test", roles=["personne_ressource"]))
    assert client.get(reverse(PR_IMPORT)).status_code == 302


def test_a_token_of_another_user_or_kind_is_refused(coordination_client, coordinateur):
    from core import imports

    token = imports.deposer(kind="structures", nom="s.csv", contenu=b"Raison sociale\nx\n", user_id=coordinateur.pk)
    page = coordination_client.post(reverse(PR_CONFIRM), {"token": token})
    assert "Ce dépôt a expiré ou n’est pas valide" in page.content.decode()
    page = coordination_client.post(reverse(PR_CONFIRM), {"token": "falsifié"})
    assert "Ce dépôt a expiré ou n’est pas valide" in page.content.decode()


# --- Past accompaniments ----------------------------------------------------------------------

H_IMPORT = "admin:accompagnements_accompagnementhistorique_importer"
H_CONFIRM = "admin:accompagnements_accompagnementhistorique_importer_confirmer"
ENTETES_H = [
    "Programme",
    "Format",
    "SIRET de la structure bénéficiaire",
    "Bénéficiaire",
    "Personnes-ressources",
    "Début",
    "Fin",
    "Demi-journées réalisées",
    "Montant (€)",
    "Référence d’origine",
]


def test_past_accompaniments_import_within_the_format_maximum_and_keep_the_invariants(coordination_client, programme):
    from accompagnements.models import AccompagnementHistorique
    from core.exceptions import RuleViolation
    from core.invariants import find_violations
    from programmes.rules import check_demi_journees
    from tests.factories import PersonneRessourceFactory

    beneficiaire = StructureFactory(raison_sociale="Festival passé", departement="34")
    mentor = PersonneRessourceFactory()
    jour = programme.date_debut.strftime("%d/%m/%Y")
    ligne = [programme.slug, "tsf", beneficiaire.siret, "Alex Dupont", mentor.email, jour, jour]
    rows = [
        ENTETES_H,
        [*ligne, "2", "500,00", "TSF-01"],
        [*ligne, "2", "500", "TSF-02"],
        [*ligne, "1", "250", "TSF-03"],  # the structure would have 5 half-days of TSF: the maximum is 4
        [programme.slug, "Mentorat", beneficiaire.siret, "Alex Dupont", mentor.email, jour, jour, "3", "750", "M-01"],
    ]
    page = _upload(coordination_client, H_IMPORT, _csv(rows), "historique.csv")
    assert page.context["apercu"].erreurs == [
        "Ligne 4 : Limite dépassée : Festival passé a déjà 4 demi-journée(s) de Transfert de savoir-faire dans ce "
        "programme ; le maximum est de 4 par structure bénéficiaire (il reste 0 demi-journée(s))."
    ]
    del rows[3]
    page = _upload(coordination_client, H_IMPORT, _csv(rows), "historique.csv")
    assert page.context["apercu"].erreurs == []
    done = coordination_client.post(reverse(H_CONFIRM), {"token": page.context["token"]}, follow=True)
    assert "Import terminé : 3 ligne(s) créée(s)" in done.content.decode()
    historiques = AccompagnementHistorique.objects.order_by("reference")
    assert [(h.reference_origine, h.demi_journees, str(h.montant)) for h in historiques] == [
        ("TSF-01", 2, "500.00"),
        ("TSF-02", 2, "500.00"),
        ("M-01", 3, "750.00"),
    ]
    assert list(historiques[0].mentors.all()) == [mentor]
    assert find_violations() == []
    # The imported half-days count for the live rule: no more TSF for this structure in this programme.
    with pytest.raises(RuleViolation, match="il reste 0"):
        check_demi_journees(structure=beneficiaire, format=programme.formats.get(code="tsf"), demi_journees=1)
    # The matching knows they worked together: no "new interaction" for this pair.
    dossier = dossier_retenu(programme, structure=beneficiaire)
    assert mentor.structure_id in selectors.dossiers([dossier])[0].partenaires
    # The same file again: each line is already imported.
    page = _upload(coordination_client, H_IMPORT, _csv(rows), "historique.csv")
    assert "Ligne 2 : L’accompagnement « TSF-01 » de ce programme est déjà importé." in page.context["apercu"].erreurs


def test_past_accompaniments_unknown_references_are_reported_line_by_line(coordination_client, programme):
    rows = [
        ENTETES_H,
        ["inconnu", "tsf", "", "X", "personne@nulle.part", "31/02/2022", "01/03/2022", "deux", "abc", ""],
    ]
    page = _upload(coordination_client, H_IMPORT, _csv(rows), "historique.csv")
    assert page.context["apercu"].erreurs == [
        "Ligne 2 : programme inconnu « inconnu »",
        "Ligne 2 : indiquez le SIRET ou la raison sociale de la structure bénéficiaire",
        "Ligne 2 : personne-ressource inconnue « personne@nulle.part »",
        "Ligne 2 : date de début « 31/02/2022 » invalide (JJ/MM/AAAA)",
        "Ligne 2 : nombre de demi-journées « deux » invalide",
        "Ligne 2 : montant « abc » invalide",
    ]


def test_a_service_refusal_at_the_confirmation_rolls_every_line_back_and_names_its_line(coordination_client, monkeypatch):
    from annuaire import imports as annuaire_imports
    from core.exceptions import RuleViolation

    employeur = StructureFactory()
    page = _upload(coordination_client, PR_IMPORT, _csv(_mentors(3, employeur_siret=employeur.siret)), "m.csv")
    real = annuaire_imports.personne_ressource_importer

    def refuses_the_third(**kwargs):
        if kwargs["email"] == "mentor2@import.test":
            raise RuleViolation("Refusé par le service.")
        return real(**kwargs)

    monkeypatch.setattr(annuaire_imports, "personne_ressource_importer", refuses_the_third)
    refused = coordination_client.post(reverse(PR_CONFIRM), {"token": page.context["token"]})
    html = refused.content.decode()
    assert "rien n’a été importé" in html and "Ligne 4 : Refusé par le service." in html
    assert not PersonneRessource.objects.filter(email__endswith="@import.test").exists()
    # The deposited file is used once.
    again = coordination_client.post(reverse(PR_CONFIRM), {"token": page.context["token"]})
    assert "Ce dépôt a expiré ou n’est pas valide" in again.content.decode()


def test_a_mentor_whose_employer_is_not_in_good_standing_is_refused_in_the_preview(coordination_client):
    employeur = StructureFactory(en_regle=False)
    page = _upload(coordination_client, PR_IMPORT, _csv(_mentors(1, employeur_siret=employeur.siret)), "m.csv")
    assert page.context["apercu"].erreurs == [
        "Ligne 2 : la structure employeuse n’est pas en situation de régularité : le profil ne peut pas être validé"
    ]


def test_an_existing_mentor_is_updated_by_her_email_and_keeps_what_the_file_leaves_empty(coordination_client):
    from tests.factories import PersonneRessourceFactory

    connue = PersonneRessourceFactory(email="connue@import.test", telephone="0611223344", disponibilite_demi_journees=12)
    rows = _mentors(1, employeur_siret=connue.structure.siret)
    rows[1][2] = "CONNUE@import.test"
    rows[1][ENTETES_PR.index("Disponibilité (demi-journées par an)")] = ""
    page = _upload(coordination_client, PR_IMPORT, _csv(rows), "m.csv")
    assert (page.context["apercu"].a_creer, page.context["apercu"].a_mettre_a_jour) == (0, 1)
    coordination_client.post(reverse(PR_CONFIRM), {"token": page.context["token"]})
    connue.refresh_from_db()
    assert (connue.prenom, connue.telephone, connue.disponibilite_demi_journees) == ("Prénom0", "0611223344", 12)
    assert connue.competences_niveaux.count() == 2
    assert PersonneRessource.objects.filter(email__iexact="connue@import.test").count() == 1
