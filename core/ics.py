"""Calendar files (.ics) that calendar applications open, with the Europe/Paris time zone."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Timezone

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
    """A whole calendar file (an invitation, a download): the same bytes as the streamed feed."""
    days = [timezone.localtime(moment, PARIS).date() for item in events for moment in (item.start, item.end)]
    today = timezone.localdate(timezone=PARIS)
    return b"".join(
        stream_calendar(events, first=min(days, default=today), last=max(days, default=today), name=name, method=method)
    )


def stream_calendar(
    events: Iterable[CalendarEvent],
    *,
    first: datetime.date,
    last: datetime.date,
    name: str = "TSF Occitanie",
    method: str = "PUBLISH",
) -> Iterator[bytes]:
    """The calendar one event at a time (for StreamingHttpResponse): memory does not grow with the
    number of events. `first`/`last` bound the time zone's transitions."""
    calendar = _calendar(name, method)
    calendar.add_component(Timezone.from_tzinfo(PARIS, tzid="Europe/Paris", first_date=first, last_date=last))
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    yield head[: -len(end)]
    host = settings.SITE_URL.split("://")[-1].split("/")[0]
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    for item in events:
        yield _vevent(item, host=host, stamp=stamp)
    yield end


# The events are written here rather than through icalendar's component objects: a feed carries
# hundreds of them and icalendar spent ~75 % of the feed's time building and folding each property
# (issue 14). The calendar's head and time zone still come from icalendar; the tests parse every
# file back with icalendar.
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""})


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and new lines escaped."""
    return value.translate(_TEXT_ESCAPES)


def _param(value: str) -> str:
    """A quoted parameter value (RFC 5545 §3.2): no double quote, no control character."""
    return "".join(char for char in value if char != '"' and char >= " ")


def _fold(line: str) -> bytes:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    # Cut on the bytes (a loop over the characters was a fifth of a feed's time): each cut steps back
    # over UTF-8 continuation bytes (0b10xxxxxx) to the start of its character. The first line holds 75
    # octets, the next ones 74 after the space that marks them as continued.
    parts: list[bytes] = []
    start, width = 0, 75
    while len(data) - start > width:
        end = start + width
        while data[end] & 0xC0 == 0x80:
            end -= 1
        parts.append(data[start:end])
        start, width = end, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _vevent(item: CalendarEvent, *, host: str, stamp: str) -> bytes:
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(item.summary)}",
        f"DTSTART;TZID=Europe/Paris:{_local(item.start)}",
        f"DTEND;TZID=Europe/Paris:{_local(item.end)}",
        f"DTSTAMP:{stamp}",
        f"UID:{_text(item.uid)}@{host}",
        f"SEQUENCE:{int(item.sequence)}",
    ]
    if item.location:
        lines.append(f"LOCATION:{_text(item.location)}")
    if item.description:
        lines.append(f"DESCRIPTION:{_text(item.description)}")
    if item.url:
        lines.append(f"URL:{item.url}")
    lines.append(f"STATUS:{'CANCELLED' if item.cancelled else 'CONFIRMED'}")
    if item.organizer:
        name, email = item.organizer
        lines.append(f'ORGANIZER;CN="{_param(name)}":mailto:{email}')
    lines.extend(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{email}" for email in item.attendees)
    lines.append("END:VEVENT")
    return b"".join(_fold(line) for line in lines)
