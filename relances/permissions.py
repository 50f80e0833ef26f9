"""Who may do what on reminders. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts import roles
from core.permissions import ALLOWED, Decision, refused, rule


@rule("relances.configurer")
def configurer(user: Any, programme: Any = None) -> Decision:
    """See and switch a programme's reminders: the coordination."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("Seule la coordination règle les relances d’un programme."))
