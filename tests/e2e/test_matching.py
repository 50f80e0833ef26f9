"""A coordinator matches a selected file; the mentor accepts from the e-mail link."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accompagnements.models import Accompagnement
from annuaire.models import Competence, Domaine
from candidatures.models import Besoin, EntretienDiagnostic, Etat
from tests.factories import DEFAULT_PASSWORD, CandidatureFactory, PersonneRessourceFactory, ProgrammeFactory, UserFactory


def _login(page, email: str, password: str) -> None:
    # The shared helper (tests/e2e/conftest.py) also passes the coordination's second factor.
    from tests.e2e.conftest import login

    login(page, email, password)
    page.get_by_role("heading", level=1, name="Mon espace").wait_for()


@pytest.mark.django_db(transaction=True)
def test_coordinator_proposes_the_first_mentor_who_accepts_from_the_email(page, shot, assert_accessible):
    domaine, _ = Domaine.objects.get_or_create(slug="e2e-financements", defaults={"nom": "Financements (e2e)", "ordre": 99})
    mecenat = Competence.objects.create(domaine=domaine, nom="Mécénat (e2e)")
    paie = Competence.objects.create(domaine=domaine, nom="Paie (e2e)")
    programme = ProgrammeFactory()
    candidature = CandidatureFactory(
        programme=programme,
        etat=Etat.SELECTIONNEE,
        format_retenu=programme.formats.get(code="tsf"),
        demi_journees_retenues=2,
        structure__raison_sociale="La Cigalière",
        structure__departement="34",
    )
    diagnostic = EntretienDiagnostic.objects.create(candidature=candidature, debut=timezone.now())
    Besoin.objects.create(diagnostic=diagnostic, competence=mecenat, priorite=3)
    Besoin.objects.create(diagnostic=diagnostic, competence=paie, priorite=1)
    best = PersonneRessourceFactory(
        prenom="Alice", nom="Mécène", competences=[(mecenat, 3), (paie, 2)], departement="30", mobilite="region"
    )
    PersonneRessourceFactory(prenom="Bruno", nom="Paie", competences=[(paie, 3)], departement="31")
    coordinateur = UserFactory(email="coord-e2e@exemple.test", roles=["coordination"])
    EmailAddress.objects.create(user=coordinateur, email=coordinateur.email, verified=True, primary=True)

    _login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(page.base_url + "/annuaire/appariement/")
    page.get_by_role("link", name=re.compile(candidature.reference)).click()
    page.get_by_role("heading", level=1, name=re.compile("Appariement du dossier")).wait_for()
    first = page.locator("li[data-rang='1']")
    assert "Alice Mécène" in first.get_by_role("heading").inner_text()
    assert "Mécénat (e2e) (niveau 3/3)" in first.inner_text()
    assert "fait circuler les savoir-faire" in first.inner_text() or "territoires" in first.inner_text()
    shot(page, "classement")
    assert_accessible(page)
    mail.outbox.clear()
    first.get_by_role("button", name=re.compile("Proposer à Alice")).click()
    page.get_by_text("Proposition envoyée à la personne-ressource.").wait_for()

    email = next(m for m in mail.outbox if best.email in m.to)
    link = re.search(r"(https?://\S+/annuaire/reponse/\S+\?reponse=accepter)", email.body).group(1)
    path = link.split("/annuaire/", 1)[1]
    mentor_page = page.context.browser.new_context(locale="fr-FR", bypass_csp=True).new_page()  # not signed in
    mentor_page.goto(page.base_url + "/annuaire/" + path)
    mentor_page.get_by_role("heading", name="Proposition de mission").wait_for()
    assert "La Cigalière" in mentor_page.content()
    shot(mentor_page, "proposition")
    assert_accessible(mentor_page)
    mentor_page.get_by_role("button", name="J’accepte la mission").click()
    mentor_page.get_by_text("Vous avez accepté cette mission").wait_for()
    shot(mentor_page, "acceptee")

    accompagnement = Accompagnement.objects.get(candidature=candidature)
    assert list(accompagnement.mentors.all()) == [best]
    assert accompagnement.demi_journees_prevues == 2
    mentor_page.context.close()


@pytest.mark.django_db(transaction=True)
def test_public_mentor_application_on_a_phone(mobile_page, shot, assert_accessible):
    from annuaire.models import PersonneRessource
    from tests.factories import StructureFactory

    domaine, _ = Domaine.objects.get_or_create(slug="e2e-communication", defaults={"nom": "Communication (e2e)", "ordre": 98})
    competence = Competence.objects.create(domaine=domaine, nom="Relations presse (e2e)")
    structure = StructureFactory(raison_sociale="Le Bikini")
    page = mobile_page
    page.goto(page.base_url + "/annuaire/devenir-personne-ressource/")
    page.get_by_role("heading", level=1, name="Devenir personne-ressource").wait_for()
    assert_accessible(page)
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.get_by_role("heading", name=re.compile("Le formulaire contient")).wait_for()
    assert page.get_by_label("Prénom").input_value() == "Inès"
    shot(page, "erreurs")
    page.locator("#id_nom").fill("Martin")
    page.get_by_label("Adresse e-mail").fill("ines@exemple.test")
    page.get_by_label("Parcours et expériences").fill("Attachée de presse depuis dix ans.")
    page.get_by_label("SIRET de la structure employeuse").fill(structure.siret)
    page.get_by_label("Votre département").select_option("31")
    page.get_by_label("Relations presse (e2e)").select_option("3")
    page.get_by_label("Festival").check()
    page.get_by_label("3 à 9 salarié·es").check()
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.get_by_role("heading", name="Merci, votre candidature est reçue").wait_for()
    pr = PersonneRessource.objects.get(email="ines@exemple.test")
    assert pr.structure == structure and pr.competences.get() == competence
