"""Who may do what in the directory. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from accounts import roles
from core.permissions import SYSTEME, register_workflow, role_rule

from .workflow import PROPOSITION_WORKFLOW, WORKFLOW

# The directory, the référentiel, the matching: coordination only.
gerer = role_rule(
    "annuaire.gerer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination gère l’annuaire et l’appariement.")
)


cartographie = role_rule(
    "annuaire.cartographie",
    roles.is_coordination,
    roles.is_comite,
    refusal=gettext_lazy("Réservé au comité technique et à la coordination."),
)


# Suggest a personne-ressource for the directory: the committee's members and the coordination.
suggerer = role_rule(
    "annuaire.suggerer",
    roles.is_coordination,
    roles.is_comite,
    refusal=gettext_lazy("Seuls les membres du comité technique et la coordination peuvent suggérer une personne."),
)


def role_of(user: Any, obj: Any) -> str | None:
    """Coordination; or, for moves the platform makes on someone's behalf (a mentor's answer through
    the signed link of the proposition e-mail, a profile completed from the public form), SYSTEME."""
    if roles.is_coordination(user):
        return roles.COORDINATION
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEME
    if getattr(obj, "user_id", None) == user.pk or getattr(getattr(obj, "personne_ressource", None), "user_id", None) == user.pk:
        return roles.PERSONNE_RESSOURCE
    return None


register_workflow("personne_ressource", WORKFLOW, role_of=role_of)
register_workflow("proposition", PROPOSITION_WORKFLOW, role_of=role_of)
