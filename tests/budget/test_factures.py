"""Invoices (issue 17): deposit against payable sessions, the coordination's check of the expected
amount, return, approval, payment through the ledger; who sees what; the accountant's CSV."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import ServiceFait
from budget.models import EtatFacture, Facture, FactureSeance, Paiement, RegleRepartition
from budget.services import (
    facture_analyser,
    facture_approuver,
    facture_corriger,
    facture_deposer,
    facture_payer,
    facture_retourner,
)
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.uploads import CheckedUpload, check_upload
from tests.budget.conftest import engager, seance_livree
from tests.budget.test_financeurs import trois_financeurs
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, StructureFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def checked(content=PDF, name="facture.pdf"):
    return check_upload(SimpleUploadedFile(name, content))


def confirmee(acc, demi_journees=1, days_ago=10):
    seance = seance_livree(acc, demi_journees, days_ago=days_ago)
    seance.service_fait = ServiceFait.CONFIRMEE
    seance.save(update_fields=["service_fait"])
    return seance


@pytest.fixture
def mentor(db):
    return PersonneRessourceFactory()


@pytest.fixture
def acc(programme, mentor, coordinateur):
    acc = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)
    engager(acc, by=coordinateur)
    return acc


def deposer(acc, mentor, seances, montant, numero="F-2026-01"):
    return facture_deposer(
        structure=mentor.structure, seances=seances, numero=numero, montant=Decimal(montant), checked=checked(), by=mentor.user
    )


def test_the_full_path_deposit_refused_mismatch_return_correct_approve_pay(acc, mentor, coordinateur):
    s1, s2 = confirmee(acc), confirmee(acc, 2)
    attendu = acc.programme.montant_pour(3)
    facture = deposer(acc, mentor, [s1, s2], attendu + 10)
    assert facture.etat == EtatFacture.DEPOSEE
    with pytest.raises(RuleViolation) as error:
        facture_approuver(facture=facture, by=coordinateur)
    assert "montant attendu" in error.value.message and f"{attendu:.2f}".replace(".", ",")[:3] in error.value.message
    with pytest.raises(RuleViolation):
        facture_retourner(facture=facture, motif="  ", by=coordinateur)
    facture_retourner(facture=facture, motif="Le montant doit être celui des 3 demi-journées.", by=coordinateur)
    assert facture.etat == EtatFacture.A_CORRIGER
    facture_corriger(facture=facture, seances=[s1, s2], numero="F-2026-01b", montant=attendu, by=mentor.user)
    facture.refresh_from_db()
    facture_approuver(facture=facture, by=coordinateur)
    facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="VIR-778", mode="virement", by=coordinateur)
    facture.refresh_from_db()
    assert facture.etat == EtatFacture.PAYEE
    (paiement,) = Paiement.objects.filter(facture=facture)
    assert (paiement.montant, paiement.reference_facture, paiement.reference_paiement) == (attendu, "F-2026-01b", "VIR-778")
    assert [e.to_state for e in facture.evenements.filter(kind="transition")] == ["a_corriger", "deposee", "approuvee", "payee"]


def test_the_coordinations_return_and_payment_pages_save_or_show_the_refusal_on_their_form(client, acc, mentor, coordinateur):
    facture = deposer(acc, mentor, [confirmee(acc)], acc.programme.montant_pour(1))
    client.force_login(coordinateur)
    retourner = reverse("budget:facture_retourner", args=[facture.pk])
    refused = client.post(retourner, {"motif": "   "})
    assert refused.status_code == 400
    assert refused.context["retour_form"].errors and "motif" in refused.context["retour_form"].errors
    response = client.post(retourner, {"motif": "Le numéro manque."})
    assert response.status_code == 302 and response["Location"] == reverse("budget:facture_detail", args=[facture.pk])
    facture.refresh_from_db()
    assert (facture.etat, facture.motif_retour) == (EtatFacture.A_CORRIGER, "Le numéro manque.")
    # Not approved: the payment is refused next to the form, the page again.
    payer = reverse("budget:facture_payer", args=[facture.pk])
    refused = client.post(payer, {"date_paiement": timezone.localdate().isoformat(), "reference": "V", "mode": "virement"})
    assert refused.status_code == 400 and refused.context["paiement_form"].errors
    assert not Paiement.objects.filter(facture=facture).exists()


def test_an_unconfirmed_session_cannot_be_invoiced(acc, mentor):
    seance = seance_livree(acc)
    with pytest.raises(RuleViolation, match="pas encore payable"):
        deposer(acc, mentor, [seance], "250.00")


def test_a_late_cancellation_counted_is_payable(acc, mentor, annulee_tard):
    seance = annulee_tard(acc)
    facture = deposer(acc, mentor, [seance], str(acc.programme.montant_pour(1)))
    assert list(facture.lignes.values_list("seance_id", flat=True)) == [seance.pk]


def test_a_session_is_never_invoiced_twice(acc, mentor):
    seance = confirmee(acc)
    facture = deposer(acc, mentor, [seance], "250.00")
    with pytest.raises(RuleViolation, match="déjà sur une autre facture"):
        deposer(acc, mentor, [seance], "250.00", numero="F-2")
    other = Facture.objects.create(
        programme=acc.programme, structure=mentor.structure, numero="F-3", montant=Decimal("1"), fichier="x.pdf"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FactureSeance.objects.create(facture=other, seance=seance)
    assert facture.lignes.count() == 1


def test_only_a_pdf_and_only_for_ones_own_structure_and_sessions(acc, mentor, programme):
    seance = confirmee(acc)
    with pytest.raises(RuleViolation, match="PDF"):
        facture_deposer(
            structure=mentor.structure,
            seances=[seance],
            numero="F",
            montant=Decimal("250"),
            checked=CheckedUpload(
                content=b"x", content_type="image/png", extension=".png", size=1, sha256="0" * 64, display_name="f.png"
            ),
            by=mentor.user,
        )
    with pytest.raises(PermissionRefused):
        facture_deposer(
            structure=StructureFactory(), seances=[seance], numero="G", montant=Decimal("250"), checked=checked(), by=mentor.user
        )
    autre = PersonneRessourceFactory()
    autre_acc = AccompagnementFactory(candidature__programme=programme, mentors=[autre])
    with pytest.raises(RuleViolation, match="pas assurée par une personne-ressource de votre structure"):
        deposer(autre_acc, mentor, [confirmee(autre_acc)], "250.00", numero="H")


def test_only_the_coordination_approves_returns_and_pays(acc, mentor):
    facture = deposer(acc, mentor, [confirmee(acc)], str(acc.programme.montant_pour(1)))
    for call in (
        lambda: facture_approuver(facture=facture, by=mentor.user),
        lambda: facture_retourner(facture=facture, motif="x", by=mentor.user),
    ):
        with pytest.raises(PermissionRefused):
            call()


def test_an_invoice_is_paid_only_once_approved(acc, mentor, coordinateur):
    facture = deposer(acc, mentor, [confirmee(acc)], str(acc.programme.montant_pour(1)))
    with pytest.raises(TransitionRefused, match="Déposée"):
        facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="V", mode="virement", by=coordinateur)
    facture_approuver(facture=facture, by=coordinateur)
    facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="V", mode="virement", by=coordinateur)
    with pytest.raises(TransitionRefused, match="Payée"):
        facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="V", mode="virement", by=coordinateur)
    assert Paiement.objects.filter(facture=facture).count() == 1


def test_a_mentor_cannot_see_another_structures_invoice(client, acc, mentor):
    facture = deposer(acc, mentor, [confirmee(acc)], "250.00")
    autre = PersonneRessourceFactory()
    client.force_login(autre.user)
    assert client.get(reverse("budget:facture_detail", args=[facture.pk])).status_code == 404
    assert client.get(reverse("budget:facture_telecharger", args=[facture.pk])).status_code == 404
    assert "F-2026-01" not in client.get(reverse("budget:factures")).content.decode()
    client.force_login(mentor.user)
    page = client.get(reverse("budget:facture_detail", args=[facture.pk])).content.decode()
    assert "Déposée" in page and "Approuver la facture" not in page


def test_invoice_list_queries_do_not_grow_with_rows(client, acc, mentor, coordinateur, django_assert_max_num_queries):
    for n in range(4):
        deposer(acc, mentor, [confirmee(acc, days_ago=10 + n)], "250.00", numero=f"F-{n}")
    confirmee(acc, days_ago=20)  # still to invoice
    for user, texte in ((coordinateur, "F-3"), (mentor.user, "Séances payables à facturer")):
        client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("budget:factures"))
        assert response.status_code == 200 and texte in response.content.decode()
    client.force_login(coordinateur)
    facture = Facture.objects.get(numero="F-0")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("budget:facture_detail", args=[facture.pk]))
    assert response.status_code == 200 and "Montant attendu" in response.content.decode()


def test_the_accountants_csv_lists_the_period_payments_neutralised(client, acc, mentor, coordinateur):
    mentor.structure.raison_sociale = "=HYPERLINK(1)"
    mentor.structure.save()
    facture = deposer(acc, mentor, [confirmee(acc)], str(acc.programme.montant_pour(1)))
    facture_approuver(facture=facture, by=coordinateur)
    facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="VIR-1", mode="virement", by=coordinateur)
    client.force_login(coordinateur)
    today = timezone.localdate()
    response = client.get(reverse("budget:paiements_csv"), {"du": today - datetime.timedelta(days=1), "au": today})
    assert response.status_code == 200
    lines = io.StringIO(response.content.decode("utf-8-sig")).read().splitlines()
    assert lines[0].startswith("Date;Bénéficiaire du paiement;SIRET;N° de facture;Montant (€);Programme;Part financeur")
    assert "'=HYPERLINK(1)" in lines[1] and "F-2026-01" in lines[1] and ";—;" in lines[1]
    client.force_login(mentor.user)
    assert client.get(reverse("budget:paiements_csv")).status_code == 403


def test_the_structure_and_the_coordination_are_told_by_e_mail(acc, mentor, coordinateur, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        facture = deposer(acc, mentor, [confirmee(acc)], "999.00")
        facture_retourner(facture=facture, motif="Montant : 250 €.", by=coordinateur)
    subjects = {m.subject: m.to for m in mail.outbox}
    assert any("déposée par" in s for s in subjects)
    assert subjects["Facture F-2026-01 à corriger"] == [mentor.user.email]
    assert "Montant : 250 €." in mail.outbox[-1].body


def infected_scanner(content: bytes, *, name: str = "") -> str:
    return "infecte"


def test_with_an_antivirus_the_invoice_waits_for_its_scan_and_an_infected_one_is_returned(acc, mentor, coordinateur, settings):
    settings.UPLOAD_SCANNER = "tests.budget.test_factures.infected_scanner"
    facture = deposer(acc, mentor, [confirmee(acc)], str(acc.programme.montant_pour(1)))
    assert facture.scan == "en_attente"
    with pytest.raises(RuleViolation, match="antivirus"):
        facture_approuver(facture=facture, by=coordinateur)
    assert facture_analyser(facture_id=facture.pk) == "infecte"
    facture.refresh_from_db()
    assert facture.etat == EtatFacture.A_CORRIGER and "antivirus" in facture.motif_retour


def test_the_accountants_csv_gives_each_funders_share_of_a_payment(client, programme, mentor, coordinateur):
    # The contributions come before the first commitment (budget.services.contribution_create).
    trois_financeurs(programme, regle=RegleRepartition.PRORATA)
    acc = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)
    engager(acc, by=coordinateur)
    facture = deposer(acc, mentor, [confirmee(acc, demi_journees=2)], str(programme.montant_pour(2)))
    facture_approuver(facture=facture, by=coordinateur)
    facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="VIR-2", mode="virement", by=coordinateur)
    client.force_login(coordinateur)
    today = timezone.localdate()
    response = client.get(reverse("budget:paiements_csv"), {"du": today, "au": today})
    assert response.status_code == 200
    row = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig").splitlines()[1]), delimiter=";"))
    shares = dict(part.split(" : ") for part in row[6].split(" ; "))
    assert set(shares) == {"DRAC", "CNM", "Région"}
    assert sum(Decimal(v.replace(",", ".")) for v in shares.values()) == programme.montant_pour(2)
