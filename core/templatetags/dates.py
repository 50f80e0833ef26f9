"""`{{ seance.debut|jour_et_heure }}`: « mardi 1 décembre 2026, 10h18 », exactly what
`|date:"l j F Y, H\\hi"` writes, and `{{ relance.envoyee_le|date_heure_courte }}`: « 1/12/2026 10:18 »,
exactly what `|date:"j/m/Y H:i"` writes, for long lists.

Django's `date` filter interprets its format letter by letter and looks up the translated day and
month names at each call: about 40 µs a date, two milliseconds for an agenda page of fifty sessions
(issue 14). The names are Django's own (django.utils.dates), in the active language.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils.dates import MONTHS, WEEKDAYS

register = template.Library()


@register.filter(expects_localtime=True)
def jour_et_heure(valeur: datetime.datetime | None) -> str:
    if not valeur:
        return ""
    return f"{WEEKDAYS[valeur.weekday()]} {valeur.day} {MONTHS[valeur.month]} {valeur.year:04d}, {valeur.hour:02d}h{valeur.minute:02d}"


@register.filter(expects_localtime=True)
def date_heure_courte(valeur: datetime.datetime | None) -> str:
    if not valeur:
        return ""
    return f"{valeur.day}/{valeur.month:02d}/{valeur.year:04d} {valeur.hour:02d}:{valeur.minute:02d}"
