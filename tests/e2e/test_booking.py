"""Booking against availability in the browser: the mentor publishes slots, the beneficiary books one,
both get the invitation; a booking breaking a rule is refused in the planning's words; the mentor moves
the session and both calendars (parsed by `icalendar`) show the new time with a higher SEQUENCE."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from accompagnements import services
from accompagnements.models import Creneau, Seance
from core.exceptions import RuleViolation
from tests.e2e.conftest import login
from tests.e2e.test_sessions import logout, verified
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    UserFactory,
    convention_signee,
)

PARIS = ZoneInfo("Europe/Paris")


def _invitations(email: str) -> list:
    """The calendar events `email` received, oldest first, each with its METHOD."""
    events = []
    for message in mail.outbox:
        if email not in message.to:
            continue
        for name, content, _mimetype in message.attachments:
            if name.endswith(".ics"):
                calendar = Calendar.from_ical(content)
                (event,) = [c for c in calendar.walk() if c.name == "VEVENT"]
                events.append((str(calendar["method"]), event))
    return events


@pytest.mark.django_db(transaction=True)
def test_mentor_publishes_beneficiary_books_both_calendars_follow_the_move(page, shot, assert_accessible):
    programme = ProgrammeFactory()
    mentor = PersonneRessourceFactory()
    verified(mentor.user)
    # One half-day in the convention: a second booking breaks the rule planning would apply.
    accompagnement = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=1)
    beneficiaire = verified(accompagnement.beneficiaire)
    coordinateur = verified(UserFactory(roles=["coordination"]))
    convention_signee(accompagnement, coordinateur=coordinateur, le=timezone.now() - datetime.timedelta(days=10))
    premier = timezone.localdate() + datetime.timedelta(days=8)
    detail_url = f"{page.base_url}/accompagnements/{accompagnement.pk}/"

    # The mentor publishes the same morning three weeks running.
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(detail_url)
    page.get_by_role("link", name="Mes disponibilités").click()
    assert_accessible(page)
    page.get_by_label("Date").fill(premier.isoformat())
    page.get_by_label("Heure de début").fill("09:30")
    page.get_by_label("Une demi-journée", exact=True).check()
    page.get_by_label("En présentiel", exact=True).check()
    page.get_by_label("Lieu (en présentiel)").fill("Le Metronum, Toulouse")
    page.get_by_label("Nombre de semaines").fill("3")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("3 créneau(x) publié(s)")).to_be_visible()
    expect(page.get_by_test_id("mes-creneaux").get_by_role("listitem")).to_have_count(3)
    shot(page, "trois créneaux publiés")
    logout(page)

    # The beneficiary books the first one.
    login(page, beneficiaire.email, DEFAULT_PASSWORD)
    page.goto(detail_url)
    page.get_by_role("link", name="Réserver un créneau").click()
    libres = page.get_by_test_id("creneaux-libres").get_by_role("listitem")
    expect(libres).to_have_count(3)
    assert_accessible(page)
    libres.first.get_by_label("Thème (facultatif)").fill("Stratégie de mécénat")
    libres.first.get_by_role("button", name=re.compile("^Réserver")).click()
    expect(page.get_by_text("Le créneau est réservé")).to_be_visible()
    seance = Seance.objects.get(accompagnement=accompagnement)
    debut = datetime.datetime.combine(premier, datetime.time(9, 30), tzinfo=PARIS)
    assert seance.debut == debut and seance.sujet == "Stratégie de mécénat"
    for email in (beneficiaire.email, mentor.user.email):
        ((method, event),) = _invitations(email)
        assert method == "REQUEST" and event.decoded("dtstart") == debut and event["sequence"] == 0
        assert str(event["uid"]).startswith(f"seance-{seance.pk}@")

    # The booked slot is no longer offered; booking another breaks the convention's half-days: the
    # page says so in the words planning a session would use.
    page.goto(detail_url + "creneaux/")
    expect(libres).to_have_count(2)
    with pytest.raises(RuleViolation) as planning:
        services.seance_plan(
            accompagnement=accompagnement,
            debut=Creneau.objects.libres().first().debut,
            demi_journees=1,
            modalite="presentiel",
            lieu="Le Metronum, Toulouse",
            by=mentor.user,
        )
    libres.first.get_by_role("button", name=re.compile("^Réserver")).click()
    expect(page.get_by_test_id("reservation-refusee")).to_have_text(planning.value.message)
    assert "demi-journées de la convention" in planning.value.message
    assert Seance.objects.filter(accompagnement=accompagnement).count() == 1
    shot(page, "réservation refusée")
    assert_accessible(page)
    logout(page)

    # The mentor moves the session two days later, in the afternoon.
    nouveau_jour = premier + datetime.timedelta(days=2)
    login(page, mentor.user.email, DEFAULT_PASSWORD)
    page.goto(f"{page.base_url}/accompagnements/seances/{seance.pk}/")
    page.get_by_role("link", name="Modifier ou déplacer").click()
    page.get_by_label("Date").fill(nouveau_jour.isoformat())
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_role("button", name="Enregistrer les changements").click()
    expect(page.get_by_text("La séance est modifiée")).to_be_visible()
    nouveau = datetime.datetime.combine(nouveau_jour, datetime.time(14, 0), tzinfo=PARIS)
    for email in (beneficiaire.email, mentor.user.email):
        (_method, first), (method, moved) = _invitations(email)
        assert method == "REQUEST" and moved["uid"] == first["uid"]
        assert moved.decoded("dtstart") == nouveau and moved.decoded("dtstart").tzinfo is not None
        assert moved["sequence"] > first["sequence"]
    # The slot the session left is offered again.
    page.goto(f"{page.base_url}/accompagnements/creneaux/")
    expect(page.get_by_test_id("mes-creneaux").get_by_text("Libre")).to_have_count(3)

    # The subscribed feed carries the current time and SEQUENCE.
    page.goto(f"{page.base_url}/accompagnements/agenda/")
    page.get_by_role("button", name="Créer mon adresse d’agenda").click()
    feed_url = page.get_by_label("Adresse de mon agenda").input_value()
    feed = page.request.get(page.base_url + "/" + feed_url.split("/", 3)[3])
    assert feed.ok
    (event,) = [c for c in Calendar.from_ical(feed.body()).walk() if c.name == "VEVENT"]
    assert event.decoded("dtstart") == nouveau and event["sequence"] == 1
