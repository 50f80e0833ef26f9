"""Dates of sessions: end, report deadline, late cancellation, gaps; and their calendar files.

Every date rule of the sessions is computed in Europe/Paris (the programme's time zone), so a
deadline stays "the 7th day at 23:59:59 in Paris" across a daylight-saving change.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.cache import cache_optionnel
from core.ics import PARIS, CalendarEvent, build_calendar, stream_calendar
from programmes.models import Programme

from .models import EtatSeance, ModaliteSeance, Seance

# A half-day session lasts 3 hours 30, a full day 7 hours plus a lunch break.
DUREES = {1: datetime.timedelta(hours=3, minutes=30), 2: datetime.timedelta(hours=8)}


def fin(seance: Seance) -> datetime.datetime:
    """A session in hours lasts its hours; one in half-days 3 h 30 or a day (DUREES)."""
    if seance.accompagnement.format.est_en_heures:
        return seance.debut + datetime.timedelta(hours=seance.demi_journees)
    return seance.debut + DUREES.get(seance.demi_journees, DUREES[1])


def delai_avant_seance(seance: Seance) -> datetime.timedelta:
    """Questions are posted, and cancellations are free, until the programme's delay (48 h by default)."""
    return seance.accompagnement.programme.delai_avant_seance


def debut_dans_le_delai_q(now: datetime.datetime, *, prefix: str = "", apres: bool = False) -> Q:
    """Sessions (seen through `prefix`) starting within their programme's delay from `now` (`apres`:
    beyond it). One term per distinct delay among the programmes: a handful of values."""
    champ = f"{prefix}accompagnement__programme__delai_avant_seance_heures"
    condition = Q(pk__in=[])
    for heures in Programme.objects.order_by().values_list("delai_avant_seance_heures", flat=True).distinct():
        borne = now + datetime.timedelta(hours=heures)
        debut = {f"{prefix}debut__gt": borne} if apres else {f"{prefix}debut__lte": borne}
        condition |= Q(**{champ: heures}, **debut)
    return condition


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
    """Cancelling less than the programme's delay (48 hours by default) before the start is a last-minute
    cancellation."""
    return seance.debut - (now or timezone.now()) < delai_avant_seance(seance)


def questions_ouvertes(seance: Seance, *, now: datetime.datetime | None = None) -> bool:
    return seance.etat == EtatSeance.PLANIFIEE and (now or timezone.now()) <= seance.debut - delai_avant_seance(seance)


def ecart_jours(precedente: datetime.datetime, suivante: datetime.datetime) -> int:
    """Calendar days between two sessions, counted on Paris dates."""
    return (timezone.localtime(suivante, PARIS).date() - timezone.localtime(precedente, PARIS).date()).days


@dataclass(frozen=True)
class _Textes:
    """What every event of a calendar shares: its two sentences, translated once, and the address of a
    session's page (reversed once: reverse() costs more than the rest of an event, 400 times a feed)."""

    summary: str
    description: str
    url_prefix: str
    url_suffix: str

    @classmethod
    def courants(cls) -> _Textes:
        # An id no session has, cut out of the reversed address: what is around it is the same for all.
        repere = "918273645"
        prefix, _repere, suffix = reverse("accompagnements:seance_detail", args=[int(repere)]).partition(repere)
        return cls(
            summary=_("Séance %(format)s – %(reference)s"),
            description=_("Détail de la séance et questions : %(url)s"),
            url_prefix=settings.SITE_URL + prefix,
            url_suffix=suffix,
        )


