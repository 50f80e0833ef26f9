"""The person's space (accounts.views.home) is made of one section per lifecycle app.

The space sits low in the layers (accounts) but shows the work of the stages above it, so the stages
register their section here from their AppConfig.ready (`section_register`), never the other way round:
the dependency is an import from the higher app, visible to import-linter. A section is a context
function (`<app>.selectors.espace(user)`) and the template `templates/<app>/includes/espace.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import AppConfig

# The order of the page. The top layer (plateforme) comes first with the "À faire / À venir" block,
# which also lists the conventions to sign and the questionnaires to fill (listed once: the conventions
# app has no section of its own here); the applications come after the work under way, so a mentor's
# space does not open on them.
SECTION_ORDER = (
    "plateforme",
    "relances",
    "comite",
    "annuaire",
    "accompagnements",
    "ateliers",
    "candidatures",
    "evaluations",
    "budget",
)


@dataclass(frozen=True)
class Section:
    app: str
    context: Callable[[Any], dict[str, Any]]

    @property
    def template(self) -> str:
        return f"{self.app}/includes/espace.html"


_SECTIONS: dict[str, Section] = {}


def section_register(*, app: str, context: Callable[[Any], dict[str, Any]]) -> None:
    """Called by `app`'s AppConfig.ready: `context(user)` gives what its espace.html shows."""
    if app not in SECTION_ORDER:
        raise ValueError(f"the space has no place for {app!r}: add it to accounts.espace.SECTION_ORDER")
    _SECTIONS[app] = Section(app=app, context=context)


class SectionAppConfig(AppConfig):
    """The AppConfig of a stage that shows a section in the person's space, built by `<app>.selectors.espace`.

    A stage that wires more in its ready() (receivers, registries) calls `super().ready()`. An apps.py
    names it through the module (`espace.SectionAppConfig`): Django picks the one AppConfig class an
    apps.py holds, and an imported base would be a second one.
    """

    def ready(self) -> None:
        # Imported by name once the app registry is ready: the selectors read the models, and this
        # module (below every stage) never imports a stage by a static import.
        selectors = import_module(f"{self.name}.selectors")
        section_register(app=self.name, context=selectors.espace)


def sections() -> list[Section]:
    """The registered sections, in the page's order."""
    return [_SECTIONS[app] for app in SECTION_ORDER if app in _SECTIONS]
