"""Which e-mails a person receives: the kinds of notification, essential or not, and their choices.

Every e-mail of the platform goes out through core.emails.deliver, which asks `accepte` here for the
kind the caller named: a non-essential kind a person switched off is not sent to them (what it said
stays in their space). Essential kinds (signatures, deadlines, decisions, session changes) are always
sent and cannot be switched off; an e-mail whose caller names no kind is essential.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .exceptions import RuleViolation
from .models import NotificationDesactivee
from .permissions import require


class Notification(TextChoices):
    # Essential: always sent.
    SIGNATURE = "signature", _("Signatures à apposer (conventions)")
    ECHEANCE = "echeance", _("Échéances : comptes-rendus, évaluations, pièces à fournir")
    DECISION = "decision", _("Décisions sur une candidature ou un accompagnement")
    CHANGEMENT_SEANCE = "changement_seance", _("Séance planifiée, déplacée ou annulée")
    # Non-essential: each person chooses.
    RAPPEL_SEANCE = "rappel_seance", _("Rappel des séances à venir (dans le délai des questions du programme)")
    INFORMATION = "information", _("Messages d’information de la coordination à un groupe")
    LETTRE = "lettre", _("Lettre d’information du programme")


# Why an essential kind cannot be switched off (shown next to its disabled box).
ESSENTIELLES: dict[str, Any] = {
    Notification.SIGNATURE: _("Indispensable : sans signature la convention ne peut pas démarrer."),
    Notification.ECHEANCE: _("Indispensable : une échéance manquée bloque le dossier ou le paiement."),
    Notification.DECISION: _("Indispensable : vous devez être informé·e des décisions qui vous concernent."),
    Notification.CHANGEMENT_SEANCE: _("Indispensable : un changement de séance doit vous parvenir."),
}
FACULTATIVES: list[str] = [value for value in Notification.values if value not in ESSENTIELLES]


def est_essentielle(notification: str | None) -> bool:
    return notification is None or notification not in FACULTATIVES


def desactivees(personne: Any) -> set[str]:
    """The kinds this person switched off."""
    if personne is None or not getattr(personne, "pk", None):
        return set()
    return set(NotificationDesactivee.objects.filter(personne=personne).values_list("notification", flat=True))


def refusants(personne_ids: Iterable[int], notification: str | None) -> set[int]:
    """Among these people, those who switched `notification` off (one query; none for an essential kind)."""
    ids = list(personne_ids)
    if est_essentielle(notification) or not ids:
        return set()
    return set(
        NotificationDesactivee.objects.filter(personne_id__in=ids, notification=notification).values_list(
            "personne_id", flat=True
        )
    )


def accepte(personne: Any, notification: str | None) -> bool:
    """Does this person receive e-mails of this kind? Essential kinds: always; people without an account: yes."""
    if est_essentielle(notification) or personne is None or not getattr(personne, "pk", None):
        return True
    return not refusants([personne.pk], notification)


@transaction.atomic
def notifications_regler(*, personne: Any, desactivees: list[str], by: Any) -> set[str]:
    """Record which non-essential kinds `personne` no longer receives by e-mail (the others are on again).

    Refuses an essential or unknown kind, even from a forged form."""
    require(by, "notifications.regler", personne)
    inconnues = sorted(set(desactivees) - set(Notification.values))
    if inconnues:
        raise RuleViolation(
            gettext("Type de notification inconnu : %(types)s.") % {"types": ", ".join(inconnues)}, field="recues"
        )
    essentielles = sorted(set(desactivees) & set(ESSENTIELLES))
    if essentielles:
        raise RuleViolation(
            gettext("Ces notifications sont indispensables et ne peuvent pas être désactivées : %(types)s.")
            % {"types": ", ".join(str(Notification(value).label) for value in essentielles)},
            field="recues",
        )
    voulues = set(desactivees)
    NotificationDesactivee.objects.filter(personne=personne).exclude(notification__in=voulues).delete()
    deja = set(NotificationDesactivee.objects.filter(personne=personne).values_list("notification", flat=True))
    NotificationDesactivee.objects.bulk_create(
        [NotificationDesactivee(personne=personne, notification=value) for value in FACULTATIVES if value in voulues - deja]
    )
    return voulues
