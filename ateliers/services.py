"""Business operations on the ateliers: schedule one, register (confirmed or waiting), withdraw (the first
waiting moves up and is told by e-mail), record attendance and payments, record a programme's members.

Capacity is checked under a lock on the atelier's row: two registrations at the same second are
counted in turn, so confirmed registrations never outnumber the places (tests/ateliers, on PostgreSQL).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annuaire.models import PersonneRessource
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation
from core.money import euros
from core.permissions import require
from core.workflow import apply_transition
from programmes.models import Format, NatureFormat, Programme

from .models import ETATS_ACTIFS, ETATS_CONFIRMES, Adhesion, Atelier, EtatInscription, Inscription, InscriptionEvenement
from .workflow import WORKFLOW


def _check_atelier(*, programme: Programme, format: Format, debut: datetime.datetime, lieu: str, lien_visio: str) -> None:
    if format.programme_id != programme.pk:
        raise RuleViolation(_("Ce format n’est pas un format de ce programme."), field="format")
    if format.nature != NatureFormat.COLLECTIF:
        raise RuleViolation(_("Un atelier se programme dans un format collectif."), field="format")
    if timezone.is_naive(debut):
        raise RuleViolation(_("L’heure de début doit être précisée avec son fuseau horaire."), field="debut")
    if not lieu.strip() and not lien_visio.strip():
        raise RuleViolation(_("Indiquez un lieu ou un lien de visioconférence."), field="lieu")


@transaction.atomic
def atelier_create(
    *,
    programme: Programme,
    format: Format,
    titre: str,
    debut: datetime.datetime,
    duree: int,
    by: User | None,
    theme: str = "",
    lieu: str = "",
    lien_visio: str = "",
    personne_ressource: PersonneRessource | None = None,
    capacite: int | None = None,
    participation_non_membre: Decimal | None = None,
) -> Atelier:
    """Schedule an atelier. Capacity defaults to the format's participants at most, the non-members'
    fee to the format's fee per unit times the duration."""
    if by is not None:
        require(by, "atelier.gerer")
    _check_atelier(programme=programme, format=format, debut=debut, lieu=lieu, lien_visio=lien_visio)
    if duree < 1:
        raise RuleViolation(_("La durée est d’au moins une unité."), field="duree")
    capacite = format.participants_max if capacite is None else capacite
    if capacite < 1:
        raise RuleViolation(_("Un atelier a au moins une place."), field="capacite")
    if participation_non_membre is None:
        participation_non_membre = euros(format.participation_non_membre * duree)
    if participation_non_membre < 0:
        raise RuleViolation(_("La participation ne peut pas être négative."), field="participation_non_membre")
    return Atelier.objects.create(
        programme=programme,
        format=format,
        titre=titre,
        theme=theme,
        debut=debut,
        duree=duree,
        lieu=lieu,
        lien_visio=lien_visio,
        personne_ressource=personne_ressource,
        capacite=capacite,
        participation_non_membre=participation_non_membre,
    )


ATELIER_CHAMPS = (
    "titre",
    "theme",
    "debut",
    "duree",
    "lieu",
    "lien_visio",
    "personne_ressource",
    "capacite",
    "participation_non_membre",
)


