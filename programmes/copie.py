"""What "copy this programme" copies beyond the programme itself: each app registers its copier.

A copier is `fn(*, source: Programme, cible: Programme) -> None`, called in the copy's transaction
(programmes.services.programme_copier) once the programme, its formats, its e-mail templates and its
clauses are copied. It copies the app's content (questionnaires, the committee's seats…), never files nor people's records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_COPIEURS: list = []


def register_copie(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register `fn(*, source, cible)` (a decorator); registering the same function twice keeps one."""
    if fn not in _COPIEURS:
        _COPIEURS.append(fn)
    return fn


def copieurs() -> list[Callable[..., Any]]:
    return list(_COPIEURS)
