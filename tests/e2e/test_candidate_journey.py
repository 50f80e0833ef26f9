"""The candidate's journey in a real browser: public site, account, questionnaire, submission, space.

Every page of the journey is checked with axe-core (WCAG 2.1 A/AA) and photographed.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from annuaire.models import Competence, Domaine
from candidatures.models import Candidature, Etat
from tests.candidatures.conftest import MINIMAL_PDF
from tests.factories import DEFAULT_PASSWORD, CandidatureFactory, ProgrammeFactory, UserFactory, valid_siret

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Une-phrase-de-passe-solide-2026"


def _verified_user(email: str, **kwargs):
    from allauth.account.models import EmailAddress

    user = UserFactory(email=email, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _referentiel():
    domaine, _ = Domaine.objects.get_or_create(slug="financements", defaults={"nom": "Recherche de financements", "ordre": 3})
    Competence.objects.get_or_create(domaine=domaine, nom="Mécénat et partenariats privés")


def _link_in_last_email(pattern: str) -> str:
    body = mail.outbox[-1].body
    match = re.search(pattern, body)
    assert match, body
    return match.group(0)


def _check(page, shot, assert_accessible, label: str) -> None:
    shot(page, label)
    assert_accessible(page)


def test_a_new_applicant_goes_through_the_whole_journey(page, shot, assert_accessible):
    ProgrammeFactory(nom="TSF Occitanie 2026")
    _referentiel()
    base = page.base_url

    # Public site.
    for path, label in [
        ("/", "accueil"),
        ("/faq/", "faq"),
        ("/devenir-personne-ressource/", "devenir-personne-ressource"),
        ("/mentions-legales/", "mentions-legales"),
        ("/donnees-personnelles/", "donnees-personnelles"),
        ("/accessibilite/", "accessibilite"),
    ]:
        page.goto(base + path)
        _check(page, shot, assert_accessible, label)

    # Sign up and verify the e-mail address.
    page.goto(base + "/")
    page.get_by_role("link", name="Créer mon compte et candidater").click()
    page.wait_for_url(re.compile(r"/comptes/signup/"))
    _check(page, shot, assert_accessible, "inscription")
    page.locator("input[name=email]").fill("camille.candidate@exemple.test")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/comptes/confirm-email/"))
    _check(page, shot, assert_accessible, "verification-envoyee")
    link = _link_in_last_email(r"https?://\S+/comptes/confirm-email/\S+/")
    page.goto(link)
    _check(page, shot, assert_accessible, "confirmation-adresse")
    page.locator("main form button[type=submit]").click()

    # Log in (allauth may already have logged the person in after the confirmation).
    if "/comptes/login/" in page.url:
        _check(page, shot, assert_accessible, "connexion")
        page.locator("input[name=login]").fill("camille.candidate@exemple.test")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
    page.goto(base + "/candidatures/deposer/")
    _check(page, shot, assert_accessible, "deposer")
    page.get_by_role("button", name="Commencer le questionnaire").click()

    # Step 1: the applicant.
    page.wait_for_url(re.compile(r"/questionnaire/demandeur/"))
    assert page.get_by_text("Étape 1 sur 10").is_visible()
    page.locator("#id_prenom").fill("Camille")
    page.locator("#id_nom").fill("Candidate")
    page.locator("#id_statut_demandeur_0").check()
    page.locator("#id_fonction").fill("Chargée de développement")
    page.locator("#id_presentation").fill("Je développe les actions culturelles d’une salle de concert.")
    _check(page, shot, assert_accessible, "etape-1-demandeur")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 2: the structure, first with a département outside Occitanie and a wrong SIRET.
    page.wait_for_url(re.compile(r"/questionnaire/structure/"))
    page.locator("#id_raison_sociale").fill("Le Bocal sonore")
    page.locator("#id_siret").fill("12345678901234")
    page.locator("#id_forme_juridique").select_option("association")
    page.locator("#id_type_structure").select_option("scene")
    page.locator("#id_code_postal").fill("75011")
    page.locator("#id_commune").fill("Paris")
    page.locator("#id_departement").select_option("hors")
    page.locator("#id_part_musiques_actuelles").fill("20")
    page.locator("#id_employeuse_0").check()
    page.locator("#id_nombre_salaries").fill("3")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    summary = page.locator(".tsf-error-summary")
    summary.wait_for()
    assert "13 départements d’Occitanie" in summary.inner_text()
    assert "SIRET n’est pas valide" in summary.inner_text()
    assert page.locator("#id_raison_sociale").input_value() == "Le Bocal sonore"
    _check(page, shot, assert_accessible, "etape-2-structure-erreurs")
    page.locator("#id_siret").fill(valid_siret(4242))
    page.locator("#id_departement").select_option("31")
    page.locator("#id_code_postal").fill("31000")
    page.locator("#id_commune").fill("Toulouse")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Steps 3 to 5: free text.
    for slug, field, text in [
        ("situation", "#id_situation", "Une salle de 300 places ouverte en 2015, quatre salarié·es."),
        ("problematique", "#id_problematique", "Nos subventions baissent et nous ne savons pas chercher du mécénat."),
        ("objectifs", "#id_objectifs", "Construire une stratégie de mécénat et déposer un premier dossier."),
    ]:
        page.wait_for_url(re.compile(rf"/questionnaire/{slug}/"))
        page.locator(field).fill(text)
        _check(page, shot, assert_accessible, f"etape-{slug}")
        page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 6: needs from the référentiel.
    page.wait_for_url(re.compile(r"/questionnaire/besoins/"))
    page.get_by_label("Mécénat et partenariats privés").check()
    page.locator("#id_besoins_precisions").fill("Trouver des entreprises mécènes près de Toulouse.")
    _check(page, shot, assert_accessible, "etape-besoins")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 7: the personne-ressource in mind.
    page.wait_for_url(re.compile(r"/questionnaire/personne_ressource/"))
    page.locator("#id_personne_ressource_pressentie_texte").fill("Dominique Exemple, festival des Possibles")
    _check(page, shot, assert_accessible, "etape-personne-ressource")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 8: attachments.
    page.wait_for_url(re.compile(r"/questionnaire/pieces/"))
    page.locator("#id_type_piece").select_option("statuts")
    page.locator("#id_fichier").set_input_files(
        files=[{"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_role("button", name="Ajouter ce document").click()
    page.get_by_role("link", name="statuts.pdf").wait_for()
    _check(page, shot, assert_accessible, "etape-pieces")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 9: consent.
    page.wait_for_url(re.compile(r"/questionnaire/consentement/"))
    page.locator("#id_consentement_donnees").check()
    _check(page, shot, assert_accessible, "etape-consentement")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Review: told about the unmet criterion, fix it, come back.
    page.wait_for_url(re.compile(r"/recapitulatif/"))
    precheck = page.locator(".tsf-precheck")
    assert "Critère non rempli : Structure de musiques actuelles" in precheck.inner_text()
    _check(page, shot, assert_accessible, "recapitulatif-critere-non-rempli")
    page.get_by_role("link", name="Modifier : votre structure").click()
    page.wait_for_url(re.compile(r"/questionnaire/structure/"))
    assert page.locator("#id_commune").input_value() == "Toulouse"
    page.locator("#id_part_musiques_actuelles").fill("85")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.goto(base + page.url.split(base)[1].split("/questionnaire/")[0] + "/recapitulatif/")
    assert "Critère non rempli" not in page.locator(".tsf-precheck").inner_text()
    _check(page, shot, assert_accessible, "recapitulatif-complet")
    page.get_by_role("button", name="Déposer ma candidature").click()

    # The file: reference, receipt, status.
    page.wait_for_url(re.compile(r"/candidatures/\d+/$"))
    candidature = Candidature.objects.get(candidat__email="camille.candidate@exemple.test")
    assert candidature.etat == Etat.SOUMISE
    assert page.get_by_role("heading", name=f"Candidature {candidature.reference}").is_visible()
    assert page.get_by_text("Déposée, à vérifier").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l’accusé de réception (PDF)").click()
    assert download.value.suggested_filename == f"accuse-reception-{candidature.reference}.pdf"
    assert any(candidature.reference in m.subject and m.attachments for m in mail.outbox)
    _check(page, shot, assert_accessible, "dossier-depose")

    page.goto(base + "/espace/")
    assert page.get_by_text("la coordination vérifie la recevabilité").is_visible()
    _check(page, shot, assert_accessible, "mon-espace")


def test_login_and_password_reset_pages(page, shot, assert_accessible):
    _verified_user("oubli@exemple.test")
    base = page.base_url
    page.goto(base + "/comptes/login/")
    _check(page, shot, assert_accessible, "connexion")
    page.locator("input[name=login]").fill("oubli@exemple.test")
    page.locator("input[name=password]").fill("mauvais mot de passe")
    page.locator("main form button[type=submit]").click()
    page.locator(".alert-danger, .invalid-feedback").first.wait_for()
    _check(page, shot, assert_accessible, "connexion-erreur")

    page.goto(base + "/comptes/password/reset/")
    _check(page, shot, assert_accessible, "mot-de-passe-oublie")
    page.locator("input[name=email]").fill("oubli@exemple.test")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/comptes/password/reset/done/"))
    _check(page, shot, assert_accessible, "mot-de-passe-oublie-envoye")
    page.goto(_link_in_last_email(r"https?://\S+/comptes/password/reset/key/\S+/"))
    page.locator("input[name=password1]").wait_for()
    _check(page, shot, assert_accessible, "nouveau-mot-de-passe")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Modifier le mot de passe").click()
    page.wait_for_url(re.compile(r"/comptes/password/reset/key/done/"))
    _check(page, shot, assert_accessible, "mot-de-passe-change")

    page.goto(base + "/comptes/login/")
    page.locator("input[name=login]").fill("oubli@exemple.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/espace/"))


def test_questionnaire_on_a_phone(mobile_page, shot, assert_accessible):
    from tests.e2e.conftest import login

    page = mobile_page
    _referentiel()
    user = _verified_user("mobile@exemple.test", roles=["candidat"])
    candidature = CandidatureFactory(candidat=user, structure=None)
    login(page, user.email, DEFAULT_PASSWORD)
    page.wait_for_url(re.compile(r"/espace/"))
    _check(page, shot, assert_accessible, "mobile-espace")
    for slug in ["demandeur", "structure", "besoins", "pieces", "consentement"]:
        page.goto(f"{page.base_url}/candidatures/{candidature.pk}/questionnaire/{slug}/")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{slug}: horizontal scroll of {overflow}px on a phone"
        _check(page, shot, assert_accessible, f"mobile-{slug}")
    # A validation error on a phone: the summary is shown and what was typed is kept.
    page.goto(f"{page.base_url}/candidatures/{candidature.pk}/questionnaire/demandeur/")
    page.locator("#id_fonction").fill("")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.locator(".tsf-error-summary").wait_for()
    assert page.locator("#id_presentation").input_value().startswith("Je coordonne")
    _check(page, shot, assert_accessible, "mobile-erreur")
