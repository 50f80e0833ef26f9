"""Issue 15 in a browser: the coordination writes to a chosen group (preview with the count, then send);
a beneficiary switches a non-essential notification off in their space."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from core import notifications
from relances.models import DestinataireMessage, MessageGroupe
from tests.e2e.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    UserFactory,
    convention_signee,
)


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.mark.django_db(transaction=True)
def test_the_coordination_previews_the_count_and_sends_to_the_chosen_group(page, shot, assert_accessible):
    coordinateur = verified(UserFactory(roles=["coordination"], email="coord-groupe@exemple.test"))
    programme, autre = ProgrammeFactory(nom="TSF Occitanie 2026"), ProgrammeFactory(nom="Autre programme")
    mentors = []
    for prenom, prog in (("Mona", programme), ("Nadia", programme), ("Oscar", autre)):
        mentor = PersonneRessourceFactory(user__first_name=prenom)
        acc = AccompagnementFactory(candidature__programme=prog, mentors=[mentor])
        convention_signee(acc, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=20))
        mentors.append(mentor.user)
    mail.outbox.clear()

    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Écrire à un groupe").click()
    page.get_by_label("Personnes", exact=True).select_option(label="Personnes-ressources")
    page.get_by_label("Programme", exact=True).select_option(label="TSF Occitanie 2026")
    page.locator("#id_sujet").fill("Réunion des personnes-ressources")
    page.locator("#id_corps").fill("Bonjour {prenom},\nrendez-vous le 12 janvier pour le dossier {reference}.")
    page.get_by_role("button", name="Aperçu et nombre de destinataires").click()
    expect(page.locator("#apercu-nombre")).to_have_text("2 destinataires")
    expect(page.get_by_text("Bonjour Mona,")).to_be_visible()
    expect(page.get_by_text("Bonjour Nadia,")).to_be_visible()
    expect(page.get_by_text("Bonjour Oscar,")).to_have_count(0)
    expect(page.locator("#id_sujet")).to_have_value("Réunion des personnes-ressources")  # what was typed is kept
    shot(page, "apercu")
    assert_accessible(page)
    assert not MessageGroupe.objects.exists()

    page.get_by_role("button", name="Envoyer à 2 personnes").click()
    expect(page.get_by_role("heading", name="Réunion des personnes-ressources")).to_be_visible()
    expect(page.locator("#nombre-destinataires")).to_have_text("2")
    expect(page.locator("#destinataires-message")).to_contain_text("E-mail envoyé")
    shot(page, "envoye")
    assert_accessible(page)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in mentors[:2])
    assert DestinataireMessage.objects.count() == 2

    page.get_by_role("link", name="Tous les messages aux groupes").click()
    expect(page.locator("#historique-messages-groupe")).to_contain_text("Réunion des personnes-ressources")
    expect(page.locator("#historique-messages-groupe")).to_contain_text("Personnes-ressources · programme TSF Occitanie 2026")
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_a_beneficiary_switches_group_messages_off_and_cannot_switch_essential_ones(page, shot, assert_accessible):
    acc = AccompagnementFactory(candidature__candidat__first_name="Alice")
    convention_signee(acc, coordinateur=UserFactory(roles=["coordination"]), le=timezone.now() - datetime.timedelta(days=20))
    beneficiaire = verified(acc.beneficiaire)

    login(page, beneficiaire.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Mes notifications par e-mail").click()
    info = page.get_by_label("Messages d’information de la coordination à un groupe")
    expect(info).to_be_checked()
    signature = page.get_by_label("Signatures à apposer (conventions)")
    expect(signature).to_be_checked()
    expect(signature).to_be_disabled()
    expect(page.get_by_text("Indispensable : sans signature la convention ne peut pas démarrer.")).to_be_visible()
    assert_accessible(page)
    info.uncheck()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    expect(page.get_by_role("status")).to_contain_text("Vos choix de notifications sont enregistrés.")
    expect(page.get_by_label("Messages d’information de la coordination à un groupe")).not_to_be_checked()
    expect(page.get_by_label("Rappel des séances à venir (dans le délai des questions du programme)")).to_be_checked()
    shot(page, "notifications")
    assert notifications.desactivees(beneficiaire) == {"information"}
    assert notifications.accepte(beneficiaire, notifications.Notification.SIGNATURE)
