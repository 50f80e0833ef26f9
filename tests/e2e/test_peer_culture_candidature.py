"""PEER CULTURE's own questionnaire in the browser (issue 16): the programme's coordination adds a step and a
question to its application questionnaire in the admin; a member applies through that questionnaire (the
new question is asked, required, and its answer kept with the version it was asked in); the coordination
retains the application; the member registers to a workshop from their space and, once it is held, is
recorded present."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from ateliers import services as ateliers
from ateliers.models import Atelier, Inscription
from candidatures import services as candidatures
from candidatures.models import Candidature, Etat
from plateforme.management.demo import data, peer_culture
from programmes.models import Format, Programme
from questionnaires.models import Nature
from tests.candidatures.conftest import MINIMAL_PDF
from tests.e2e.conftest import login
from tests.e2e.test_ateliers import _load_peer_culture
from tests.e2e.test_sessions import logout
from tests.factories import valid_siret

QUESTION = "Quels ateliers collectifs de la saison vous intéressent, et pourquoi ?"
REPONSE = "Le pitch et le financement participatif : nous lançons une revue en 2027."


def _membre_actif(programme: Programme) -> User:
    """Scene: a new active member of the cluster (membership recorded by the coordination, through the service)."""
    user = User.objects.create_user(email="sacha.adherente@exemple.test", password=data.MOT_DE_PASSE)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    coordination = User.objects.get(email=peer_culture.COORDINATION.email)
    ateliers.adhesion_record(programme=programme, personne=user, by=coordination, note=peer_culture.ADHESION_ACTIF)
    return user


def _ajouter_question_dans_l_admin(page, programme: Programme) -> None:
    """The PEER CULTURE coordination adds a step with its own required question, in the admin, by hand."""
    page.goto(page.base_url + "/admin/questionnaires/questionnaire/")
    # Its own programme's questionnaires only (the other pilot's are not listed).
    page.get_by_role(
        "link", name=re.compile(rf"Candidature.*{re.escape(programme.nom)}|{re.escape(programme.nom)}.*Candidature")
    ).first.click()
    page.get_by_role("link", name="Afficher").first.click()  # its version (answered: an edit makes a new one)
    page.wait_for_url(re.compile(r"/admin/questionnaires/questionnaireversion/\d+/change/"))
    page.locator("#etapes-group").get_by_role("button", name="Ajouter un objet Étape supplémentaire").click()
    ligne = page.locator("tr.dynamic-etapes").last
    ligne.locator("input[name$='-ordre']").fill("8")
    ligne.locator("input[name$='-slug']").fill("saison")
    ligne.locator("input[name$='-titre']").fill("La saison d’ateliers")
    ligne.locator("textarea[name$='-intro']").fill("Dites-nous ce que vous attendez des ateliers collectifs.")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    # Applications were made with version 1: it is kept as it is, the step goes to version 2, now open.
    expect(page.locator(".messagelist")).to_contain_text("enregistrée dans la version 2, désormais utilisée")
    expect(page.locator(".field-numero .readonly")).to_have_text("2")
    page.locator("tr", has=page.locator("input[value='saison']")).get_by_role("link", name="Modification").click()
    page.wait_for_url(re.compile(r"/admin/questionnaires/etape/\d+/change/"))
    page.locator("#questions-group").get_by_role("button", name="Ajouter un objet Question supplémentaire").click()
    question = page.locator(".dynamic-questions").last
    question.locator("input[name$='-code']").fill("ateliers_souhaites")
    question.locator("select[name$='-type']").select_option("texte_long")
    question.locator("input[name$='-obligatoire']").check()
    question.locator("input[name$='-libelle']").fill(QUESTION)
    question.locator("textarea[name$='-aide']").fill("Pitch, modèle économique, communication numérique…")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("modifié avec succès")


def _remplir_le_questionnaire(page) -> None:
    """The member answers every step; the new step's question is required: left empty, it is refused."""
    page.goto(page.base_url + "/candidatures/deposer/")
    page.get_by_role("button", name="Commencer le questionnaire").click()
    page.wait_for_url(re.compile(r"/questionnaire/demandeur/"))
    page.locator("#id_prenom").fill("Sacha")
    page.locator("#id_nom").fill("Adhérente")
    page.locator("#id_statut_demandeur_0").check()
    page.locator("#id_fonction").fill("Rédactrice en chef")
    page.locator("#id_presentation").fill("Je dirige une petite revue de création toulousaine.")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/questionnaire/structure/"))
    page.locator("#id_raison_sociale").fill("Revue Les Marges (fictif)")
    page.locator("#id_siret").fill(valid_siret(7331))
    page.locator("#id_forme_juridique").select_option("association")
    page.locator("#id_type_structure").select_option(index=1)
    page.locator("#id_code_postal").fill("31000")
    page.locator("#id_commune").fill("Toulouse")
    page.locator("#id_departement").select_option("31")
    page.locator("#id_part_musiques_actuelles").fill("90")
    page.locator("#id_employeuse_0").check()
    page.locator("#id_nombre_salaries").fill("2")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    for slug, field, text in [
        ("situation", "#id_situation", "Une revue trimestrielle, deux salariées, 600 abonné·es."),
        ("problematique", "#id_problematique", "Nos ventes baissent et nous ne savons pas présenter le projet à des mécènes."),
        ("objectifs", "#id_objectifs", "Construire un modèle économique et un argumentaire pour les mécènes."),
    ]:
        page.wait_for_url(re.compile(rf"/questionnaire/{slug}/"))
        page.locator(field).fill(text)
        page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/questionnaire/besoins/"))
    page.locator("input[name=competences]").first.check()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url(re.compile(r"/questionnaire/personne_ressource/"))
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url(re.compile(r"/questionnaire/pieces/"))
    page.locator("#id_type_piece").select_option("statuts")
    page.locator("#id_fichier").set_input_files(
        files=[{"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_role("button", name="Ajouter ce document").click()
    page.get_by_role("link", name="statuts.pdf").wait_for()
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # The step the coordination added in the admin, with its help text; required, so an empty answer is refused.
    page.wait_for_url(re.compile(r"/questionnaire/saison/"))
    expect(page.get_by_role("heading", name="La saison d’ateliers")).to_be_visible()
    expect(page.get_by_text("Dites-nous ce que vous attendez des ateliers collectifs.")).to_be_visible()
    expect(page.get_by_text("Pitch, modèle économique, communication numérique…")).to_be_visible()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator(".tsf-error-summary")).to_contain_text("Ce champ est obligatoire.")
    page.get_by_label(QUESTION).fill(REPONSE)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.wait_for_url(re.compile(r"/questionnaire/consentement/"))
    page.locator("#id_consentement_donnees").check()
    page.get_by_role("button", name="Enregistrer et continuer").click()


@pytest.mark.django_db(transaction=True)
def test_peer_culture_member_applies_through_the_questionnaire_edited_in_the_admin_is_retained_and_attends_a_workshop(
    page, shot, assert_accessible
):
    _load_peer_culture()
    programme = Programme.objects.get(formats__code="atelier", formats__nature="collectif")
    membre = _membre_actif(programme)

    # The coordination edits its application questionnaire in the admin.
    login(page, peer_culture.COORDINATION.email, data.MOT_DE_PASSE)
    _ajouter_question_dans_l_admin(page, programme)
    shot(page, "question ajoutée dans l'admin")
    page.goto(page.base_url + "/espace/")
    logout(page)

    # The member applies: the new step is in the questionnaire, the review shows the answer.
    login(page, membre.email, data.MOT_DE_PASSE)
    _remplir_le_questionnaire(page)
    page.wait_for_url(re.compile(r"/recapitulatif/"))
    expect(page.get_by_text(REPONSE)).to_be_visible()
    expect(page.locator(".tsf-precheck")).not_to_contain_text("Critère non rempli")
    assert_accessible(page)
    shot(page, "récapitulatif avec la question du programme")
    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_url(re.compile(r"/candidatures/\d+/$"))
    candidature = Candidature.objects.get(candidat=membre)
    assert candidature.etat == Etat.SOUMISE
    version = candidature.questionnaire_version
    assert version.questionnaire.nature == Nature.CANDIDATURE and version.questionnaire.programme == programme
    assert candidature.reponses["ateliers_souhaites"] == REPONSE
    logout(page)

    # The coordination holds the pre-diagnostic (services), then retains the application in the browser.
    coordination = User.objects.get(email=peer_culture.COORDINATION.email)
    coaching = Format.objects.get(programme=programme, code="coaching")
    candidatures.candidature_declare_eligible(candidature=candidature, by=coordination)
    candidatures.entretien_diagnostic_schedule(
        candidature=candidature,
        by=coordination,
        debut=timezone.now() + datetime.timedelta(hours=1),
        modalite="distance",
        lien_visio="https://visio.exemple.test/pre-diagnostic",
    )
    candidatures.entretien_diagnostic_record(
        candidature=candidature,
        by=coordination,
        besoins=[(candidature.competences_souhaitees.first(), 3, "")],
        format_recommande=coaching,
        demi_journees=16,
        notes="Un coaching de 16 h sur le modèle économique de la revue.",
    )
    login(page, coordination.email, data.MOT_DE_PASSE)
    page.goto(f"{page.base_url}/candidatures/coordination/dossiers/{candidature.pk}/")
    page.get_by_role("link", name="Retenir la candidature").click()
    expect(page.locator("#id_demi_journees")).to_have_value("16")
    page.get_by_role("button", name="Préparer l’e-mail au·à la candidat·e").click()
    page.get_by_role("button", name="Confirmer la décision et envoyer l’e-mail").click()
    expect(page.locator("#etat-dossier")).to_have_text("Retenue")
    shot(page, "candidature retenue")
    logout(page)

    # The member registers to a coming workshop from their space.
    atelier = next(
        a
        for a in Atelier.objects.filter(programme=programme, debut__gt=timezone.now()).order_by("debut")
        if a.inscriptions.filter(etat="inscrite").count() < a.capacite
    )
    login(page, membre.email, data.MOT_DE_PASSE)
    page.get_by_role("link", name="Le calendrier des ateliers et les inscriptions").click()
    page.get_by_role("link", name=atelier.titre).click()
    page.get_by_role("button", name="M’inscrire", exact=True).click()
    expect(page.get_by_text("Vous êtes inscrit·e à cet atelier.")).to_be_visible()
    expect(page.get_by_test_id("mon-inscription")).not_to_contain_text("participation")  # a member owes nothing
    page.goto(page.base_url + "/espace/")
    expect(page.get_by_test_id("mes-ateliers").get_by_role("listitem").filter(has_text=atelier.titre)).to_contain_text(
        "Inscrit·e"
    )
    logout(page)

    # The workshop took place: the coordination records the member present and closes the list.
    Atelier.objects.filter(pk=atelier.pk).update(debut=timezone.now() - datetime.timedelta(hours=4))
    login(page, coordination.email, data.MOT_DE_PASSE)
    page.goto(f"{page.base_url}/ateliers/{atelier.pk}/")
    ligne = page.get_by_test_id("participants").get_by_role("row").filter(has_text=membre.email)
    ligne.get_by_role("button", name="Présent·e").click()
    expect(page.get_by_test_id("participants").get_by_role("row").filter(has_text=membre.email)).to_contain_text("Présent·e")
    logout(page)

    login(page, membre.email, data.MOT_DE_PASSE)
    expect(page.get_by_test_id("ateliers-suivis")).to_contain_text(atelier.titre)
    expect(page.get_by_test_id("ateliers-presences")).to_contain_text("Présent·e à 1 atelier")
    assert_accessible(page)
    shot(page, "espace du membre : atelier suivi")
    assert Inscription.objects.get(atelier=atelier, participant=membre).etat == "presente"
