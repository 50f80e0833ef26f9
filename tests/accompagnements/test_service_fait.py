"""Service fait (issue 17): each of the pair confirms a held session, a "no" disputes it, the
coordination settles it with a reason; signed links; the coordination's list of what to settle."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompagnements import liens
from accompagnements import services as accompagnements_services
from accompagnements.models import AccompagnementEvenement, ConfirmationSeance, Seance, ServiceFait
from accompagnements.selectors import seances_non_confirmees
from accompagnements.services import seance_confirmer, seance_mark_held, seance_service_fait_arbitrer
from budget.selectors import demi_journees_livrees
from core.exceptions import DomainError, PermissionRefused, RuleViolation
from relances.models import Relance, TypeRelance
from relances.planning import relances_planifier
from tests.factories import SeanceFactory, UserFactory


def passee(acc, days=2):
    return SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def tenue(acc, mentor, django_capture_on_commit_callbacks):
    """A past session the mentor marked held (their own "yes"); the beneficiary is asked by e-mail."""
    seance = passee(acc)
    with django_capture_on_commit_callbacks(execute=True):
        seance_mark_held(seance=seance, by=mentor.user)
    seance.refresh_from_db()
    return seance


def test_marking_held_is_the_mentors_yes_and_mails_the_beneficiary_a_signed_link(tenue, acc, mentor):
    (confirmation,) = ConfirmationSeance.objects.filter(seance=tenue)
    assert (confirmation.partie, confirmation.personne, confirmation.tenue) == ("mentor", mentor.user, True)
    assert tenue.service_fait == ServiceFait.A_CONFIRMER and not tenue.est_payable
    (message,) = [m for m in mail.outbox if "a-t-elle eu lieu" in m.subject]
    assert message.to == [acc.beneficiaire.email]
    assert re.search(r"/seances/service-fait/[^/\s]+/", message.body)


def test_both_yes_makes_the_session_confirmed_and_payable_with_its_record_on_the_timeline(tenue, acc):
    seance_confirmer(seance=tenue, tenue=True, by=acc.beneficiaire)
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.CONFIRMEE
    assert Seance.objects.payables().filter(pk=tenue.pk).exists()
    events = AccompagnementEvenement.objects.filter(accompagnement=acc, details__seance=tenue.pk)
    assert {"service_fait_repondre", "service_fait_confirmer"} <= set(events.values_list("transition", flat=True))


def test_a_party_answers_once(tenue, mentor):
    with pytest.raises(RuleViolation, match="déjà répondu"):
        seance_confirmer(seance=tenue, tenue=True, by=mentor.user)


def test_a_no_needs_a_reason_then_disputes_the_session_and_tells_the_coordination(tenue, acc, django_capture_on_commit_callbacks):
    with pytest.raises(RuleViolation, match="ce qui s’est passé") as error:
        seance_confirmer(seance=tenue, tenue=False, by=acc.beneficiaire)
    assert error.value.field == "commentaire"
    with django_capture_on_commit_callbacks(execute=True):
        seance_confirmer(seance=tenue, tenue=False, commentaire="La personne-ressource n’est pas venue.", by=acc.beneficiaire)
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.CONTESTEE and not tenue.est_payable
    assert any("contestée" in m.subject for m in mail.outbox)
    assert tenue in list(seances_non_confirmees())


def test_only_the_coordination_settles_and_with_a_reason(tenue, acc, mentor, coordinateur):
    seance_confirmer(seance=tenue, tenue=False, commentaire="Absente.", by=acc.beneficiaire)
    tenue.refresh_from_db()
    with pytest.raises(PermissionRefused):
        seance_service_fait_arbitrer(seance=tenue, tenue=True, motif="Je l’affirme", by=mentor.user)
    with pytest.raises(DomainError, match="Expliquez"):
        seance_service_fait_arbitrer(seance=tenue, tenue=True, motif=" ", by=coordinateur)
    seance_service_fait_arbitrer(seance=tenue, tenue=True, motif="Feuille d’émargement signée.", by=coordinateur)
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.TENUE and tenue.est_payable
    event = AccompagnementEvenement.objects.get(transition="service_fait_arbitrer_tenue")
    assert event.reason == "Feuille d’émargement signée." and event.actor == coordinateur


def test_a_planned_session_cannot_be_confirmed(acc):
    seance = passee(acc)
    with pytest.raises(RuleViolation, match="marquée réalisée"):
        seance_confirmer(seance=seance, tenue=True, by=acc.beneficiaire)


def test_an_outsider_cannot_confirm(tenue):
    with pytest.raises(PermissionRefused):
        seance_confirmer(seance=tenue, tenue=True, by=UserFactory())


def test_the_signed_link_answers_without_login_for_its_person_only(client, tenue, acc):
    url = reverse("accompagnements:service_fait_lien", args=[liens.jeton(tenue, acc.beneficiaire)])
    response = client.get(url)
    assert response.status_code == 200 and "La séance a-t-elle eu lieu" in response.content.decode()
    response = client.post(url, {"tenue": "1"}, follow=True)
    assert "Merci, votre réponse est enregistrée" in response.content.decode()
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.CONFIRMEE
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_the_session_page_shows_who_confirmed_and_when(client, tenue, acc, mentor):
    seance_confirmer(seance=tenue, tenue=True, by=acc.beneficiaire)
    client.force_login(mentor.user)
    page = client.get(reverse("accompagnements:seance_detail", args=[tenue.pk])).content.decode()
    assert "Confirmée par les deux" in page
    assert page.count("la séance a eu lieu") >= 2


def test_coordination_list_of_sessions_to_settle_is_bounded_in_queries(
    client, coordinateur, acc, mentor, django_assert_max_num_queries
):
    for days in (2, 3, 4):
        seance = passee(acc, days=days)
        seance_mark_held(seance=seance, by=mentor.user)
    client.force_login(coordinateur)
    url = reverse("accompagnements:service_fait_a_traiter")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("En attente de confirmation") == 3
    client.force_login(mentor.user)
    assert client.get(url).status_code == 403


def test_an_unconfirmed_session_is_reminded_once_then_flagged_to_the_coordination(tenue, acc, coordinateur):
    later = timezone.now() + datetime.timedelta(days=8)
    relances_planifier(now=later)
    relances_planifier(now=later)
    assert Relance.objects.filter(type_relance=TypeRelance.SERVICE_FAIT, destinataire=acc.beneficiaire).count() == 1
    assert Relance.objects.filter(type_relance=TypeRelance.SERVICE_FAIT_COORDINATION, destinataire=coordinateur).count() == 1
    assert not Relance.objects.filter(type_relance=TypeRelance.SERVICE_FAIT, destinataire=acc.mentors.get().user).exists()


def test_a_session_settled_as_not_held_is_neither_payable_nor_delivered(tenue, acc, mentor, coordinateur):
    accompagnements_services.compte_rendu_submit(
        seance=tenue, travaux="Travail.", outils="", progres={}, prochaines_etapes="Suite.", by=mentor.user
    )
    assert demi_journees_livrees(accompagnement_id=acc.pk) == 1
    seance_confirmer(seance=tenue, tenue=False, commentaire="Pas de séance ce jour-là.", by=acc.beneficiaire)
    tenue.refresh_from_db()
    seance_service_fait_arbitrer(seance=tenue, tenue=False, motif="Aucune trace de la séance.", by=coordinateur)
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.NON_TENUE and not tenue.est_payable
    assert demi_journees_livrees(accompagnement_id=acc.pk) == 0
    assert not Seance.objects.livrees().filter(pk=tenue.pk).exists()


def test_a_no_without_reason_from_the_session_page_comes_back_with_the_message_next_to_the_field(client, tenue, acc):
    client.force_login(acc.beneficiaire)
    url = reverse("accompagnements:seance_confirmer", args=[tenue.pk])
    response = client.post(url, {"service-fait-tenue": "0", "service-fait-commentaire": " "})
    assert response.status_code == 400
    assert "Dites en quelques mots ce qui s’est passé." in response.content.decode()
    response = client.post(url, {"service-fait-tenue": "0", "service-fait-commentaire": "Annulée au dernier moment."})
    assert response.status_code == 302
    tenue.refresh_from_db()
    assert tenue.service_fait == ServiceFait.CONTESTEE