def _event(seance: Seance, *, attendees: tuple[str, ...] = (), textes: _Textes | None = None) -> CalendarEvent:
    textes = textes or _Textes.courants()
    accompagnement = seance.accompagnement
    lieu = seance.lien_visio if seance.modalite == ModaliteSeance.DISTANCE else seance.lieu
    summary = textes.summary % {"format": accompagnement.format.libelle, "reference": accompagnement.reference}
    if seance.sujet:
        summary = f"{summary} : {seance.sujet}"
    url = f"{textes.url_prefix}{seance.pk}{textes.url_suffix}"
    return CalendarEvent(
        uid=f"seance-{seance.pk}",
        start=seance.debut,
        end=fin(seance),
        summary=summary,
        location=lieu,
        description=textes.description % {"url": url},
        url=url,
        cancelled=seance.etat == EtatSeance.ANNULEE,
        # Grows each time the session moves or is cancelled (services), so that calendar applications
        # replace their copy; the same number in the e-mailed invitation and in the subscribed feed.
        sequence=seance.sequence,
        organizer=(accompagnement.programme.pilote.nom, accompagnement.programme.pilote.email) if attendees else None,
        attendees=attendees,
    )


def seances_ics(seances: Iterable[Seance], *, name: str = "TSF Occitanie") -> bytes:
    """A calendar file of sessions (with accompagnement and format selected)."""
    textes = _Textes.courants()
    return build_calendar([_event(seance, textes=textes) for seance in seances], name=name)


def seance_invitation(seance: Seance, *, attendees: list[str]) -> tuple[str, str, str]:
    """The e-mail attachment (name, text, MIME type) of a session planned or moved (METHOD:REQUEST) or
    cancelled (METHOD:CANCEL, STATUS:CANCELLED): one UID per session, its current SEQUENCE."""
    method = "CANCEL" if seance.etat == EtatSeance.ANNULEE else "REQUEST"
    content = build_calendar([_event(seance, attendees=tuple(attendees))], method=method)
    return (f"seance-{seance.pk}.ics", content.decode("utf-8"), f"text/calendar; method={method}")


# --- The subscribed feed: a window of time, at most a number of events, streamed -------------


