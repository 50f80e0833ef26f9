"""A committee member follows the programme: dashboard with charts, PDF report and XLSX, read-only."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from openpyxl import load_workbook

from budget import services
from budget.models import AutreDepense, Engagement
from tests.budget.conftest import seance_livree
from tests.factories import DEFAULT_PASSWORD, AccompagnementFactory, ProgrammeFactory, UserFactory, convention_signee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page, email: str, password: str) -> None:
    # tests.e2e.conftest.login looks fields up by their label, but the login page of this branch
    # renders empty <label>s (reported); the field ids are stable.
    page.goto(page.base_url + "/comptes/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^(?!.*/comptes/login/).*$"))


@pytest.mark.django_db(transaction=True)
def test_committee_member_sees_the_dashboard_downloads_the_documents_and_cannot_write(page, shot, assert_accessible):
    from django.core.files.base import ContentFile

    coordinateur = UserFactory(roles=["coordination"])
    programme = ProgrammeFactory(nom="TSF Occitanie 2026")
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    # Signed a month ago (through the services: PDF, signatures, the 1 000 € commitment).
    convention = convention_signee(accompagnement, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=30))
    engagement = Engagement.objects.get(convention=convention)
    seance_livree(accompagnement, 2)
    paiement = services.paiement_create(
        accompagnement=accompagnement,
        structure=accompagnement.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("500.00"),
        reference_facture="F-2026-01",
        by=coordinateur,
    )
    depense = services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre d’essaimage",
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("2500.00"),
        justificatif=ContentFile(PDF, name="j.pdf"),
        by=coordinateur,
    )
    membre = UserFactory(roles=["comite_technique"], comite=[programme])
    EmailAddress.objects.create(user=membre, email=membre.email, verified=True, primary=True)

    login(page, membre.email, DEFAULT_PASSWORD)
    page.goto(f"{page.base_url}/budget/?programme={programme.pk}")
    page.get_by_role("heading", level=1, name=re.compile("Tableau de bord")).wait_for()
    # Figures and charts (server-side SVG, labelled for assistive technologies).
    assert page.get_by_text("26 500,00", exact=False).first.is_visible()  # 30 000 − 1 000 − 2 500
    assert page.get_by_role("img", name="Enveloppe et consommation").is_visible()
    assert page.get_by_role("img", name=re.compile("Jours réalisés et projection")).is_visible()
    assert page.locator("svg.tsf-chart-svg").count() >= 7
    assert page.get_by_role("button", name="Paiement").count() == 0
    assert page.get_by_role("link", name=re.compile("^Paiement")).count() == 0
    shot(page, "tableau de bord")
    assert_accessible(page)

    # The dated PDF report.
    page.get_by_role("button", name=re.compile("Rapport de suivi")).click()
    page.get_by_role("link", name="Télécharger le document").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le document").click()
    download = download_info.value
    assert re.match(r"rapport-.+-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    shot(page, "rapport prêt")

    # The XLSX workbook.
    page.goto(f"{page.base_url}/budget/?programme={programme.pk}")
    page.get_by_role("button", name=re.compile("XLSX")).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le document").click()
    with open(download_info.value.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    assert workbook["Paiements"]["E2"].value == 500

    # Read-only: every write view answers 403 to the committee, and the ledger offers no correction.
    page.goto(f"{page.base_url}/budget/programmes/{programme.pk}/grand-livre/?lignes=depenses")
    assert page.get_by_role("link", name=re.compile("Corriger")).count() == 0
    assert page.get_by_role("link", name=re.compile("Saisir une autre dépense")).count() == 0
    for url in [
        f"/budget/accompagnements/{accompagnement.pk}/paiement/",
        f"/budget/programmes/{programme.pk}/depenses/nouvelle/",
        f"/budget/engagements/{engagement.pk}/correction/",
        f"/budget/paiements/{paiement.pk}/correction/",
        f"/budget/depenses/{depense.pk}/correction/",
    ]:
        assert page.goto(page.base_url + url).status == 403, url
        status = page.evaluate(
            """async (url) => {
                const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
                const body = new URLSearchParams({note: 'x', csrfmiddlewaretoken: token ? token.split('=')[1] : ''});
                return (await fetch(url, {method: 'POST', body})).status;
            }""",
            url,
        )
        assert status == 403, url
    assert AutreDepense.objects.count() == 1
