"""State machines as data.

Each app declares its allowed moves as a `Workflow` (a table of `Transition`s). A service
function per move calls `apply_transition`, which re-reads the row under a lock, checks the
move, writes the new state and records a history row (who, when, from, to, why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _gettext

from .exceptions import TransitionRefused
from .models import recorded_actor


@dataclass(frozen=True)
class Transition:
    """One allowed move. `sources` and `roles` may be written as plain sets in the tables: they are
    frozen here, once, so that a table reads as data and a transition cannot be changed afterwards."""

    name: str
    sources: AbstractSet[str]
    target: str
    label: Any  # lazy translated string
    reason_required: bool = False
    # Who may ask for this move: the user's part on the object (see each app's permissions.role_of),
    # or core.permissions.SYSTEME for moves made by the platform itself. Read by core.permissions.
    roles: AbstractSet[str] = frozenset()

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own fields through object.__setattr__.
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "roles", frozenset(self.roles))


@dataclass
class Workflow:
    state_choices: type[models.TextChoices]
    transitions: Iterable[Transition]
    by_name: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {t.name: t for t in self.transitions}

    def allowed_from(self, state: str) -> list[Transition]:
        return [t for t in self.by_name.values() if state in t.sources]

    def check(self, state: str, name: str, *, reason: str = "") -> Transition:
        transition = self.by_name[name]
        if state not in transition.sources:
            raise TransitionRefused(
                _gettext("Action « %(action)s » impossible : le dossier est à l’état « %(state)s ».")
                % {"action": transition.label, "state": self.state_choices(state).label}
            )
        if transition.reason_required and not reason.strip():
            raise TransitionRefused(_gettext("Un motif est obligatoire pour cette action."), field="reason")
        return transition


M = TypeVar("M", bound=models.Model)


# Writes the history of a move whose rows do not live on the moved object (a session's on its
# accompagnement's timeline, a proposition's on its application's): (locked object, transition, from_state).
HistoryWriter = Callable[[Any, Transition, str], None]


def apply_transition(
    obj: M,
    *,
    workflow: Workflow,
    name: str,
    actor: Any,
    reason: str = "",
    history_model: type[models.Model] | None = None,
    history_fk: str = "",
    state_field: str = "etat",
    extra_history: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    history: HistoryWriter | None = None,
) -> M:
    """Lock `obj`, check and apply transition `name` (with `changes` to other fields in the same save),
    write its history. Call inside atomic().

    History: one row of `history_model` linked by `history_fk` (the usual case), or `history(...)` for a
    model whose history lives elsewhere; a caller passing neither records the event itself, after other
    work of the same transaction whose result the event names.
    """
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    current = getattr(locked, state_field)
    transition = workflow.check(current, name, reason=reason)
    setattr(locked, state_field, transition.target)
    for field_name, value in (changes or {}).items():
        setattr(locked, field_name, value)
    locked.save(
        update_fields=[
            state_field,
            *(changes or {}),
            *(["updated_at"] if hasattr(locked, "updated_at") else []),
        ]
    )
    if history_model is not None:
        history_model._default_manager.create(
            **{history_fk: locked},
            kind="transition",
            transition=name,
            from_state=current,
            to_state=transition.target,
            reason=reason,
            actor=recorded_actor(actor),
            **(extra_history or {}),
        )
    elif history is not None:
        history(locked, transition, current)
    setattr(obj, state_field, transition.target)
    for field_name, value in (changes or {}).items():
        setattr(obj, field_name, value)
    return locked
