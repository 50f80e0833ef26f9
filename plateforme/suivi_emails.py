"""What the mail provider says of the messages sent: delivered, bounced, complained.

The provider posts its events to anymail's tracking webhook (/anymail/<provider>/tracking/,
authenticated by HTTP basic auth with ANYMAIL["WEBHOOK_SECRET"], plus the provider's signature
where it has one); anymail turns them into a `tracking` signal, received here. Each event
updates the recorded message (core.MessageEnvoye, by the provider's message id). A hard bounce,
a block or a complaint flags the person's address (User.email_en_echec_le) and holds the
reminders to it until the coordination says the address works again.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.exceptions import PermissionRefused
from core.models import MessageEnvoye
from relances.services import relances_reprendre, relances_suspendre

logger = logging.getLogger(__name__)
S = MessageEnvoye.Statut

# anymail's normalised event → our status. Opens and clicks only confirm a delivery.
STATUTS: dict[str, str] = {
    EventType.QUEUED: S.ACCEPTE,
    EventType.SENT: S.ACCEPTE,
    EventType.DEFERRED: S.DIFFERE,
    EventType.DELIVERED: S.REMIS,
    EventType.OPENED: S.OUVERT,
    EventType.CLICKED: S.OUVERT,
    EventType.BOUNCED: S.REBOND,
    EventType.REJECTED: S.REJETE,
    EventType.COMPLAINED: S.PLAINTE,
    EventType.FAILED: S.ECHEC,
}
# The provider's events arrive in any order: a late "delivered" must not hide a bounce.
RANG: dict[str, int] = {
    S.ENVOYE: 0,
    S.ACCEPTE: 1,
    S.DIFFERE: 2,
    S.ECHEC: 3,
    S.REMIS: 4,
    S.OUVERT: 5,
    S.REBOND: 6,
    S.REJETE: 6,
    S.PLAINTE: 7,
}
# Brevo (and others) report a temporary failure as a bounce: it is a deferral, not a dead address.
REBONDS_TEMPORAIRES = {"soft_bounce", "softbounce", "soft-bounce"}


def _statut(event: AnymailTrackingEvent) -> str | None:
    esp_type = str((event.esp_event or {}).get("event", "")) if isinstance(event.esp_event, dict) else ""
    if event.event_type == EventType.BOUNCED and esp_type.lower() in REBONDS_TEMPORAIRES:
        return S.DIFFERE
    return STATUTS.get(event.event_type)


@transaction.atomic
def email_evenement_enregistrer(
    *, message_id: str, destinataire: str, statut: str, detail: str = "", quand: datetime.datetime | None = None
) -> MessageEnvoye | None:
    """Apply one provider event to the recorded message; flag the address on a definitive failure."""
    destinataire = (destinataire or "").strip()
    message = None
    if message_id:
        candidates = MessageEnvoye.objects.select_for_update().filter(message_id=message_id)
        message = candidates.filter(destinataire__iexact=destinataire).first() or candidates.first()
    if message is not None and RANG.get(statut, 0) >= RANG.get(message.statut, 0):
        message.statut = statut
        if detail:
            message.detail = detail[:2000]
        message.save(update_fields=["statut", "detail", "updated"])
    if statut in (S.REBOND, S.REJETE, S.PLAINTE) and destinataire:
        email_adresse_signaler(email=destinataire, motif=f"{S(statut).label} – {detail}".strip(" –"), quand=quand)
    return message


def email_adresse_signaler(*, email: str, motif: str, quand: datetime.datetime | None = None) -> int:
    """Flag every account with this address and hold its reminders. Returns how many accounts."""
    people = list(get_user_model().objects.select_for_update().filter(email__iexact=email))
    for person in people:
        if person.email_en_echec_le is None:
            person.email_en_echec_le = quand or timezone.now()
        person.email_en_echec_motif = motif[:255]
        person.save(update_fields=["email_en_echec_le", "email_en_echec_motif"])
        relances_suspendre(personne=person)
    return len(people)


@transaction.atomic
def email_adresse_retablir(*, personne: User, by: User) -> int:
    """The coordination checked (or corrected) the address: clear the flag, the held reminders go out."""
    if not roles.is_coordination(by):
        raise PermissionRefused(_("Seule la coordination rétablit une adresse e-mail en échec."))
    get_user_model().objects.filter(pk=personne.pk).update(email_en_echec_le=None, email_en_echec_motif="")
    return relances_reprendre(personne=personne)


@receiver(tracking, dispatch_uid="plateforme.suivi_emails.on_tracking")
def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """anymail's webhook view calls this once per event it authenticated."""
    statut = _statut(event)
    if statut is None:
        logger.info("E-mail event %s from %s ignored", event.event_type, esp_name)
        return
    detail = " ".join(str(part).strip() for part in (event.reject_reason or "", event.mta_response or "") if part)
    email_evenement_enregistrer(
        message_id=str(event.message_id or ""),
        destinataire=str(event.recipient or ""),
        statut=statut,
        detail=detail,
        quand=event.timestamp,
    )
