"""Admin columns the apps share: the "état avant / état après" of every history (timeline inline, history
admin) and the per-row counts of a row's children, so that each reads one way in every app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyAdminMixin, ReadOnlyInlineMixin, per_row, state_label


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


class HistoriqueAdminMixin(ReadOnlyAdminMixin):
    """A history's own list, read only: the row each move is about (`sujet`, the history's foreign key),
    the move, who made it and when. Load `sujet` and "actor" with `list_select_related`."""

    sujet: ClassVar[str]

    def get_list_display(self, request: HttpRequest) -> Any:
        return (self.sujet, "transition", "from_state", "to_state", "actor", "created_at")


class ComptesParLigneMixin:
    """Annotates each listed row with counts of its children: `comptes_par_ligne` maps an annotation's
    name to (child model, foreign key to the row). One correlated subquery each (core.admin_helpers.per_row),
    evaluated for the rows of the page only; show them with `colonne_compte`."""

    comptes_par_ligne: ClassVar[dict[str, tuple[type[models.Model], str]]] = {}

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()  # type: ignore[misc]
            .get_queryset(request)
            .annotate(**{name: per_row(model._default_manager.all(), fk) for name, (model, fk) in self.comptes_par_ligne.items()})
        )


def colonne_compte(annotation: str, description: Any) -> Callable[[Any, Any], int]:
    """A sortable `list_display` column showing a count annotated by ComptesParLigneMixin (0 when absent)."""

    @admin.display(description=description, ordering=annotation)
    def colonne(modeladmin: Any, obj: Any) -> int:
        return getattr(obj, annotation, 0)

    return colonne
