"""Who may do what on reminders and group messages. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from core.permissions import ALLOWED, Decision, refused, role_rule, rule

# See and switch a programme's reminders: the coordination.
configurer = role_rule(
    "relances.configurer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination règle les relances d’un programme.")
)

# Edit and preview a programme's own texts (e-mail templates, convention clauses), copy a programme:
# the coordination (the preview shows a real file of the programme).
contenus = role_rule(
    "programme.contenus",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination modifie et prévisualise les textes d’un programme."),
)

# Write to a group chosen by filters, and read the record of those messages: the coordination.
message_groupe_ecrire = role_rule(
    "message_groupe.ecrire", roles.is_coordination, refusal=gettext_lazy("Seule la coordination écrit aux groupes de personnes.")
)


@rule("message_groupe.lire")
def message_groupe_lire(user: Any, destinataire: Any = None) -> Decision:
    """Read one's copy of a group message: its recipient only."""
    if getattr(user, "is_authenticated", False) and (destinataire is None or destinataire.personne_id == user.pk):
        return ALLOWED
    return refused(_("Ce message ne vous est pas adressé."))


@rule("notifications.regler")
def notifications_regler(user: Any, personne: Any = None) -> Decision:
    """Choose which non-essential notifications one receives: each person for themself only."""
    if getattr(user, "is_authenticated", False) and (personne is None or personne.pk == user.pk):
        return ALLOWED
    return refused(_("Chaque personne règle ses propres notifications."))
