import io

import pytest
from pypdf import PdfReader

from conventions.models import EtatConvention
from tests.conventions.conftest import pdf_text, read
from tests.factories import SeanceFactory
from tests.tagged_pdf import assert_tagged, pdftotext


def test_the_generated_pdf_names_the_parties_the_amount_the_half_days_and_every_objective(convention_en_signature, parties):
    convention = convention_en_signature
    convention.refresh_from_db()
    assert convention.etat == EtatConvention.EN_SIGNATURE
    content = read(convention.pdf)
    text = pdf_text(content)
    # The three parties, the structures and the pilot's representative.
    for expected in (
        "GE OPEP (structure pilote)",
        "Camille Exemple, directrice",
        "Martine Mentor",
        "Le Bikini Productions",
        "Bérénice Bénéficiaire",
        "Association Ondes Courtes",
    ):
        assert expected in text, expected
    # Format, half-days, amount (3 half-days at 500 € a day), funders, who pays.
    assert "Transfert de savoir-faire" in text
    assert "3 demi-journées, soit 1,5 jour Coût" in text
    assert "750,00 €" in text and "500,00 €" in text
    assert "DRAC Occitanie" in text and "Centre national de la musique" in text and "Région Occitanie" in text
    assert "gratuit pour le·la bénéficiaire" in text
    for objectif in parties["objectifs"]:
        assert objectif.intitule in text
    assert "Dossiers de mécénat déposés" in text and "L’équipe paramètre seule un nouvel événement." in text
    assert "48 heures" in text and "7 jours" in text and "six mois" in text
    assert convention.reference in text and "version 1" in text and "Page 1 / " in text


def test_the_convention_is_a_tagged_pdf_with_its_articles_as_headings_and_its_tables_headed(convention_en_signature):
    convention = convention_en_signature
    convention.refresh_from_db()
    content = read(convention.pdf)
    doc = assert_tagged(
        content,
        title="Convention tripartite de transfert de savoir-faire",
        expect=("H1", "H2", "H3", "P", "L", "LI", "Table", "TH", "TD"),
    )
    headings = doc.headings()
    assert ("H2", "Entre les parties") in headings and ("H2", "Article 4 – Grille d’objectifs co-construite") in headings
    assert ("H3", "La personne-ressource s’engage à") in headings
    text = pdftotext(content)
    assert "Martine Mentor" in text and "Dossiers de mécénat déposés" in text and convention.reference in text


def test_the_pdf_is_a4_with_the_project_fonts_embedded(convention_en_signature):
    convention_en_signature.refresh_from_db()
    reader = PdfReader(io.BytesIO(read(convention_en_signature.pdf)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            for sub in descriptor.get("/DescendantFonts", [descriptor]):
                desc = sub.get_object().get("/FontDescriptor")
                if desc and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(desc.get_object()["/FontName"]))
    assert any("Source-Sans-3" in name for name in fonts), fonts


def test_the_planned_sessions_appear_in_the_calendar(parties, django_capture_on_commit_callbacks):
    from accompagnements.services import objectifs_valider

    acc = parties["accompagnement"]
    SeanceFactory(accompagnement=acc, lieu="Salle du Bikini, Ramonville", sujet="Cartographie des mécènes")
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    text = pdf_text(read(acc.conventions.get().pdf))
    assert "Calendrier prévisionnel" in text and "Salle du Bikini" in text and "Cartographie des mécènes" in text


@pytest.mark.django_db
def test_the_context_has_no_html_wording(convention_en_signature):
    """The wording lives in the template: the context is data only."""
    from conventions.services import convention_pdf_context

    context = convention_pdf_context(convention_en_signature)
    assert context["demi_journees"] == 3 and context["montant"] == "750,00\u00a0€"
    assert [o["intitule"] for o in context["objectifs"]] == [
        "Construire une stratégie de mécénat",
        "Structurer la billetterie en ligne",
    ]


def test_no_table_row_is_split_across_two_pages(parties, django_capture_on_commit_callbacks):
    from accompagnements.services import objectifs_valider
    from tests.factories import IndicateurFactory, ObjectifFactory

    acc = parties["accompagnement"]
    long_text = "Une description volontairement longue qui occupe plusieurs lignes dans la cellule du tableau. " * 3
    for n in range(14):
        objectif = ObjectifFactory(accompagnement=acc, intitule=f"Objectif supplémentaire {n}", ordre=10 + n)
        IndicateurFactory(
            objectif=objectif,
            type_indicateur="qualitatif",
            libelle=f"Repère{n}",
            unite="",
            cible=None,
            valeur_initiale=None,
            description=f"Début{n:02d} {long_text} Fin{n:02d}",
        )
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    reader = PdfReader(io.BytesIO(read(acc.conventions.get().pdf)))
    assert len(reader.pages) >= 4
    page_texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    for n in range(14):
        pages_with_start = [i for i, text in enumerate(page_texts) if f"Début{n:02d}" in text]
        pages_with_end = [i for i, text in enumerate(page_texts) if f"Fin{n:02d}" in text]
        assert pages_with_start == pages_with_end and len(pages_with_start) == 1, n


def test_the_parties_are_told_when_the_convention_is_ready(parties, django_capture_on_commit_callbacks):
    from django.core import mail

    from accompagnements.services import objectifs_valider

    acc = parties["accompagnement"]
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    [message] = [m for m in mail.outbox if "à signer" in m.subject]
    assert parties["mentor"].email in message.to and parties["beneficiaire"].email in message.to
    assert f"/accompagnements/{acc.pk}/" in message.body


def test_the_coordination_regenerates_an_unsigned_version_with_the_planned_sessions(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    convention = convention_en_signature
    before = convention.pdf_sha256
    SeanceFactory(accompagnement=convention.accompagnement, sujet="Atelier budget prévisionnel")
    client.force_login(parties["coordinateur"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("conventions:generer", args=[convention.accompagnement_id]))
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.version == 1 and convention.pdf_sha256 != before
    assert "Atelier budget prévisionnel" in pdf_text(read(convention.pdf))


def test_the_convention_names_its_programmes_pilot_not_the_instances(parties, django_capture_on_commit_callbacks):
    """Issue 16: a programme of a second pilot structure signs its conventions in that pilot's name."""
    from accompagnements.services import objectifs_valider
    from programmes.models import Programme, StructurePilote

    pilote = StructurePilote.objects.create(
        nom="MA Sphère (fictif)",
        adresse="2 place de l’Exemple",
        code_postal="31000",
        commune="Toulouse",
        representant_nom="Alex Exemple",
        representant_qualite="président·e",
        email="coordination@ma-sphere.example",
    )
    Programme.objects.filter(pk=parties["programme"].pk).update(pilote=pilote)
    acc = parties["accompagnement"]
    acc.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    text = pdf_text(read(acc.conventions.get().pdf))
    for expected in ("MA Sphère (fictif)", "2 place de l’Exemple, 31000 Toulouse", "Alex Exemple, président·e"):
        assert expected in text, expected
    assert "coordination@ma-sphere.example" in text
    assert "GE OPEP" not in text and "Camille Exemple" not in text