@transaction.atomic
def atelier_update(*, atelier: Atelier, by: User | None, **changes: Any) -> Atelier:
    """Change an atelier. Fewer places than confirmed registrations are refused; more places move the
    waiting list up. A changed fee applies to the next registrations, not to those already made."""
    if by is not None:
        require(by, "atelier.gerer")
    unknown = set(changes) - set(ATELIER_CHAMPS)
    if unknown:
        raise ValueError(f"unknown atelier fields: {sorted(unknown)}")
    locked = Atelier.objects.select_for_update().get(pk=atelier.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_atelier(
        programme=locked.programme, format=locked.format, debut=locked.debut, lieu=locked.lieu, lien_visio=locked.lien_visio
    )
    confirmees = locked.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    if locked.capacite < max(confirmees, 1):
        raise RuleViolation(
            _("%(n)s personne(s) sont déjà inscrites : l’atelier ne peut pas avoir moins de places.") % {"n": confirmees},
            field="capacite",
        )
    locked.save()
    _faire_monter(locked)
    return locked


def _event(
    inscription: Inscription, *, kind: str = "transition", transition: str = "", to_state: str = "", by: Any = None
) -> None:
    InscriptionEvenement.objects.create(
        inscription=inscription,
        kind=kind,
        transition=transition,
        to_state=to_state,
        actor=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def inscription_create(*, atelier: Atelier, participant: User, by: User) -> Inscription:
    """Register `participant` (themself, or by the coordination): confirmed while places are left, on the
    waiting list otherwise. A member of the programme owes nothing; a non-member the atelier's fee."""
    require(by, "atelier.s_inscrire" if by.pk == participant.pk else "atelier.inscrire", atelier)
    # The lock makes registrations to one atelier count the places in turn.
    locked = Atelier.objects.select_for_update().get(pk=atelier.pk)
    if locked.inscriptions.filter(participant=participant, etat__in=ETATS_ACTIFS).exists():
        raise RuleViolation(_("Cette personne est déjà inscrite à cet atelier (ou sur sa liste d’attente)."))
    confirmees = locked.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    etat = EtatInscription.INSCRITE if confirmees < locked.capacite else EtatInscription.EN_ATTENTE
    membre = Adhesion.objects.filter(programme_id=locked.programme_id, personne=participant).exists()
    inscription = Inscription.objects.create(
        atelier=locked,
        participant=participant,
        etat=etat,
        demandee_le=timezone.now(),
        membre=membre,
        participation_due=Decimal("0.00") if membre else locked.participation_non_membre,
        inscrite_par=by,
    )
    _event(inscription, kind="note", transition="inscrire", to_state=etat, by=by)
    return inscription


def _faire_monter(atelier: Atelier) -> list[Inscription]:
    """Give each free place to the first on the waiting list (call with the atelier locked)."""
    confirmees = atelier.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    libres = atelier.capacite - confirmees
    if libres <= 0:
        return []
    montees = []
    attente = (
        atelier.inscriptions.filter(etat=EtatInscription.EN_ATTENTE).select_related("participant").order_by("demandee_le", "pk")
    )
    for suivante in attente[:libres]:
        apply_transition(
            suivante,
            workflow=WORKFLOW,
            name="promouvoir",
            actor=None,
            history_model=InscriptionEvenement,
            history_fk="inscription",
        )
        send_templated_after_commit(
            to=[suivante.participant.email],
            name="atelier_place_liberee",
            context={"atelier": atelier, "inscription": suivante, "participant": suivante.participant},
        )
        montees.append(suivante)
    return montees


@transaction.atomic
def inscription_withdraw(*, inscription: Inscription, by: User, reason: str = "") -> Inscription:
    """Withdraw a registration (confirmed or waiting), until the atelier starts; a freed place goes to
    the first on the waiting list, who is told by e-mail."""
    require(by, "inscription.desister", inscription)
    # The atelier first, as a registration does: one order of locks.
    atelier = Atelier.objects.select_for_update().get(pk=inscription.atelier_id)
    locked = apply_transition(
        inscription,
        workflow=WORKFLOW,
        name="desister",
        actor=by,
        reason=reason,
        history_model=InscriptionEvenement,
        history_fk="inscription",
    )
    _faire_monter(atelier)
    return locked


@transaction.atomic
def presence_record(*, inscription: Inscription, presente: bool, by: User) -> Inscription:
    """Note a confirmed participant present or absent, once the atelier has started (can be corrected)."""
    name = "marquer_presente" if presente else "marquer_absente"
    require(by, f"inscription.{name}", inscription)
    return apply_transition(
        inscription, workflow=WORKFLOW, name=name, actor=by, history_model=InscriptionEvenement, history_fk="inscription"
    )


@transaction.atomic
def participation_mark_paid(*, inscription: Inscription, by: User, le: datetime.datetime | None = None) -> Inscription:
    """Record that a non-member paid the participation due."""
    locked = Inscription.objects.select_for_update().select_related("atelier").get(pk=inscription.pk)
    require(by, "inscription.payer", locked)
    locked.participation_payee_le = le or timezone.now()
    locked.save(update_fields=["participation_payee_le", "updated_at"])
    _event(locked, kind="note", transition="payer", by=by)
    inscription.participation_payee_le = locked.participation_payee_le
    return locked


@transaction.atomic
def adhesion_record(*, programme: Programme, personne: User, by: User | None, note: str = "") -> Adhesion:
    """Record that `personne` is a member of the programme: their next registrations owe nothing."""
    if by is not None:
        require(by, "adhesion.enregistrer", programme)
    adhesion, _created = Adhesion.objects.get_or_create(programme=programme, personne=personne, defaults={"note": note})
    return adhesion
