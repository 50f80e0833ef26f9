"""Who may do what on reminders. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from accounts import roles
from core.permissions import role_rule

# See and switch a programme's reminders: the coordination.
configurer = role_rule(
    "relances.configurer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination règle les relances d’un programme.")
)
