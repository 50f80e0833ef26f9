"""Dates of sessions: end, report deadline, late cancellation, gaps; and their calendar files.

Every date rule of the sessions is computed in Europe/Paris (the programme's time zone), so a
deadline stays "the 7th day at 23:59:59 in Paris" across a daylight-saving change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.ics import PARIS, CalendarEvent, build_calendar

from .models import EtatSeance, ModaliteSeance, Seance

# A half-day session lasts 3 hours 30, a full day 7 hours plus a lunch break.
DUREES = {1: datetime.timedelta(hours=3, minutes=30), 2: datetime.timedelta(hours=8)}
# Questions are posted, and cancellations are free, until 48 hours before the start.
DELAI_AVANT_SEANCE = datetime.timedelta(hours=48)


def fin(seance: Seance) -> datetime.datetime:
    return seance.debut + DUREES.get(seance.demi_journees, DUREES[1])


def echeance_compte_rendu(seance: Seance, *, delai_jours: int | None = None) -> datetime.datetime:
    """The report is due on the session's day + `delai_jours` (programme setting), at 23:59:59 in Paris."""
    if delai_jours is None:
        delai_jours = seance.accompagnement.programme.delai_compte_rendu_jours
    jour = timezone.localtime(seance.debut, PARIS).date() + datetime.timedelta(days=delai_jours)
    return datetime.datetime.combine(jour, datetime.time(23, 59, 59), tzinfo=PARIS)


def compte_rendu_en_retard(seance: Seance, *, now: datetime.datetime | None = None) -> bool:
    """True when the report was handed in after its deadline, or is still missing after it."""
    if seance.etat != EtatSeance.REALISEE:
        return False
    echeance = echeance_compte_rendu(seance)
    compte_rendu = getattr(seance, "compte_rendu", None) if _has_compte_rendu(seance) else None
    soumis_le = compte_rendu.soumis_le if compte_rendu else None
    if soumis_le:
        return soumis_le > echeance
    return (now or timezone.now()) > echeance


def _has_compte_rendu(seance: Seance) -> bool:
    try:
        seance.compte_rendu  # noqa: B018
    except Seance.compte_rendu.RelatedObjectDoesNotExist:
        return False
    return True


def annulation_tardive(seance: Seance, *, now: datetime.datetime | None = None) -> bool:
    """Cancelling less than 48 hours before the start is a last-minute cancellation."""
    return seance.debut - (now or timezone.now()) < DELAI_AVANT_SEANCE


def questions_ouvertes(seance: Seance, *, now: datetime.datetime | None = None) -> bool:
    return seance.etat == EtatSeance.PLANIFIEE and (now or timezone.now()) <= seance.debut - DELAI_AVANT_SEANCE


def ecart_jours(precedente: datetime.datetime, suivante: datetime.datetime) -> int:
    """Calendar days between two sessions, counted on Paris dates."""
    return (timezone.localtime(suivante, PARIS).date() - timezone.localtime(precedente, PARIS).date()).days


def _event(seance: Seance) -> CalendarEvent:
    accompagnement = seance.accompagnement
    lieu = seance.lien_visio if seance.modalite == ModaliteSeance.DISTANCE else seance.lieu
    summary = _("Séance %(format)s – %(reference)s") % {
        "format": accompagnement.format.libelle,
        "reference": accompagnement.reference,
    }
    if seance.sujet:
        summary = f"{summary} : {seance.sujet}"
    url = settings.SITE_URL + reverse("accompagnements:seance_detail", args=[seance.pk])
    return CalendarEvent(
        uid=f"seance-{seance.pk}",
        start=seance.debut,
        end=fin(seance),
        summary=summary,
        location=lieu,
        description=_("Détail de la séance et questions : %(url)s") % {"url": url},
        url=url,
        cancelled=seance.etat == EtatSeance.ANNULEE,
        # Grows with every change so that calendar applications replace their copy.
        sequence=int(seance.updated_at.timestamp()) if seance.updated_at else 0,
    )


def seances_ics(seances: Iterable[Seance], *, name: str = "TSF Occitanie") -> bytes:
    """A calendar file of sessions (with accompagnement and format selected)."""
    return build_calendar([_event(seance) for seance in seances], name=name)


def localiser(value: Any) -> Any:
    return timezone.localtime(value, PARIS) if value else value
