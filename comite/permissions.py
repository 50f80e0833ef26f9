"""Who may do what in the comité technique's pages. Registered in core.permissions at start-up."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts import roles
from core.permissions import ALLOWED, Decision, refused, rule


@rule("comite.consulter")
def consulter(user: Any, obj: Any = None) -> Decision:
    """Files put to the committee and its meetings: its members and the coordination read them."""
    if roles.is_comite(user) or roles.is_coordination(user):
        return ALLOWED
    return refused(_("Réservé au comité technique et à la coordination."))


@rule("comite.gerer")
def gerer(user: Any, obj: Any = None) -> Decision:
    """Meetings, minutes, putting files to the committee: the coordination."""
    if roles.is_coordination(user):
        return ALLOWED
    return refused(_("Seule la coordination peut faire cette opération."))


@rule("comite.donner_avis")
def donner_avis(user: Any, saisine: Any = None) -> Decision:
    if roles.is_comite(user):
        return ALLOWED
    return refused(_("Seul·e un·e membre du comité technique peut donner un avis."))
