"""Availability slots: publication (one, recurring), booking through the planning rules, freeing on
cancel or move, the invitations' UID/SEQUENCE/METHOD, the pages and their query counts."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accompagnements import services
from accompagnements.models import Creneau, EtatSeance, Seance
from core.exceptions import PermissionRefused, RuleViolation
from core.invariants import find_violations
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, UserFactory

PARIS = ZoneInfo("Europe/Paris")


def a_paris(jour: datetime.date, heure: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


def publier(mentor, *, debut=None, semaines=1, demi_journees=1, **kwargs):
    return services.creneaux_publish(
        mentor=mentor,
        debut=debut or dans(days=7),
        demi_journees=demi_journees,
        modalite=kwargs.pop("modalite", "presentiel"),
        lieu=kwargs.pop("lieu", "Salle de la structure"),
        semaines=semaines,
        by=mentor.user,
        **kwargs,
    )


def invitation(message):
    ((name, content, mimetype),) = message.attachments
    calendar = Calendar.from_ical(content)
    (event,) = [c for c in calendar.walk() if c.name == "VEVENT"]
    return calendar, event, mimetype


# --- Publication ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_recurring_publication_keeps_the_paris_wall_clock_time_across_the_clock_change(mentor):
    # Six Tuesday mornings at 9:30 from mid-October: the clocks go back on the last Sunday of October.
    annee = timezone.localdate().year + 1
    premier = datetime.date(annee, 10, 13)
    premier += datetime.timedelta(days=(1 - premier.weekday()) % 7)  # a Tuesday
    creneaux = publier(mentor, debut=a_paris(premier, 9, 30), semaines=6)
    assert len(creneaux) == 6
    locaux = [timezone.localtime(c.debut, PARIS) for c in Creneau.objects.filter(mentor=mentor)]
    assert [(d.weekday(), d.hour, d.minute) for d in locaux] == [(1, 9, 30)] * 6
    assert [d.date() for d in locaux] == [premier + datetime.timedelta(weeks=i) for i in range(6)]
    # The UTC offset changed in the middle: the instants are not 7 × 24 h apart everywhere.
    assert {d.utcoffset() for d in locaux} == {datetime.timedelta(hours=2), datetime.timedelta(hours=1)}


@pytest.mark.django_db
def test_an_overlapping_or_past_slot_is_refused_and_nothing_is_published(mentor):
    debut = dans(days=8)
    publier(mentor, debut=debut)
    with pytest.raises(RuleViolation, match="déjà un créneau qui chevauche"):
        # Three weeks starting a week earlier: its second week overlaps the existing slot (a day long).
        publier(mentor, debut=debut - datetime.timedelta(days=7, hours=2), semaines=3, demi_journees=2)
    assert Creneau.objects.filter(mentor=mentor).count() == 1
    with pytest.raises(RuleViolation, match="date à venir"):
        publier(mentor, debut=dans(hours=-1))
    with pytest.raises(RuleViolation, match="de 1 à"):
        publier(mentor, debut=dans(days=20), semaines=500)


@pytest.mark.django_db
def test_only_the_mentor_publishes_their_slots(mentor, acc):
    with pytest.raises(PermissionRefused):
        services.creneaux_publish(
            mentor=mentor, debut=dans(days=7), demi_journees=1, modalite="presentiel", lieu="Salle", by=acc.beneficiaire
        )


# --- Booking --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_beneficiary_books_a_slot_a_planned_session_results_and_the_slot_is_no_longer_offered(
    acc, mentor, django_capture_on_commit_callbacks
):
    (creneau,) = publier(mentor, debut=dans(days=9))
    with django_capture_on_commit_callbacks(execute=True):
        seance = services.creneau_book(creneau=creneau, accompagnement=acc, sujet="Mécénat", by=acc.beneficiaire)
    assert (seance.etat, seance.debut, seance.demi_journees, seance.sujet) == (
        EtatSeance.PLANIFIEE,
        creneau.debut,
        1,
        "Mécénat",
    )
    creneau.refresh_from_db()
    assert creneau.seance == seance and not Creneau.objects.libres().exists()
    # Both parties get the invitation, one UID per session, SEQUENCE 0, METHOD:REQUEST.
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([acc.beneficiaire.email, mentor.user.email])
    assert "L’invitation jointe (fichier .ics) ajoute la séance à votre agenda." in message.body
    calendar, event, mimetype = invitation(message)
    assert mimetype == "text/calendar; method=REQUEST" and calendar["method"] == "REQUEST"
    assert str(event["uid"]).startswith(f"seance-{seance.pk}@") and event["sequence"] == 0
    assert event.decoded("dtstart") == creneau.debut
    with pytest.raises(RuleViolation, match="vient d’être réservé"):
        services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
    assert Seance.objects.filter(accompagnement=acc).count() == 1


@pytest.mark.django_db
def test_a_booking_breaking_a_rule_is_refused_with_the_planning_message(acc, mentor, coordinateur):
    # The programme's period: a slot after its end.
    fin = acc.programme.date_fin + datetime.timedelta(days=10)
    (hors_periode,) = publier(mentor, debut=a_paris(fin, 9, 30))
    with pytest.raises(RuleViolation) as plan_refused:
        services.seance_plan(
            accompagnement=acc, debut=hors_periode.debut, demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
    with pytest.raises(RuleViolation) as booking_refused:
        services.creneau_book(creneau=hors_periode, accompagnement=acc, by=acc.beneficiaire)
    assert booking_refused.value.message == plan_refused.value.message
    assert "pendant la période du programme" in booking_refused.value.message
    # The convention's half-days: 4 planned, a fifth is refused in the same words.
    for jour in range(4):
        services.seance_plan(
            accompagnement=acc, debut=dans(days=20 + jour), demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
    (en_trop,) = publier(mentor, debut=dans(days=30))
    with pytest.raises(RuleViolation) as plan_refused:
        services.seance_plan(
            accompagnement=acc, debut=en_trop.debut, demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
    with pytest.raises(RuleViolation) as booking_refused:
        services.creneau_book(creneau=en_trop, accompagnement=acc, by=coordinateur)
    assert booking_refused.value.message == plan_refused.value.message
    assert "demi-journées de la convention" in booking_refused.value.message
    en_trop.refresh_from_db()
    assert en_trop.est_libre


@pytest.mark.django_db
def test_who_may_book_and_which_slots(acc, mentor):
    (creneau,) = publier(mentor)
    with pytest.raises(PermissionRefused):
        services.creneau_book(creneau=creneau, accompagnement=acc, by=UserFactory())
    with pytest.raises(PermissionRefused):  # the mentor plans directly; booking is the other side's
        services.creneau_book(creneau=creneau, accompagnement=acc, by=mentor.user)
    (autre,) = publier(PersonneRessourceFactory())
    with pytest.raises(RuleViolation, match="n’est pas celui d’une personne-ressource"):
        services.creneau_book(creneau=autre, accompagnement=acc, by=acc.beneficiaire)
    acc.etat = "convention"
    acc.save()
    with pytest.raises(RuleViolation, match="convention signée par tous"):
        services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)


@pytest.mark.django_db
def test_cancelling_the_session_frees_the_slot_and_sends_a_cancel_with_a_higher_sequence(
    acc, mentor, django_capture_on_commit_callbacks
):
    (creneau,) = publier(mentor, debut=dans(days=9))
    seance = services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
    with django_capture_on_commit_callbacks(execute=True):
        services.seance_cancel(seance=seance, motif="Empêchement", by=acc.beneficiaire)
    creneau.refresh_from_db()
    assert creneau.est_libre and list(Creneau.objects.libres()) == [creneau]
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([acc.beneficiaire.email, mentor.user.email])
    calendar, event, mimetype = invitation(message)
    assert calendar["method"] == "CANCEL" and mimetype == "text/calendar; method=CANCEL"
    assert event["status"] == "CANCELLED" and event["sequence"] == 1
    assert str(event["uid"]).startswith(f"seance-{seance.pk}@")
    # Free again: another booking takes it.
    assert services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire).pk != seance.pk
    assert find_violations(["accompagnements.creneau_reserve"]) == []


@pytest.mark.django_db
def test_moving_the_session_raises_the_sequence_and_frees_the_slot(acc, mentor, django_capture_on_commit_callbacks):
    (creneau,) = publier(mentor, debut=dans(days=9))
    seance = services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
    nouveau = seance.debut + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.seance_reschedule(
            seance=seance, debut=nouveau, demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
    assert moved.sequence == 1
    (message,) = mail.outbox
    calendar, event, _mimetype = invitation(message)
    assert calendar["method"] == "REQUEST" and event["sequence"] == 1 and event.decoded("dtstart") == nouveau
    creneau.refresh_from_db()
    assert creneau.est_libre
    # Nothing changed: the same SEQUENCE. Only the place changed: a new version of the event (the feed
    # shows it), no slot to free (the time is the same).
    (autre,) = publier(mentor, debut=dans(days=15))
    seance2 = services.creneau_book(creneau=autre, accompagnement=acc, by=acc.beneficiaire)
    for lieu, sequence in (("Salle de la structure", 0), ("Ailleurs", 1)):
        services.seance_reschedule(
            seance=seance2, debut=seance2.debut, demi_journees=1, modalite="presentiel", lieu=lieu, by=mentor.user
        )
        seance2.refresh_from_db()
        assert seance2.sequence == sequence
    autre.refresh_from_db()
    assert autre.seance == seance2


@pytest.mark.django_db
def test_the_mentor_withdraws_a_free_slot_not_a_booked_one(acc, mentor):
    libre, reserve = publier(mentor, semaines=2)
    services.creneau_book(creneau=reserve, accompagnement=acc, by=acc.beneficiaire)
    services.creneau_withdraw(creneau=libre, by=mentor.user)
    reserve.refresh_from_db()
    with pytest.raises(RuleViolation, match="réservé"):
        services.creneau_withdraw(creneau=reserve, by=mentor.user)
    assert list(Creneau.objects.all()) == [reserve]


@pytest.mark.django_db
def test_the_subscribed_feed_shows_the_current_time_and_sequence(client, acc, mentor):
    (creneau,) = publier(mentor, debut=dans(days=9))
    seance = services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
    nouveau = seance.debut + datetime.timedelta(days=2)
    services.seance_reschedule(seance=seance, debut=nouveau, demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user)
    flux = services.flux_calendrier_regenerate(user=acc.beneficiaire)
    response = client.get(reverse("accompagnements:flux_calendrier", args=[flux.token]))
    assert response.status_code == 200
    (event,) = [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]
    assert event.decoded("dtstart") == nouveau and event["sequence"] == 1
    assert str(event["uid"]).startswith(f"seance-{seance.pk}@")


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mentor_publishes_from_the_page_and_a_bad_input_stays_with_a_message(client, mentor):
    client.force_login(mentor.user)
    url = reverse("accompagnements:mes_creneaux")
    jour = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(url, {"date": jour, "heure": "09:30", "demi_journees": "1", "modalite": "presentiel", "semaines": "3"})
    assert response.status_code == 400
    assert "Indiquez le lieu de la séance." in response.content.decode() and jour in response.content.decode()
    response = client.post(
        url,
        {"date": jour, "heure": "09:30", "demi_journees": "1", "modalite": "presentiel", "lieu": "Salle", "semaines": "3"},
        follow=True,
    )
    assert response.status_code == 200 and "3 créneau(x) publié(s)" in response.content.decode()
    assert Creneau.objects.filter(mentor=mentor).count() == 3


@pytest.mark.django_db
def test_the_slots_pages_are_refused_to_those_they_are_not_for(client, acc, mentor):
    client.force_login(acc.beneficiaire)
    assert client.get(reverse("accompagnements:mes_creneaux")).status_code == 403
    client.force_login(mentor.user)
    assert client.get(reverse("accompagnements:creneaux_accompagnement", args=[acc.pk])).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("accompagnements:creneaux_accompagnement", args=[acc.pk])).status_code == 404


@pytest.mark.django_db
def test_a_refused_booking_from_the_page_shows_the_planning_message(client, acc, mentor):
    fin = acc.programme.date_fin + datetime.timedelta(days=10)
    (creneau,) = publier(mentor, debut=a_paris(fin, 9, 30))
    # The window of the coming weeks would hide it: book it by its address, as a stale page would.
    client.force_login(acc.beneficiaire)
    response = client.post(reverse("accompagnements:creneau_reserver", args=[acc.pk, creneau.pk]), {"sujet": ""})
    assert response.status_code == 400
    assert "La séance doit avoir lieu pendant la période du programme" in response.content.decode()
    assert not Seance.objects.exists()


def _slots(mentor, n, *, start_days=3):
    for i in range(n):
        publier(mentor, debut=dans(days=start_days + i, hours=1))


@pytest.mark.django_db
def test_the_mentor_slots_page_query_count_does_not_grow(client, acc, mentor, django_assert_max_num_queries):
    _slots(mentor, 2)
    services.creneau_book(creneau=Creneau.objects.first(), accompagnement=acc, by=acc.beneficiaire)
    client.force_login(mentor.user)
    url = reverse("accompagnements:mes_creneaux")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _slots(mentor, 15, start_days=20)
    services.creneau_book(creneau=Creneau.objects.libres().last(), accompagnement=acc, by=acc.beneficiaire)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Réservé</span>") == 2 and page.count(">Retirer<") == 15
    assert acc.reference in page


@pytest.mark.django_db
def test_the_booking_page_lists_free_slots_windowed_with_constant_queries(client, acc, mentor, django_assert_max_num_queries):
    _slots(mentor, 2)
    client.force_login(acc.beneficiaire)
    url = reverse("accompagnements:creneaux_accompagnement", args=[acc.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _slots(mentor, 15, start_days=20)
    _slots(PersonneRessourceFactory(), 3)  # another mentor's: not offered here
    publier(mentor, debut=dans(days=7 * 40))  # beyond the coming weeks: not shown
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('>Réserver<span class="visually-hidden">') == 17


@pytest.mark.django_db
def test_the_accompagnement_page_offers_booking_to_the_beneficiary_and_availability_to_the_mentor(client, acc, mentor):
    client.force_login(acc.beneficiaire)
    page = client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert reverse("accompagnements:creneaux_accompagnement", args=[acc.pk]) in page
    assert reverse("accompagnements:mes_creneaux") not in client.get(reverse("accompagnements:agenda")).content.decode()
    client.force_login(mentor.user)
    page = client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert reverse("accompagnements:mes_creneaux") in page
    assert reverse("accompagnements:creneaux_accompagnement", args=[acc.pk]) not in page
    assert reverse("accompagnements:mes_creneaux") in client.get(reverse("accompagnements:agenda")).content.decode()


@pytest.mark.django_db
def test_two_accompagnements_of_a_mentor_see_the_same_free_slots(mentor, programme):
    other = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=2)
    (creneau,) = publier(mentor)
    services.creneau_book(creneau=creneau, accompagnement=other, by=other.beneficiaire)
    assert not Creneau.objects.libres().exists()


@pytest.mark.django_db
def test_the_mentors_space_leads_to_their_availability_and_the_beneficiarys_does_not(client, acc, mentor):
    client.force_login(mentor.user)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert reverse("accompagnements:mes_creneaux") in response.content.decode()
    client.force_login(acc.beneficiaire)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert reverse("accompagnements:mes_creneaux") not in response.content.decode()
