"""Who may do what across the records (registered in core.permissions at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.permissions import role_rule

from . import roles

# Bringing the existing records in (structures, personnes-ressources, past accompaniments): coordination only.
importer = role_rule(
    "donnees.importer",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination importe des données."),
)
