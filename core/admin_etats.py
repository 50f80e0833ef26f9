"""The "état avant / état après" columns every history (timeline inline, history admin) shows.

Kept out of core/admin_helpers.py so that the histories of all the apps read their states one way.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyInlineMixin, state_label


class EvenementAvecEtats(Protocol):
    """A history row: the state its transition left and the state it reached (blank for a plain event)."""

    from_state: str
    to_state: str


class EtatsLabelsMixin:
    """Adds `from_state_label` / `to_state_label` columns; the admin sets `etats` to the model's state choices."""

    etats: ClassVar[type[models.TextChoices]]

    @admin.display(description=_("état avant"))
    def from_state_label(self, obj: EvenementAvecEtats) -> str:
        return state_label(self.etats, obj.from_state) if obj.from_state else "—"

    @admin.display(description=_("état après"))
    def to_state_label(self, obj: EvenementAvecEtats) -> str:
        return state_label(self.etats, obj.to_state) if obj.to_state else "—"


class HistoriqueInlineMixin(EtatsLabelsMixin, ReadOnlyInlineMixin):
    """A record's timeline on its admin page, read-only: who did what, when, from which state to which, and
    why; every history reads the same columns, its actors in the same query."""

    fields = ("created_at", "kind", "transition", "from_state_label", "to_state_label", "reason", "actor")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")  # type: ignore[misc]
