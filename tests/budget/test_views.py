import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from budget import services
from budget.documents import rapport_pdf
from budget.models import AutreDepense, Export, Paiement
from tests.factories import AccompagnementFactory, ProgrammeFactory, UserFactory, siege_comite
from tests.tagged_pdf import assert_tagged, figure_alternatives, pdftotext

from .conftest import engager, seance_annulee_tard, seance_livree

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ledger(programme, coordinateur):
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    engagement = services.engagement_create(
        accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="C", by=coordinateur
    )
    seance_livree(accompagnement, 2)
    paiement = services.paiement_create(
        accompagnement=accompagnement,
        structure=accompagnement.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("500.00"),
        reference_facture="F-1",
        by=coordinateur,
    )
    depense = services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Essaimage",
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("1234.56"),
        justificatif=SimpleUploadedFile("j.pdf", PDF),
        by=coordinateur,
    )
    return accompagnement, engagement, paiement, depense


@pytest.mark.django_db
def test_committee_reads_everything_and_writes_nothing(client, programme, coordinateur, membre_comite):
    accompagnement, engagement, paiement, depense = _ledger(programme, coordinateur)
    client.force_login(membre_comite)
    for url in [
        reverse("budget:tableau_de_bord") + f"?programme={programme.pk}",
        reverse("budget:comparaison"),
        reverse("budget:grand_livre", args=[programme.pk]) + "?lignes=paiements",
        reverse("budget:justificatif_download", args=[depense.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    writes = [
        reverse("budget:paiement_create", args=[accompagnement.pk]),
        reverse("budget:autre_depense_create", args=[programme.pk]),
        reverse("budget:engagement_correct", args=[engagement.pk]),
        reverse("budget:paiement_correct", args=[paiement.pk]),
        reverse("budget:autre_depense_correct", args=[depense.pk]),
    ]
    for url in writes:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"note": "x", "montant": "1"}).status_code == 403, url
    assert Paiement.objects.count() == 1 and AutreDepense.objects.count() == 1


@pytest.mark.django_db
def test_other_roles_get_403_and_anonymous_the_login_page(client, programme, candidat):
    url = reverse("budget:tableau_de_bord")
    assert client.get(url).status_code == 302
    client.force_login(candidat)
    assert client.get(url).status_code == 403
    assert client.get(reverse("budget:grand_livre", args=[programme.pk])).status_code == 403


@pytest.mark.django_db
def test_unknown_ids_answer_404(client, programme, coordinateur):
    client.force_login(coordinateur)
    assert client.get(reverse("budget:tableau_de_bord") + "?programme=999999").status_code == 404
    assert client.get(reverse("budget:grand_livre", args=[999999])).status_code == 404
    assert client.get(reverse("budget:paiement_create", args=[999999])).status_code == 404
    assert client.get(reverse("budget:engagement_correct", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_someone_elses_export_is_not_found(client, programme, membre_comite):
    other = UserFactory(roles=["comite_technique"])
    export = Export.objects.create(programme=programme, type_export="tableur_xlsx", demande_par=other)
    client.force_login(membre_comite)
    assert client.get(reverse("budget:export_detail", args=[export.pk])).status_code == 404
    assert client.get(reverse("budget:export_download", args=[export.pk])).status_code == 404


@pytest.mark.django_db
def test_coordinator_records_a_payment_and_an_over_payment_needs_the_override(client, programme, coordinateur):
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    engager(accompagnement, by=coordinateur)  # 500 € (2 half-days)
    seance_livree(accompagnement, 1)  # 250 €
    structure = accompagnement.mentors.get().structure
    client.force_login(coordinateur)
    url = reverse("budget:paiement_create", args=[accompagnement.pk])
    data = {"structure": structure.pk, "date_paiement": "2026-04-02", "montant": "300,00", "reference_facture": "F-7"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "au-delà du réalisé" in response.content.decode()
    assert 'value="F-7"' in response.content.decode()  # what was typed is kept
    response = client.post(url, {**data, "depassement_autorise": "on", "note": "Frais de déplacement validés"})
    assert response.status_code == 302
    assert Paiement.objects.get().montant == Decimal("300.00")


@pytest.mark.django_db
def test_other_cost_needs_a_checked_supporting_document(client, programme, coordinateur):
    client.force_login(coordinateur)
    url = reverse("budget:autre_depense_create", args=[programme.pk])
    data = {"categorie": "essaimage", "libelle": "Essaimage", "date_depense": "2026-05-01", "montant": "1 234,56"}
    response = client.post(url, {**data, "justificatif": SimpleUploadedFile("facture.pdf", b"MZ not a pdf")})
    assert response.status_code == 200 and AutreDepense.objects.count() == 0
    response = client.post(url, {**data, "justificatif": SimpleUploadedFile("facture.pdf", PDF)})
    assert response.status_code == 302
    depense = AutreDepense.objects.get()
    assert depense.montant == Decimal("1234.56")
    assert "facture" not in depense.justificatif.name  # server-generated name
    download = client.get(reverse("budget:justificatif_download", args=[depense.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_coordinator_corrects_a_line_through_the_page(client, programme, coordinateur):
    _acc, engagement, _p, _d = _ledger(programme, coordinateur)
    client.force_login(coordinateur)
    url = reverse("budget:engagement_correct", args=[engagement.pk])
    assert client.post(url, {"note": ""}).status_code == 200
    assert client.post(url, {"note": "Convention annulée"}).status_code == 302
    assert engagement.correction.montant == Decimal("-1000.00")


def _make_accompagnements(programme, n):
    for _ in range(n):
        accompagnement = AccompagnementFactory(candidature__programme=programme, mentors=[])
        seance_livree(accompagnement, 1)
        seance_annulee_tard(accompagnement, 1)


@pytest.mark.django_db
def test_dashboard_runs_the_same_number_of_queries_at_10_and_200_accompagnements(client, coordinateur, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinateur)
    counts = []
    for n in (10, 200):
        programme = ProgrammeFactory()
        _make_accompagnements(programme, n)
        url = reverse("budget:tableau_de_bord") + f"?programme={programme.pk}"
        client.get(url)  # warm the session and role caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert f"{n * 2}".encode() in response.content or n == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 25


@pytest.mark.django_db
def test_dashboard_table_pages_every_accompagnement_counted_by_the_funnel(client, coordinateur, settings):
    """The table's paginator takes its number of rows from the funnel's aggregate: every state counts,
    abandoned ones too, and the last page holds the rest."""
    from accompagnements.models import EtatAccompagnement
    from budget.views import ACCOMPAGNEMENTS_PAR_PAGE

    settings.TSF_PAGE_SIZE_MAX = 0
    programme = ProgrammeFactory()
    for _ in range(ACCOMPAGNEMENTS_PAR_PAGE):
        AccompagnementFactory(candidature__programme=programme, mentors=[])
    AccompagnementFactory(candidature__programme=programme, mentors=[], etat=EtatAccompagnement.ABANDONNE)
    client.force_login(coordinateur)
    url = reverse("budget:tableau_de_bord") + f"?programme={programme.pk}"
    page = client.get(url).context["page_obj"]
    assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (
        ACCOMPAGNEMENTS_PAR_PAGE + 1,
        2,
        ACCOMPAGNEMENTS_PAR_PAGE,
    )
    assert len(client.get(url + "&page=2").context["page_obj"].object_list) == 1


@pytest.mark.django_db
def test_ledger_and_comparison_run_a_constant_number_of_queries(client, coordinateur, django_assert_max_num_queries):
    programme = ProgrammeFactory()
    client.force_login(coordinateur)
    for _ in range(3):
        _ledger(programme, coordinateur)
    with django_assert_max_num_queries(12):
        client.get(reverse("budget:grand_livre", args=[programme.pk]) + "?lignes=paiements")
    for _ in range(9):
        _ledger(programme, coordinateur)
        ProgrammeFactory()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("budget:grand_livre", args=[programme.pk]) + "?lignes=paiements").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("budget:comparaison")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_xlsx_export_reopens_with_real_numbers_dates_and_euro_formats(client, coordinateur):
    programme = ProgrammeFactory()
    _ledger(programme, coordinateur)
    client.force_login(coordinateur)
    response = client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": "tableur_xlsx"})
    export = Export.objects.get()
    assert response.url == reverse("budget:export_detail", args=[export.pk])
    assert export.etat == "pret" and export.progression == 100
    assert "Télécharger" in client.get(response.url).content.decode()
    download = client.get(reverse("budget:export_download", args=[export.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames == ["Synthèse", "Engagements", "Paiements", "Autres dépenses", "Accompagnements"]
    paiements = workbook["Paiements"]
    assert paiements["A2"].is_date and paiements["A2"].value.date() == datetime.date(2026, 4, 2)
    assert paiements["E2"].value == 500 and "€" in paiements["E2"].number_format
    assert paiements["G2"].is_date
    depenses = workbook["Autres dépenses"]
    assert depenses["D2"].value == pytest.approx(1234.56) and depenses["D2"].number_format == '#,##0.00 "€"'
    synthese = {row[0].value: row[1] for row in workbook["Synthèse"].iter_rows()}
    assert synthese["Reste disponible (enveloppe − engagé − autres dépenses)"].value == pytest.approx(27765.44)
    assert workbook["Accompagnements"]["K2"].value == 500  # delivered: one day


@pytest.mark.django_db(transaction=True)
def test_pdf_report_is_prepared_and_downloaded(client, membre_comite, coordinateur):
    programme = ProgrammeFactory()
    siege_comite(membre_comite, programme)
    _ledger(programme, coordinateur)
    client.force_login(membre_comite)
    response = client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": "rapport_pdf"})
    export = Export.objects.get()
    assert export.etat == "pret", export.erreur
    download = client.get(reverse("budget:export_download", args=[export.pk]))
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    assert download["Content-Type"] == "application/pdf"
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_pdf_report_is_tagged_with_headed_tables_and_its_charts_described(programme, coordinateur):
    _ledger(programme, coordinateur)
    pdf = rapport_pdf(programme=programme)
    title = f"Rapport de suivi – {programme.nom}"
    doc = assert_tagged(pdf, title=title, expect=("H1", "H2", "H3", "P", "Table", "TH", "TD", "Figure"))
    assert ("H2", "Budget") in doc.headings() and ("H2", "Liste des actions") in doc.headings()
    # Each chart is a Figure with its SVG title as alternative text.
    alternatives = figure_alternatives(pdf)
    assert len(alternatives) >= 2 and all(alternatives), alternatives
    text = pdftotext(pdf)
    assert "Reste disponible" in text and "1 234,56 €" in text


@pytest.mark.django_db
def test_export_status_page_refreshes_while_in_progress_and_says_when_it_failed(client, programme, membre_comite):
    export = Export.objects.create(programme=programme, type_export="rapport_pdf", demande_par=membre_comite, progression=40)
    client.force_login(membre_comite)
    page = client.get(reverse("budget:export_detail", args=[export.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and '<progress id="avancement"' in page and 'value="40"' in page
    Export.objects.filter(pk=export.pk).update(etat="echec")
    page = client.get(reverse("budget:export_detail", args=[export.pk])).content.decode()
    assert "a échoué" in page and 'http-equiv="refresh"' not in page
    assert client.get(reverse("budget:export_download", args=[export.pk])).status_code == 404


@pytest.mark.django_db
def test_export_request_is_post_only(client, programme, membre_comite):
    client.force_login(membre_comite)
    assert client.get(reverse("budget:export_request", args=[programme.pk])).status_code == 405


@pytest.mark.django_db
def test_the_payment_page_refuses_40000_on_a_1000_convention_even_with_the_override(client, programme, coordinateur):
    """Issue 13, defect 1, through the page: nothing is recorded and the reason is next to the amount."""
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    engager(accompagnement, by=coordinateur)  # 1 000 €
    client.force_login(coordinateur)
    response = client.post(
        reverse("budget:paiement_create", args=[accompagnement.pk]),
        {
            "structure": accompagnement.mentors.get().structure.pk,
            "date_paiement": "2026-04-02",
            "montant": "40 000,00",
            "reference_facture": "F-40K",
            "depassement_autorise": "on",
            "note": "Une note",
        },
    )
    assert response.status_code == 200
    assert "montant" in response.context["form"].errors
    assert "au-delà de l’engagé" in " ".join(response.context["form"].errors["montant"])
    assert Paiement.objects.count() == 0
