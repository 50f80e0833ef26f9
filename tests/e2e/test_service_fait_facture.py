"""One accompaniment from the signed convention to the payment (issue 17): sessions held and confirmed
by both (from the space and from the e-mail's signed link), one disputed and settled by the
coordination, the invoice deposited, its wrong amount refused with the expected figure, returned,
corrected, approved and paid; the mentor sees « Payée »."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accompagnements import services as accompagnements
from accompagnements.liens import lien_absolu
from tests.e2e.conftest import login
from tests.e2e.test_sessions import logout, verified
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    SeanceFactory,
    UserFactory,
    convention_signee,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db(transaction=True)
def test_from_signed_convention_to_paid_invoice(page, shot, assert_accessible, tmp_path, settings):
    programme = ProgrammeFactory()
    mentor = PersonneRessourceFactory()
    verified(mentor.user)
    acc = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)
    verified(acc.beneficiaire)
    coordinateur = verified(UserFactory(roles=["coordination"]))
    convention_signee(acc, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=12))
    # Three sessions held and reported by the mentor (marking held is the mentor's own "yes").
    seances = []
    for days in (9, 6, 3):
        seance = SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=days))
        accompagnements.seance_mark_held(seance=seance, by=mentor.user)
        accompagnements.compte_rendu_submit(
            seance=seance, travaux="Travail sur le mécénat.", outils="", progres={}, prochaines_etapes="Suite.", by=mentor.user
        )
        seances.append(seance)
    s1, s2, s3 = seances
    settings.SITE_URL = page.base_url
    base = page.base_url

    # The beneficiary confirms the first one from their space…
    login(page, acc.beneficiaire.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/accompagnements/seances/{s1.pk}/")
    page.get_by_label("Oui, la séance a eu lieu").check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_test_id("service-fait")).to_have_text("Confirmée par les deux")
    assert_accessible(page)
    # …disputes the third one…
    page.goto(f"{base}/accompagnements/seances/{s3.pk}/")
    page.get_by_label("Non, la séance n’a pas eu lieu").check()
    page.get_by_label(re.compile("Commentaire")).fill("Nous nous sommes seulement appelés dix minutes.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_test_id("service-fait")).to_have_text("Contestée")
    logout(page)
    # …and confirms the second one from the e-mail's signed link, without logging in.
    page.goto(lien_absolu(s2, acc.beneficiaire))
    page.get_by_label("Oui, la séance a eu lieu").check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Merci, votre réponse est enregistrée")).to_be_visible()
    expect(page.get_by_test_id("service-fait")).to_have_text("Confirmée par les deux")
    shot(page, "confirmation par lien")

    # The coordination settles the disputed session.
    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/accompagnements/seances/service-fait-a-traiter/")
    expect(page.get_by_role("cell", name="Contestée")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(str(timezone.localtime(s3.debut).year))).first.click()
    page.get_by_label("La séance a eu lieu (payable)").check()
    page.get_by_label("Motif de la décision").fill("La personne-ressource a fourni le support de séance.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_test_id("service-fait")).to_have_text("Tenue (décision de la coordination)")
    expect(page.get_by_test_id("confirmations")).to_contain_text("Nous nous sommes seulement appelés dix minutes.")
    logout(page)

    # The mentor sees what is payable and deposits an invoice with a wrong amount.
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/budget/factures/")
    expect(page.get_by_test_id("a-facturer")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("link", name="Déposer une facture").click()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_label("Numéro de la facture").fill("2026-042")
    page.get_by_label("Montant facturé (€)").fill("1 000,00")
    invoice = tmp_path / "facture.pdf"
    invoice.write_bytes(PDF)
    page.get_by_label("Facture (PDF)").set_input_files(str(invoice))
    page.get_by_role("button", name="Déposer la facture").click()
    expect(page.get_by_test_id("etat-facture")).to_have_text("Déposée")
    facture_url = page.url
    logout(page)

    # The coordination: the wrong amount is refused with the expected figure, the invoice returned.
    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(facture_url)
    expect(page.get_by_test_id("montant-attendu")).to_have_text(re.compile(r"750,00"))
    page.get_by_role("button", name="Approuver la facture").click()
    expect(page.get_by_text(re.compile(r"ne correspond pas au montant attendu \(750,00"))).to_be_visible()
    expect(page.get_by_test_id("etat-facture")).to_have_text("Déposée")
    shot(page, "montant refusé")
    page.get_by_label("Ce qui est à corriger").fill("Trois demi-journées à 250 € : 750 €.")
    page.get_by_role("button", name="Retourner la facture").click()
    expect(page.get_by_test_id("etat-facture")).to_have_text("À corriger")
    logout(page)

    # The mentor corrects it.
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(facture_url)
    expect(page.get_by_text("Motif du retour : Trois demi-journées à 250 € : 750 €.")).to_be_visible()
    page.get_by_role("link", name="Corriger la facture").click()
    page.get_by_label("Montant facturé (€)").fill("750,00")
    page.get_by_role("button", name="Déposer la facture corrigée").click()
    expect(page.get_by_test_id("etat-facture")).to_have_text("Déposée")
    logout(page)

    # The coordination approves and records the payment.
    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(facture_url)
    page.get_by_role("button", name="Approuver la facture").click()
    expect(page.get_by_test_id("etat-facture")).to_have_text("Approuvée")
    page.get_by_label("Référence du paiement").fill("VIR-2026-0042")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_test_id("etat-facture")).to_have_text("Payée")
    assert_accessible(page)
    logout(page)

    # The mentor sees « Payée ».
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(f"{base}/budget/factures/")
    expect(page.get_by_test_id("etat-facture")).to_have_text("Payée")
    shot(page, "facture payée vue par la personne-ressource")
    assert not [m for m in mail.outbox if "Traceback" in m.body]
