"""Collective workshops in the browser: a beneficiary registers to an atelier from their space (the
13th of 12 places waits, and moves up when someone withdraws); after the session the coordination
records the attendance."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.test.utils import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import roles_sync
from annuaire.models import Competence, Domaine
from ateliers import services
from ateliers.models import Atelier, Inscription
from plateforme.management.demo import DemoLoader, data, peer_culture
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


def _load_peer_culture() -> None:
    """The PEER CULTURE demo programme alone, through the demo loader's clock and outbox (as `load_demo` does)."""
    if not Competence.objects.filter(active=True).exists():
        # A transactional test may run after the référentiel's rows were flushed: the loader needs one.
        domaine = Domaine.objects.create(nom="Stratégie", slug="strategie")
        Competence.objects.create(domaine=domaine, nom="Modèle économique")
    roles_sync()
    loader = DemoLoader(now=timezone.now(), warn=lambda text: None)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with time_machine.travel(loader.now, tick=True) as traveller:
            loader.traveller = traveller
            peer_culture.load(loader)
            loader.run_jobs()


@pytest.mark.django_db(transaction=True)
def test_peer_culture_member_registers_the_13th_waits_and_moves_up_the_coordination_records_attendance(
    page, shot, assert_accessible
):
    """The PEER CULTURE demo in the browser: its member registers from their space to the workshop with one
    place left; a non-member, 13th, goes to the waiting list and owes 18 €; the member withdraws, the
    non-member moves up; after the session the coordination records the attendance and the payment."""
    _load_peer_culture()
    titre = "Diversifier ses ressources : mécénat et financement participatif"
    atelier = Atelier.objects.get(titre=titre)
    assert atelier.inscriptions.filter(etat="inscrite").count() == atelier.capacite - 1
    membre_email = f"membre.peer@{data.DOMAINE}"
    leon = next(p for p in peer_culture.PARTICIPANTS if p.key == "pc:n5")
    leon_email = peer_culture.email_for(leon.prenom, leon.nom)

    # The member sees their workshops in their space and registers to the one with a place left.
    login(page, membre_email, data.MOT_DE_PASSE)
    expect(page.get_by_test_id("mes-ateliers")).to_contain_text(peer_culture.ATELIER_COMPLET)
    page.get_by_role("link", name="Le calendrier des ateliers et les inscriptions").click()
    page.get_by_role("link", name=titre).click()
    expect(page.get_by_test_id("places")).to_contain_text("11 inscrit·es sur 12 places")
    page.get_by_role("button", name="M’inscrire", exact=True).click()
    expect(page.get_by_text("Vous êtes inscrit·e à cet atelier.")).to_be_visible()
    expect(page.get_by_test_id("places")).to_contain_text("12 inscrit·es sur 12 places")
    expect(page.get_by_test_id("mon-inscription")).not_to_contain_text("participation")
    assert_accessible(page)
    shot(page, "PEER CULTURE membre inscrit")
    logout(page)

    # A non-member is the 13th: the waiting list, with the participation a non-member owes.
    login(page, leon_email, data.MOT_DE_PASSE)
    page.get_by_role("link", name="Le calendrier des ateliers et les inscriptions").click()
    page.get_by_role("link", name=titre).click()
    page.get_by_role("button", name="M’inscrire sur la liste d’attente").click()
    expect(page.get_by_test_id("mon-inscription")).to_contain_text("Vous êtes en liste d’attente (rang 1)")
    expect(page.get_by_test_id("mon-inscription")).to_contain_text("participation de 18")
    expect(page.get_by_test_id("places")).to_contain_text("1 personne en liste d’attente")
    shot(page, "PEER CULTURE 13e en liste d'attente")
    logout(page)

    # The member withdraws: the non-member moves up.
    login(page, membre_email, data.MOT_DE_PASSE)
    page.goto(f"{page.base_url}/ateliers/{atelier.pk}/")
    page.get_by_role("button", name="Me désister").click()
    expect(page.get_by_text("Le désistement est enregistré.")).to_be_visible()
    expect(page.get_by_test_id("places")).to_contain_text("12 inscrit·es sur 12 places")
    expect(page.get_by_test_id("places")).not_to_contain_text("liste d’attente")
    logout(page)
    login(page, leon_email, data.MOT_DE_PASSE)
    mes_ateliers = page.get_by_test_id("mes-ateliers")
    expect(mes_ateliers.get_by_role("listitem").filter(has_text=titre)).to_contain_text("Inscrit·e")
    logout(page)

    # The session took place: the coordination records the attendance and the non-member's payment.
    Atelier.objects.filter(pk=atelier.pk).update(debut=timezone.now() - datetime.timedelta(hours=4))
    login(page, peer_culture.COORDINATION.email, data.MOT_DE_PASSE)
    page.goto(f"{page.base_url}/ateliers/{atelier.pk}/")
    ligne = page.get_by_test_id("participants").get_by_role("row").filter(has_text=leon_email)
    ligne.get_by_role("button", name="Présent·e").click()
    ligne = page.get_by_test_id("participants").get_by_role("row").filter(has_text=leon_email)
    expect(ligne).to_contain_text("Présent·e")
    ligne.get_by_role("button", name="Participation payée").click()
    expect(page.get_by_text("La participation est enregistrée comme payée.")).to_be_visible()
    assert_accessible(page)
    shot(page, "PEER CULTURE liste de présence")
    leon_inscription = Inscription.objects.get(atelier=atelier, participant__email=leon_email)
    assert leon_inscription.etat == "presente" and leon_inscription.participation_payee_le is not None
