"""`|jour_et_heure` and `|date_heure_courte` write what `|date:"l j F Y, H\\hi"` and `|date:"j/m/Y H:i"`
write (core/templatetags/dates.py)."""

import datetime
from zoneinfo import ZoneInfo

from django.template import engines
from django.utils import translation


def test_the_same_text_as_the_date_filter_every_day_and_month_across_time_changes():
    gabarit = engines["django"].from_string(
        '{% load dates %}{% for d in dates %}{{ d|date:"l j F Y, H\\hi" }}{{ d|date:"j/m/Y H:i" }}|{{ d|jour_et_heure }}{{ d|date_heure_courte }}\n{% endfor %}'
    )
    debut = datetime.datetime(2026, 1, 1, 0, 7, tzinfo=ZoneInfo("UTC"))
    # Every 17 hours for two years: every weekday, month, hour and both time changes of Paris.
    dates = [debut + datetime.timedelta(hours=17 * i) for i in range(2 * 365 * 24 // 17)]
    with translation.override("fr"):
        lignes = gabarit.render({"dates": [*dates, None]}).splitlines()
    assert len(lignes) == len(dates) + 1
    for ligne in lignes:
        attendu, obtenu = ligne.split("|")
        assert obtenu == attendu
    assert "mardi 1 décembre 2026, 10h18" == engines["django"].from_string("{% load dates %}{{ d|jour_et_heure }}").render(
        {"d": datetime.datetime(2026, 12, 1, 9, 18, tzinfo=ZoneInfo("UTC"))}
    )
