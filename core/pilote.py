"""The pilot structure a message or a document speaks for: its programme's (issue 16, several pilots on
one instance). Core knows no domain model: it follows attribute names to the programme and asks its
`pilote` for its `identite()`; settings.TSF_PILOT only when nothing names a programme."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _programme_of(value: Any) -> Any:
    """The programme a context object belongs to (itself, or through its accompagnement, candidature,
    séance or convention), or None. Core knows no domain model: it follows the attribute names."""
    for _depth in range(3):
        if value is None or isinstance(value, str | int | float | dict | list | tuple):
            return None
        if hasattr(value, "pilote_id") and hasattr(value, "taux_journalier"):
            return value
        programme = getattr(value, "programme", None)
        if programme is not None:
            return programme
        value = getattr(value, "accompagnement", None) or getattr(value, "candidature", None) or getattr(value, "seance", None)
    return None


def pilot_of(context: dict[str, Any]) -> dict[str, Any]:
    """The pilot identity of the programme the message is about: `pilot` when the caller gave it, else
    the programme of the first context object that has one, else the instance's settings.TSF_PILOT
    (a message about no programme: the directory, the platform's own alerts)."""
    given = context.get("pilot")
    if given:
        return given
    for value in context.values():
        programme = _programme_of(value)
        pilote = getattr(programme, "pilote", None)
        if pilote is not None and hasattr(pilote, "identite"):
            return pilote.identite()
    return settings.TSF_PILOT
