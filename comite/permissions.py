"""Who may do what in the comité technique's pages. Registered in core.permissions at start-up."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from accounts import roles
from core.permissions import role_rule

# Files put to the committee and its meetings: its members and the coordination read them.
consulter = role_rule(
    "comite.consulter",
    roles.is_comite,
    roles.is_coordination,
    refusal=gettext_lazy("Réservé au comité technique et à la coordination."),
)


# Meetings, minutes, putting files to the committee: the coordination.
gerer = role_rule(
    "comite.gerer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination peut faire cette opération.")
)


donner_avis = role_rule(
    "comite.donner_avis", roles.is_comite, refusal=gettext_lazy("Seul·e un·e membre du comité technique peut donner un avis.")
)