@dataclass(frozen=True)
class FenetreFlux:
    """The sessions a feed carries: from `depuis` (past horizon) to `jusqua` (future horizon), cut
    at midnight in Paris so that the feed and its validators change once a day, not every second."""

    aujourdhui: datetime.datetime
    depuis: datetime.datetime
    jusqua: datetime.datetime

    @classmethod
    def courante(cls, now: datetime.datetime | None = None) -> FenetreFlux:
        aujourdhui = timezone.localtime(now or timezone.now(), PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(
            aujourdhui=aujourdhui,
            depuis=aujourdhui - datetime.timedelta(days=settings.TSF_ICS_PAST_DAYS),
            jusqua=aujourdhui + datetime.timedelta(days=settings.TSF_ICS_FUTURE_DAYS),
        )


def flux_validateurs(seances: QuerySet[Seance], fenetre: FenetreFlux, *, cle: str) -> tuple[str, datetime.datetime | None]:
    """ETag and Last-Modified of a feed, from one aggregate over the window (index on the date), per
    format of its sessions. The ETag is also the key under which the body is kept (flux_corps): everything the
    body is made of is in it. Any session written (moved, cancelled, renamed), added or gone, its
    accompagnement renamed, a format renamed or changing its unit, the window sliding at midnight, the
    settings that shape the feed: each changes the ETag. The sum of the ids tells a set of sessions from
    another of the same size (a mentor who left one accompagnement and joined another, whose sessions
    were all written earlier)."""
    # One row per format of the window's sessions (a handful): a format has no modification date and a
    # summary shows its name (its unit, the end time), so the formats the body can show are part of the
    # ETag, and only those: not every format of every programme, read whole on each poll.
    lignes = list(
        seances.filter(debut__gte=fenetre.depuis, debut__lt=fenetre.jusqua)
        .order_by()
        .values("accompagnement__format_id", "accompagnement__format__libelle", "accompagnement__format__unite")
        .annotate(
            n=Count("pk"),
            ids=Sum("pk"),
            seance=Max("updated_at"),
            accompagnement=Max("accompagnement__updated_at"),
        )
        .order_by("accompagnement__format_id")
    )
    formats = [
        (ligne["accompagnement__format_id"], ligne["accompagnement__format__libelle"], ligne["accompagnement__format__unite"])
        for ligne in lignes
    ]
    figures = {
        "n": sum(ligne["n"] for ligne in lignes),
        "ids": sum(ligne["ids"] for ligne in lignes),
        "seance": max((ligne["seance"] for ligne in lignes if ligne["seance"]), default=None),
        "accompagnement": max((ligne["accompagnement"] for ligne in lignes if ligne["accompagnement"]), default=None),
    }
    dates = [d for d in (figures["seance"], figures["accompagnement"]) if d]
    last_modified = max(dates) if dates else None
    signature = "|".join(
        str(part)
        for part in (
            cle,
            fenetre.depuis.date(),
            fenetre.aujourdhui.date(),
            fenetre.jusqua.date(),
            settings.TSF_ICS_MAX_EVENTS,
            settings.SITE_URL,
            translation.get_language(),
            figures["n"],
            figures["ids"],
            figures["seance"] and figures["seance"].timestamp(),
            figures["accompagnement"] and figures["accompagnement"].timestamp(),
            formats,
        )
    )
    return f'"{hashlib.sha256(signature.encode()).hexdigest()[:32]}"', last_modified


# What an event of the feed reads (_event, fin): the sessions' other columns and the other relations
# that seances_of() selects for the pages would only cost their decoding, 400 rows a feed.
FLUX_COLONNES = (
    "debut",
    "demi_journees",
    "modalite",
    "lieu",
    "lien_visio",
    "sujet",
    "etat",
    "sequence",
    "accompagnement__reference",
    "accompagnement__format__libelle",
    "accompagnement__format__unite",
)


def flux_seances(seances: QuerySet[Seance], fenetre: FenetreFlux) -> Iterator[Seance]:
    """The window's sessions: at most TSF_ICS_MAX_EVENTS, three quarters of them from today on
    (nearest first), the rest the most recent past ones. Two queries, whatever the history."""
    maximum = settings.TSF_ICS_MAX_EVENTS
    passees = maximum // 4
    seances = seances.select_related(None).select_related("accompagnement__format").only(*FLUX_COLONNES)
    a_venir = seances.filter(debut__gte=fenetre.aujourdhui, debut__lt=fenetre.jusqua).order_by("debut", "pk")
    recentes = seances.filter(debut__gte=fenetre.depuis, debut__lt=fenetre.aujourdhui).order_by("-debut", "-pk")
    yield from recentes[:passees]
    yield from a_venir[: maximum - passees]


def flux_ics(seances: QuerySet[Seance], fenetre: FenetreFlux, *, name: str) -> Iterator[bytes]:
    """The feed's bytes, one session at a time."""
    textes = _Textes.courants()
    return stream_calendar(
        (_event(seance, textes=textes) for seance in flux_seances(seances, fenetre)),
        first=fenetre.depuis.date(),
        last=fenetre.jusqua.date(),
        name=name,
    )


def flux_corps(seances: QuerySet[Seance], fenetre: FenetreFlux, *, etag: str, name: str) -> bytes:
    """The feed's bytes, kept in the cache under its ETag until the window moves at midnight: a feed
    asked again unchanged, even without If-None-Match, costs its validators and a cache read. The ETag
    changes with everything the body shows (flux_validateurs), so a kept body is never stale; its
    DTSTAMP is the time it was written, which RFC 5545 allows for a published calendar.

    A cache that cannot answer (Redis down) only means rendering again, never an error."""
    cle = "flux-calendrier:" + etag.strip('"')
    partage = cache_optionnel("flux")
    body = partage.get(cle) if partage is not None else None
    if body is None:
        body = b"".join(flux_ics(seances, fenetre, name=name))
        if partage is not None:
            minuit = fenetre.aujourdhui + datetime.timedelta(days=1)
            partage.set(cle, body, timeout=max(1, int((minuit - timezone.now()).total_seconds())))
    return body


def localiser(value: Any) -> Any:
    return timezone.localtime(value, PARIS) if value else value
