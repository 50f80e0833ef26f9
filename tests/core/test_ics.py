import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from core.ics import CalendarEvent, build_calendar


def test_calendar_file_parses_with_the_paris_time_zone():
    start = datetime.datetime(2026, 3, 29, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))  # day of the DST change
    ics = build_calendar(
        [
            CalendarEvent(
                uid="seance-1", start=start, end=start + datetime.timedelta(hours=3), summary="Séance TSF", location="Toulouse"
            )
        ]
    )
    calendar = Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("dtstart") == start
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Paris"
    assert str(event.get("location")) == "Toulouse"
    assert calendar.walk("VTIMEZONE")


def test_text_is_escaped_and_long_lines_are_folded_without_breaking_a_character():
    start = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))
    summary = "Séance « stratégie », budget; suivi\\chiffres " + "é" * 80
    description = "Ligne 1\nLigne 2, avec virgule; et point-virgule"
    ics = build_calendar(
        [
            CalendarEvent(
                uid="seance-7",
                start=start,
                end=start + datetime.timedelta(hours=3),
                summary=summary,
                description=description,
                url="https://tsf.example.org/accompagnements/seances/7/",
                sequence=3,
                cancelled=True,
                organizer=('Camille "la mentore" Roux', "camille@example.org"),
                attendees=("benoit@example.org", "camille@example.org"),
            )
        ]
    )
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["summary"]) == summary
    assert str(event["description"]) == description
    assert str(event["url"]) == "https://tsf.example.org/accompagnements/seances/7/"
    assert int(event["sequence"]) == 3
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("dtend") == start + datetime.timedelta(hours=3)
    assert str(event["organizer"]) == "mailto:camille@example.org"
    assert event["organizer"].params["CN"] == "Camille la mentore Roux"
    assert [str(a) for a in event["attendee"]] == ["mailto:benoit@example.org", "mailto:camille@example.org"]
