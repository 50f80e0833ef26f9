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
