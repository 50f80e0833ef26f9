"""The three parties sign the convention in the browser; the final PDF downloaded matches its fingerprint."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accompagnements.services import objectifs_valider
from conventions.models import Convention, EtatConvention
from tests.e2e.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    IndicateurFactory,
    ObjectifFactory,
    PersonneRessourceFactory,
    UserFactory,
)


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _new_page(browser, live_server):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True, accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


@pytest.mark.django_db(transaction=True)
def test_three_parties_sign_and_download_the_final_pdf(browser, live_server, shot, assert_accessible):
    mentor = PersonneRessourceFactory(prenom="Martine", nom="Mentor")
    accompagnement = AccompagnementFactory(etat="objectifs", mentors=[mentor], demi_journees_prevues=2)
    objectif = ObjectifFactory(accompagnement=accompagnement, intitule="Construire une stratégie de mécénat")
    IndicateurFactory(objectif=objectif, cible=Decimal("3"))
    coordinateur = UserFactory(first_name="Camille", last_name="Coordination", roles=["coordination"])
    for user in (mentor.user, accompagnement.beneficiaire, coordinateur):
        _verified(user)
    objectifs_valider(accompagnement=accompagnement, by=mentor.user)
    objectifs_valider(accompagnement=accompagnement, by=accompagnement.beneficiaire)
    convention = Convention.objects.get(accompagnement=accompagnement)
    assert convention.etat == EtatConvention.EN_SIGNATURE

    detail = f"{live_server.url}/accompagnements/{accompagnement.pk}/"
    for label, user in (
        ("personne-ressource", mentor.user),
        ("beneficiaire", accompagnement.beneficiaire),
        ("coordination", coordinateur),
    ):
        page = _new_page(browser, live_server)
        login(page, user.email, DEFAULT_PASSWORD)
        expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
        page.goto(detail)
        page.get_by_role("link", name=re.compile("Lire et signer")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Signer la convention")
        if label == "personne-ressource":
            assert_accessible(page)
        page.get_by_role("button", name="Signer la convention").click()
        expect(page.get_by_text("Cochez la case").first).to_be_visible()
        page.get_by_label("J’ai lu la convention et je la signe").check()
        shot(page, f"{label}-avant-signature")
        page.get_by_role("button", name="Signer la convention").click()
        expect(page.get_by_text("Votre signature est enregistrée")).to_be_visible()
        shot(page, f"{label}-apres-signature")
        if label == "coordination":
            expect(page.get_by_text("Signée par les trois parties")).to_be_visible()
            assert_accessible(page)
            with page.expect_download() as download_info:
                page.get_by_role("link", name="Télécharger la convention signée (PDF)").click()
            content = open(download_info.value.path(), "rb").read()
        page.context.close()

    convention.refresh_from_db()
    assert convention.etat == EtatConvention.SIGNEE
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == convention.pdf_final_sha256
    assert convention.signatures.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_mentor_writes_an_objective_and_an_indicator_on_a_phone(mobile_page, shot, assert_accessible):
    page = mobile_page
    mentor = PersonneRessourceFactory()
    accompagnement = AccompagnementFactory(etat="objectifs", mentors=[mentor])
    _verified(mentor.user)
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    page.goto(f"{page.base_url}/accompagnements/{accompagnement.pk}/")
    page.get_by_role("link", name="Ajouter un objectif").click()
    page.locator("#id_intitule").fill("Construire une stratégie de mécénat")
    page.get_by_label("À quoi verra-t-on la réussite ?").fill("Trois dossiers déposés avant l’été")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=re.compile("Construire une stratégie de mécénat"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Ajouter un indicateur")).click()
    page.get_by_label("Quantitatif").check()
    page.locator("#id_libelle").fill("Dossiers de mécénat déposés")
    page.get_by_role("button", name="Enregistrer").click()
    # A quantitative indicator without unit nor target: the errors are shown next to the fields.
    expect(page.get_by_text("Un indicateur quantitatif a besoin d’une unité.").first).to_be_visible()
    assert page.locator("#id_libelle").input_value() == "Dossiers de mécénat déposés"
    assert_accessible(page)
    shot(page, "indicateur-erreurs")
    page.get_by_label("Unité").fill("dossiers")
    page.get_by_label("Valeur de départ").fill("0")
    page.get_by_label("Cible").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L’indicateur est ajouté.")).to_be_visible()
    page.get_by_role("button", name="Je valide la grille d’objectifs").click()
    expect(page.get_by_text("Votre validation est enregistrée")).to_be_visible()
    assert_accessible(page)
    shot(page, "grille-validee-par-le-mentor")
    accompagnement.refresh_from_db()
    assert accompagnement.grille_validee_mentor_le is not None and accompagnement.etat == "objectifs"
