"""Who may do what in the committee's pages. Registered in core.permissions at start-up.

The comité role opens the pages; a member's seats (comite.MembreComite, accounts.roles.programmes_comite)
say which programmes' files, meetings and opinions they read: another programme's are not found."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from accounts import roles
from core.permissions import ALLOWED, Decision, Rule, refused, register, role_rule, rule


def programme_id_de(obj: Any) -> int | None:
    """The programme a committee object belongs to: a programme, a meeting, a file put to the committee
    (through its candidature), an opinion."""
    if obj is None:
        return None
    if hasattr(obj, "saisine"):  # an opinion
        obj = obj.saisine
    if hasattr(obj, "candidature"):  # a file put to the committee
        obj = obj.candidature
    programme_id = getattr(obj, "programme_id", None)
    return programme_id if programme_id is not None else getattr(obj, "pk", None)


def _membre(user: Any, obj: Any) -> bool:
    """A comité member: of the object's programme when there is an object."""
    if not roles.is_comite(user):
        return False
    return obj is None or roles.siege_comite(user, programme_id_de(obj))


def comite_ou_coordination(action: str, *, refusal: Any) -> Rule:
    """Register the rule of an action open to the coordination and to the committee members of the object's
    programme (any member when there is no object): the committee's pages, and what it follows of the
    later stages (budget, evaluations). Returns the rule."""

    def check(user: Any, obj: Any = None) -> Decision:
        if roles.is_coordination(user) or _membre(user, obj):
            return ALLOWED
        return refused(refusal)

    register(action, check)
    return check


# Files put to the committee and its meetings: the members of that programme's committee and the coordination.
consulter = comite_ou_coordination(
    "comite.consulter", refusal=gettext_lazy("Réservé au comité du programme et à la coordination.")
)


# Meetings, minutes, putting files to the committee, seating members: the coordination.
gerer = role_rule(
    "comite.gerer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination peut faire cette opération.")
)


@rule("comite.donner_avis")
def donner_avis(user: Any, obj: Any = None) -> Decision:
    if _membre(user, obj):
        return ALLOWED
    return refused(gettext_lazy("Seul·e un·e membre du comité du programme peut donner un avis."))
