"""Calendar files (.ics) that calendar applications open, with the Europe/Paris time zone."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime.datetime
    end: datetime.datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0
    # For an invitation sent by e-mail (METHOD:REQUEST / CANCEL, RFC 5546): who sends it, to whom.
    organizer: tuple[str, str] | None = None  # (name, e-mail)
    attendees: tuple[str, ...] = ()


def _calendar(name: str, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//TSF Occitanie//Plateforme TSF-Mentorat//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    return calendar


def build_calendar(events: list[CalendarEvent], *, name: str = "TSF Occitanie", method: str = "PUBLISH") -> bytes:
    calendar = _calendar(name, method)
    for item in events:
        calendar.add_component(_vevent(item))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def stream_calendar(
    events: Iterable[CalendarEvent],
    *,
    first: datetime.date,
    last: datetime.date,
    name: str = "TSF Occitanie",
    method: str = "PUBLISH",
) -> Iterator[bytes]:
    """The same calendar as build_calendar, one event at a time (for StreamingHttpResponse): memory
    does not grow with the number of events. `first`/`last` bound the time zone's transitions."""
    calendar = _calendar(name, method)
    calendar.add_component(Timezone.from_tzinfo(PARIS, tzid="Europe/Paris", first_date=first, last_date=last))
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    yield head[: -len(end)]
    for item in events:
        yield _vevent(item).to_ical()
    yield end


def _vevent(item: CalendarEvent) -> Event:
    event = Event()
    event.add("uid", f"{item.uid}@{settings.SITE_URL.split('://')[-1].split('/')[0]}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", item.start.astimezone(PARIS))
    event.add("dtend", item.end.astimezone(PARIS))
    event.add("summary", item.summary)
    event.add("sequence", item.sequence)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.organizer:
        name, email = item.organizer
        event.add("organizer", vCalAddress(f"mailto:{email}"), parameters={"cn": name})
    for email in item.attendees:
        event.add("attendee", vCalAddress(f"mailto:{email}"), parameters={"role": "REQ-PARTICIPANT", "rsvp": "FALSE"})
    return event
