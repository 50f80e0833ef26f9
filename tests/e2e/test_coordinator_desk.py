"""A coordinator takes a new file from submission to selection; a committee member sees only what was put to them."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from candidatures.models import Candidature, EmailEnvoye, Etat
from candidatures.selectors import timeline_for_applicant
from core.models import EventKind
from tests.candidatures.coordination_helpers import competence
from tests.e2e.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    CandidatureFactory,
    ProgrammeFactory,
    StructureFactory,
    UserFactory,
    siege_comite,
)


def verified_user(roles: list[str], email: str):
    user = UserFactory(email=email, roles=roles)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.mark.django_db(transaction=True)
def test_coordinator_takes_a_file_from_submission_to_selection(page, shot, assert_accessible):
    programme = ProgrammeFactory(nom="TSF Occitanie 2026")
    coordinatrice = verified_user(["coordination"], "coordination@tsf.test")
    membre = verified_user(["comite_technique"], "drac@tsf.test")
    siege_comite(membre, programme)
    besoin = competence(nom="Mécénat et partenariats privés")
    candidature = CandidatureFactory(
        programme=programme,
        etat=Etat.SOUMISE,
        reference="TSF-2026-0001",
        structure=StructureFactory(raison_sociale="La Dynamo Toulouse"),
    )
    autre = CandidatureFactory(
        programme=programme,
        etat=Etat.SOUMISE,
        reference="TSF-2026-0002",
        structure=StructureFactory(raison_sociale="Festival Secret"),
    )

    login(page, coordinatrice.email, DEFAULT_PASSWORD)
    page.goto(page.base_url + "/candidatures/coordination/")
    expect(page.get_by_role("heading", name="Tableau de bord de la coordination")).to_be_visible()
    a_traiter = page.locator("section", has=page.get_by_role("heading", name="À traiter aujourd’hui"))
    expect(a_traiter).to_contain_text("Vérifier la recevabilité")
    shot(page, "tableau de bord")
    assert_accessible(page)

    # Find the new file with the search box, open it.
    page.get_by_label("Rechercher").fill("Dynamo")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("table")).not_to_contain_text("TSF-2026-0002")
    page.get_by_role("table").get_by_role("link", name="TSF-2026-0001").click()
    expect(page.get_by_role("heading", name="Dossier TSF-2026-0001")).to_be_visible()
    assert_accessible(page)

    # Eligible, through the editable e-mail draft.
    page.get_by_role("link", name="Déclarer recevable").click()
    page.get_by_role("button", name="Préparer l’e-mail au·à la candidat·e").click()
    corps = page.get_by_label("Texte de l’e-mail")
    expect(corps).to_have_value(re.compile("est recevable"))
    corps.fill(corps.input_value() + "\nÀ très bientôt pour l’entretien.")
    shot(page, "brouillon de l'e-mail")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer la décision et envoyer l’e-mail").click()
    expect(page.locator("#etat-dossier")).to_have_text("Recevable, diagnostic à planifier")

    # Diagnostic interview, in person, on 14 March 2030 at 15:30 (Paris).
    page.get_by_role("link", name="Planifier l’entretien diagnostic").click()
    page.get_by_label("Date et heure").fill("2030-03-14T15:30")
    page.get_by_role("radio", name="En présentiel").check()
    page.get_by_label("Lieu (en présentiel)").fill("Le Metronum, 2 rond-point Madame de Mondonville, Toulouse")
    page.get_by_role("button", name="Planifier et envoyer l’invitation").click()
    expect(page.locator("#etat-dossier")).to_have_text("Entretien diagnostic planifié")
    invitation = next(m for m in mail.outbox if m.attachments)
    name, content, mimetype = invitation.attachments[0]
    assert (name, mimetype) == ("entretien-diagnostic.ics", "text/calendar")
    event = next(c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT")
    start = event.decoded("dtstart")
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2030, 3, 14, 15, 30)
    assert str(start.tzinfo) == "Europe/Paris"
    assert str(event.get("location")).startswith("Le Metronum")
    # The download link serves the same calendar.
    href = page.get_by_role("link", name="Fichier agenda (.ics)").get_attribute("href")
    downloaded = page.request.get(page.base_url + href)
    assert downloaded.ok and b"Metronum" in downloaded.body()

    # Outcome: a priority need and a TSF of 3 half-days.
    page.get_by_role("link", name="Enregistrer le diagnostic").click()
    assert_accessible(page)
    page.locator("#id_besoins-0-competence").select_option(label="Mécénat et partenariats privés")
    page.locator("#id_besoins-0-priorite").select_option(label="Prioritaire")
    page.locator("#id_nouvelles-0-domaine").select_option(index=1)
    page.locator("#id_nouvelles-0-nom").fill("Billetterie solidaire")
    page.get_by_label("Format recommandé").select_option(value=str(ProgrammeFactory.tsf(programme).pk))
    page.locator("#id_demi_journees").fill("3")
    page.get_by_label("Notes de l’entretien").fill("Besoin clair, équipe motivée.")
    page.get_by_role("button", name="Enregistrer le diagnostic").click()
    expect(page.locator("#etat-dossier")).to_have_text("Diagnostic réalisé")
    expect(page.get_by_text("Billetterie solidaire")).to_be_visible()

    # Selected, with the format and half-days of the diagnostic pre-filled.
    page.get_by_role("link", name="Retenir la candidature").click()
    expect(page.locator("#id_demi_journees")).to_have_value("3")
    page.get_by_role("button", name="Préparer l’e-mail au·à la candidat·e").click()
    expect(page.get_by_label("Texte de l’e-mail")).to_have_value(re.compile("3 demi-journée"))
    page.get_by_role("button", name="Confirmer la décision et envoyer l’e-mail").click()
    expect(page.locator("#etat-dossier")).to_have_text("Retenue")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Retenir la candidature")
    shot(page, "dossier retenu")

    candidature.refresh_from_db()
    assert (candidature.format_retenu.code, candidature.demi_journees_retenues) == ("tsf", 3)
    assert candidature.diagnostic.besoins.get(competence=besoin).priorite == 3

    # What the applicant's space shows: each step and each e-mail sent to them.
    visible = list(timeline_for_applicant(candidature))
    assert [e.to_state for e in visible if e.kind == EventKind.TRANSITION] == [
        "recevable",
        "diagnostic_planifie",
        "diagnostic_realise",
        "selectionnee",
    ]
    assert sum(e.kind == EventKind.EMAIL for e in visible) == 3 == EmailEnvoye.objects.filter(candidature=candidature).count()
    assert "À très bientôt pour l’entretien." in EmailEnvoye.objects.filter(candidature=candidature).first().corps

    # Put it to the committee, with a question.
    page.get_by_role("link", name="Soumettre au comité").click()
    page.get_by_label("Question posée au comité").fill("Un mentorat devrait-il suivre le TSF ?")
    page.get_by_role("button", name="Soumettre au comité").click()
    expect(page.get_by_text("Le dossier est soumis au comité technique.")).to_be_visible()

    # The committee member sees that file only, read-only, and gives an opinion.
    page.get_by_role("button", name="Se déconnecter").click()
    login(page, membre.email, DEFAULT_PASSWORD)
    page.goto(page.base_url + "/comite/dossiers/")
    table = page.get_by_role("table")
    expect(table).to_contain_text("TSF-2026-0001")
    expect(table).not_to_contain_text("TSF-2026-0002")
    shot(page, "comité : dossiers soumis")
    assert_accessible(page)
    table.get_by_role("link", name="TSF-2026-0001").click()
    expect(page.get_by_text("Un mentorat devrait-il suivre le TSF ?")).to_be_visible()
    expect(page.get_by_text("Besoin clair")).to_have_count(0)  # interview notes stay with the coordination
    page.get_by_label("Favorable", exact=True).check()
    page.get_by_role("button", name="Enregistrer mon avis").click()
    expect(page.get_by_text("Votre avis est enregistré.")).to_be_visible()
    response = page.goto(page.base_url + f"/candidatures/coordination/dossiers/{autre.pk}/")
    assert response.status == 403
    assert Candidature.objects.get(pk=autre.pk).etat == Etat.SOUMISE
