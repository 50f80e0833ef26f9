"""Availability slots: a personne-ressource publishes half-days (one, or the same weekday and time for
several weeks); the beneficiary or the coordination books one for an accompagnement, which plans the
session with every rule of a planned session (seances.seance_create_checked). Slots never overlap
for one mentor; a booked slot is no longer offered, until its session is cancelled or moved away.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from annuaire.models import PersonneRessource
from core.exceptions import RuleViolation
from core.ics import PARIS
from core.permissions import require

from .. import calendar as seance_dates
from ..models import Accompagnement, Creneau, ModaliteSeance, Seance
from .seances import check_lieu, seance_create_checked


def _dates_recurrentes(debut: datetime.datetime, semaines: int) -> list[datetime.datetime]:
    """The same weekday and wall-clock time in Paris, week after week (across a daylight-saving change)."""
    # A slot starts on a minute, as the planning form's times do.
    local = timezone.localtime(debut, PARIS).replace(second=0, microsecond=0)
    return [
        datetime.datetime.combine(local.date() + datetime.timedelta(weeks=i), local.time(), tzinfo=PARIS) for i in range(semaines)
    ]


def _fin(debut: datetime.datetime, demi_journees: int) -> datetime.datetime:
    return debut + seance_dates.DUREES[demi_journees]


@transaction.atomic
def creneaux_publish(
    *,
    mentor: PersonneRessource,
    debut: datetime.datetime,
    demi_journees: int,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
    semaines: int = 1,
    by: User,
) -> list[Creneau]:
    """Publish one slot, or one a week for `semaines` weeks; all or none (a date already taken refuses)."""
    require(by, "creneau.publier", mentor)
    if demi_journees not in seance_dates.DUREES:
        raise RuleViolation(_("Une séance dure une demi-journée ou une journée."), field="demi_journees")
    maximum = settings.TSF_CRENEAUX_RECURRENCE_MAX
    if not 1 <= semaines <= maximum:
        raise RuleViolation(
            _("Publiez de 1 à %(max)s semaines à la fois.") % {"max": maximum},
            field="semaines",
        )
    if timezone.is_naive(debut):
        raise RuleViolation(_("Indiquez la date et l’heure du créneau."), field="date")
    if debut <= timezone.now():
        raise RuleViolation(_("Un créneau se publie pour une date à venir."), field="date")
    check_lieu(modalite=modalite, lieu=lieu, lien_visio=lien_visio)
    # One publication at a time per mentor, so that two never overlap.
    PersonneRessource.objects.select_for_update().filter(pk=mentor.pk).first()
    dates = _dates_recurrentes(debut, semaines)
    plus_long = max(seance_dates.DUREES.values())
    existants = list(
        Creneau.objects.filter(mentor=mentor, debut__gt=dates[0] - plus_long, debut__lt=_fin(dates[-1], demi_journees)).only(
            "debut", "demi_journees"
        )
    )
    for date in dates:
        fin = _fin(date, demi_journees)
        if any(c.debut < fin and _fin(c.debut, c.demi_journees) > date for c in existants):
            raise RuleViolation(
                _("Vous avez déjà un créneau qui chevauche celui du %(date)s.")
                % {"date": date_format(timezone.localtime(date, PARIS), "DATETIME_FORMAT")},
                field="date",
            )
    return Creneau.objects.bulk_create(
        Creneau(
            mentor=mentor,
            debut=date,
            demi_journees=demi_journees,
            modalite=modalite,
            lieu=lieu.strip() if modalite == ModaliteSeance.PRESENTIEL else "",
            lien_visio=lien_visio.strip() if modalite == ModaliteSeance.DISTANCE else "",
        )
        for date in dates
    )


@transaction.atomic
def creneau_withdraw(*, creneau: Creneau, by: User) -> None:
    """The mentor withdraws a slot nobody booked."""
    locked = Creneau.objects.select_for_update().select_related("mentor").get(pk=creneau.pk)
    require(by, "creneau.retirer", locked)
    locked.delete()


@transaction.atomic
def creneau_book(*, creneau: Creneau, accompagnement: Accompagnement, sujet: str = "", by: User) -> Seance:
    """Book a free slot of one of the accompagnement's mentors: the session is planned as `seance_plan`
    would (same rules, same refusals, same invitations) and the slot is no longer offered."""
    require(by, "creneau.reserver", accompagnement)
    # Two bookings of one slot are checked in turn; the second finds it taken.
    locked = Creneau.objects.select_for_update().get(pk=creneau.pk)
    if not locked.est_libre:
        raise RuleViolation(_("Ce créneau vient d’être réservé : choisissez-en un autre."))
    if not accompagnement.mentors.filter(pk=locked.mentor_id).exists():
        raise RuleViolation(_("Ce créneau n’est pas celui d’une personne-ressource de cet accompagnement."))
    if locked.debut <= timezone.now():
        raise RuleViolation(_("Ce créneau est passé : choisissez-en un autre."))
    if accompagnement.format.est_en_heures:
        # A slot is a half-day or a day; a session in hours is planned with its own number of hours.
        raise RuleViolation(
            _("Les créneaux se comptent en demi-journées : planifiez la séance de %(format)s avec sa durée en heures.")
            % {"format": accompagnement.format.libelle}
        )
    seance = seance_create_checked(
        accompagnement=accompagnement,
        debut=locked.debut,
        demi_journees=locked.demi_journees,
        modalite=locked.modalite,
        lieu=locked.lieu,
        lien_visio=locked.lien_visio,
        sujet=sujet,
        by=by,
        details={"creneau": locked.pk},
    )
    locked.seance = seance
    locked.save(update_fields=["seance", "updated_at"])
    return seance
