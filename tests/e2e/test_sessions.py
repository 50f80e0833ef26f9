"""A whole session in the browser: plan, hold, report with an attachment, comment, delivered half-day."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    ObjectifFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    UserFactory,
    convention_signee,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def logout(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(".*"))


@pytest.mark.django_db(transaction=True)
def test_mentor_plans_holds_reports_beneficiary_comments_coordination_sees_delivered(page, shot, assert_accessible, tmp_path):
    programme = ProgrammeFactory()
    mentor = PersonneRessourceFactory()
    verified(mentor.user)
    accompagnement = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)
    verified(accompagnement.beneficiaire)
    ObjectifFactory(accompagnement=accompagnement, intitule="Bâtir une stratégie de mécénat")
    coordinateur = verified(UserFactory(roles=["coordination"]))
    convention_signee(accompagnement, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=10))
    today = timezone.localdate()
    hier = today - datetime.timedelta(days=1)
    semaine_prochaine = today + datetime.timedelta(days=7)
    detail_url = f"{page.base_url}/accompagnements/{accompagnement.pk}/"

    # The mentor plans two sessions.
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(detail_url)
    for jour, sujet, duree in (
        (hier, "Cartographie des mécènes", "Une demi-journée"),
        (semaine_prochaine, "Dossier de mécénat", "Une journée"),
    ):
        page.get_by_role("link", name="Planifier une séance").click()
        if sujet.startswith("Cartographie"):
            assert_accessible(page)
        page.get_by_label("Date").fill(jour.isoformat())
        page.get_by_label("Heure de début").fill("09:30")
        page.get_by_label(duree, exact=True).check()
        page.get_by_label("En présentiel", exact=True).check()
        page.get_by_label("Lieu (en présentiel)").fill("Salle de la structure, Toulouse")
        page.get_by_label("Thème de la séance").fill(sujet)
        page.get_by_role("button", name="Planifier la séance").click()
        expect(page.get_by_text("La séance est planifiée")).to_be_visible()
        page.goto(detail_url)
    expect(page.get_by_role("cell", name=re.compile("Dossier de mécénat"))).to_be_visible()
    shot(page, "deux séances planifiées")

    # The first is held; the mentor writes the report and attaches the logbook.
    page.get_by_role("link", name=re.compile(hier.strftime("%Y"))).first.click()
    page.get_by_role("button", name="Marquer la séance comme réalisée").click()
    expect(page.get_by_text("La séance est marquée réalisée")).to_be_visible()
    page.get_by_role("link", name="Rédiger le compte-rendu").click()
    page.get_by_label("Ce qui a été travaillé").fill("Liste de 20 mécènes potentiels du territoire.")
    page.get_by_label("Outils et ressources partagés").fill("Modèle de tableau de suivi.")
    page.get_by_label(re.compile("Avancée sur l’objectif")).fill("Cible définie.")
    page.get_by_label("Prochaines étapes").fill("Prendre trois rendez-vous.")
    page.get_by_role("button", name="Remettre le compte-rendu").click()
    expect(page.get_by_text("Le compte-rendu est remis")).to_be_visible()
    journal = tmp_path / "journal de bord.pdf"
    journal.write_bytes(PDF)
    page.get_by_label("Titre du document").fill("Journal de bord")
    page.get_by_label("Fichier").set_input_files(str(journal))
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_role("link", name="Journal de bord")).to_be_visible()
    seance_url = page.url.split("#")[0]
    shot(page, "compte-rendu et support")
    assert_accessible(page)
    logout(page)

    # The beneficiary reads and comments.
    login(page, accompagnement.beneficiaire.email, DEFAULT_PASSWORD)
    page.goto(seance_url)
    expect(page.get_by_text("Liste de 20 mécènes potentiels du territoire.")).to_be_visible()
    expect(page.get_by_text("Cible définie.")).to_be_visible()
    expect(page.get_by_role("link", name="Journal de bord")).to_be_visible()
    page.get_by_label("Votre commentaire sur le compte-rendu").fill("Merci, c’est très clair.")
    page.get_by_role("button", name="Enregistrer mon commentaire").click()
    expect(page.get_by_test_id("commentaire-beneficiaire")).to_have_text("Merci, c’est très clair.")
    shot(page, "commentaire de la bénéficiaire")
    logout(page)

    # The coordination sees the delivered half-day.
    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(detail_url)
    expect(page.get_by_test_id("demi-journees-livrees")).to_have_text("1")
    shot(page, "coordination : une demi-journée livrée")
    assert_accessible(page)
    page.goto(seance_url)
    expect(page.get_by_text("Merci, c’est très clair.")).to_be_visible()

    # Each person subscribes to their own calendar address.
    page.goto(f"{page.base_url}/accompagnements/agenda/")
    page.get_by_role("button", name="Créer mon adresse d’agenda").click()
    expect(page.get_by_label("Adresse de mon agenda")).to_have_value(re.compile(r"/agenda/flux/.+\.ics$"))
    assert_accessible(page)
