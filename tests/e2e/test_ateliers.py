"""Collective workshops in the browser: a beneficiary registers to an atelier from their space (the
13th of 12 places waits, and moves up when someone withdraws); after the session the coordination
records the attendance."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from ateliers import services
from ateliers.models import Atelier, Inscription
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.e2e.conftest import login
from tests.e2e.test_sessions import logout, verified
from tests.factories import DEFAULT_PASSWORD, PersonneRessourceFactory, ProgrammeFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_beneficiary_registers_from_the_space_waits_moves_up_and_coordination_records_attendance(page, shot, assert_accessible):
    programme = ProgrammeFactory(nom="PEER CULTURE 2026")
    coordinateur = verified(UserFactory(roles=["coordination"]))
    atelier = services.atelier_create(
        programme=programme,
        format=format_atelier(programme),
        titre="Pitcher son projet",
        debut=dans(days=6),
        duree=1,
        lieu="Toulouse, La Cité",
        personne_ressource=PersonneRessourceFactory(),
        by=coordinateur,
    )
    autres = beneficiaires(12)
    premieres = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in autres]
    beneficiaire = verified(UserFactory(email="lea@exemple.test", first_name="Léa", last_name="Martin", roles=["candidat"]))

    login(page, beneficiaire.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Le calendrier des ateliers et les inscriptions").click()
    expect(page.get_by_test_id("ateliers")).to_contain_text("Complet – 0 en attente")
    assert_accessible(page)
    page.get_by_role("link", name="Pitcher son projet").click()
    page.get_by_role("button", name="M’inscrire sur la liste d’attente").click()
    expect(page.get_by_test_id("mon-inscription")).to_contain_text("Vous êtes en liste d’attente (rang 1)")
    expect(page.get_by_test_id("mon-inscription")).to_contain_text("participation de 18")
    assert_accessible(page)
    shot(page, "liste d'attente")

    # Someone withdraws: the beneficiary moves up and is told by e-mail.
    mail.outbox.clear()
    services.inscription_withdraw(inscription=premieres[0], by=autres[0])
    (message,) = [m for m in mail.outbox if beneficiaire.email in m.to]
    assert "Une place s’est libérée" in message.subject
    page.goto(page.base_url + "/espace/")
    expect(page.get_by_test_id("mes-ateliers")).to_contain_text("Pitcher son projet")
    expect(page.get_by_test_id("mes-ateliers")).to_contain_text("Inscrit·e")
    logout(page)

    # The session took place.
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-4))
    login(page, coordinateur.email, DEFAULT_PASSWORD)
    page.goto(f"{page.base_url}/ateliers/{atelier.pk}/")
    participants = page.get_by_test_id("participants")
    expect(participants).to_contain_text("Léa Martin")
    ligne = participants.get_by_role("row").filter(has_text="Léa Martin")
    ligne.get_by_role("button", name="Présent·e").click()
    expect(page.get_by_test_id("participants").get_by_role("row").filter(has_text="Léa Martin")).to_contain_text("Présent·e")
    ligne = page.get_by_test_id("participants").get_by_role("row").filter(has_text=autres[1].email)
    ligne.get_by_role("button", name="Absent·e").click()
    ligne = page.get_by_test_id("participants").get_by_role("row").filter(has_text="Léa Martin")
    ligne.get_by_role("button", name="Participation payée").click()
    expect(page.get_by_text("La participation est enregistrée comme payée.")).to_be_visible()
    assert_accessible(page)
    shot(page, "liste de présence")

    mine = Inscription.objects.get(participant=beneficiaire, atelier=atelier)
    assert mine.etat == "presente" and mine.participation_payee_le is not None
    assert Inscription.objects.get(participant=autres[1], atelier=atelier).etat == "absente"
