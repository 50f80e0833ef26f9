"""Who may do what: one registry answering "may this user do this action to this object, and if not, why".

Each app declares its rules in `<app>/permissions.py` with `@rule("<model>.<action>")`; core's AppConfig
imports every such module at start-up (like the admin's autodiscovery), so core never imports an app.
Transition tables register themselves too (`register_workflow`): `may(user, "seance.annuler", seance)`
is "the user's role is in the transition's roles AND the current state is one of its sources".

Used by views (`action_required`), templates (`{% may "seance.annuler" seance as can_cancel %}`),
services (`require(...)` raises PermissionRefused with the reason) and the admin (`admin_may`).

We write our own rather than use django-rules: its predicates answer a bare boolean, and the platform
must say *why* an action is refused (the same French sentence on the page, in the service's error
and in the admin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _gettext

from .exceptions import DomainError, PermissionRefused, RuleViolation, TransitionRefused

if TYPE_CHECKING:  # annotations only
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    # Who asks: an account, the anonymous visitor of a public page, or None when the platform acts
    # itself (a beat scan, a receiver); the rules answer for each.
    Asker = AbstractBaseUser | AnonymousUser | None

# The actor of a transition that nobody performs by hand (a beat scan, the last signature of a convention).
SYSTEME = "systeme"


@dataclass(frozen=True)
class Decision:
    """The answer of a rule: allowed or not, and in French why not.

    `error` is the DomainError that `require` raises: PermissionRefused when the user's role is not
    allowed (a view answers 403), another kind (RuleViolation, TransitionRefused) when the role is but the
    object's state or dates are not (a view shows the reason); `field` names the form field concerned.

    Decisions chain with `and`, as booleans do: `role_ok and state_in(...)` is the first refusal, and the
    later checks are not asked once one refuses.
    """

    allowed: bool
    reason: str = ""
    error: type[DomainError] = PermissionRefused
    field: str | None = None

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def role_refused(self) -> bool:
        return not self.allowed and self.error is PermissionRefused


ALLOWED = Decision(True)


def refused(reason: Any = "", *, error: type[DomainError] = PermissionRefused, field: str | None = None) -> Decision:
    return Decision(
        False, str(reason) if reason else _gettext("Vous ne pouvez pas faire cette action."), error=error, field=field
    )


Rule = Callable[[Any, Any], "Decision | bool"]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the decorated function `(user, obj) -> Decision | bool` as the rule of `action`."""

    def decorator(fn: Rule) -> Rule:
        register(action, fn)
        return fn

    return decorator


def register(action: str, fn: Rule) -> None:
    if action in _RULES and _RULES[action] is not fn:
        raise ValueError(f"permission rule {action!r} registered twice")
    _RULES[action] = fn


def role_rule(action: str, *allowed: Callable[[Any], bool], refusal: Any) -> Rule:
    """Register the rule of an action that asks only the user's role: allowed when one of the `allowed`
    predicates says so (`accounts.roles.is_coordination`…), refused with `refusal` (a lazy French
    sentence) otherwise. Returns the rule, for a caller that asks it directly."""

    def check(user: Any, obj: Any = None) -> Decision:
        if any(has_role(user) for has_role in allowed):
            return ALLOWED
        return refused(refusal)

    register(action, check)
    return check


def part_rule(action: str, *, role_of: Callable[[Any, Any], str | None], parts: Iterable[str], refusal: Any) -> Rule:
    """Register the rule of an action that asks only the user's part on the object (`role_of(user, obj)`,
    as the workflows do): allowed for one of `parts`, refused with `refusal` otherwise. Returns the rule."""
    allowed = frozenset(parts)

    def check(user: Any, obj: Any = None) -> Decision:
        if role_of(user, obj) in allowed:
            return ALLOWED
        return refused(refusal)

    register(action, check)
    return check


def state_in(
    state: str, allowed: Iterable[str], reason: Any, *, error: type[DomainError] = RuleViolation, field: str | None = None
) -> Decision:
    """The object's state is one of `allowed`; else a refusal for the state, not the role (`error`, a
    RuleViolation unless told): the view shows `reason` instead of answering 403."""
    if state in allowed:
        return ALLOWED
    return refused(reason, error=error, field=field)


def actions() -> list[str]:
    """Every registered action name, sorted (for tests and documentation)."""
    return sorted(_RULES)


def may(user: Asker, action: str, obj: Any = None) -> Decision:
    """May `user` do `action` (to `obj`)? An unknown action is a programming error (KeyError)."""
    try:
        fn = _RULES[action]
    except KeyError:
        raise KeyError(f"no permission rule named {action!r}; known: {', '.join(actions())}") from None
    answer = fn(user, obj)
    if isinstance(answer, Decision):
        return answer
    return ALLOWED if answer else refused()


def require(user: Asker, action: str, obj: Any = None) -> Decision:
    """Raise the rule's refusal (PermissionRefused, or its RuleViolation/TransitionRefused, with the reason)
    unless `user` may do `action` to `obj`."""
    decision = may(user, action, obj)
    if not decision.allowed:
        raise decision.error(decision.reason, field=decision.field)
    return decision


# --- Transition tables -------------------------------------------------------------------------------


def workflow_decision(workflow: Any, name: str, role: str | None, state: str) -> Decision:
    """Role allowed by the transition AND current state among its sources."""
    transition = workflow.by_name[name]
    if role is None or role not in transition.roles:
        return refused(_gettext("Vous ne pouvez pas faire cette action : « %(action)s ».") % {"action": transition.label})
    if state not in transition.sources:
        return refused(
            _gettext("Action « %(action)s » impossible : le dossier est à l’état « %(state)s ».")
            % {"action": transition.label, "state": workflow.state_choices(state).label},
            error=TransitionRefused,
        )
    return ALLOWED


def register_workflow(
    prefix: str,
    workflow: Any,
    *,
    role_of: Callable[[Any, Any], str | None],
    state_field: str = "etat",
    extra: dict[str, Rule] | None = None,
) -> None:
    """Register `<prefix>.<transition>` for every transition of `workflow`.

    `role_of(user, obj)` is the user's part on the object (or None); `extra[name]` adds a condition
    that is not a state (a date, a related object) and is asked only when role and state allow.
    """
    extra = extra or {}
    for name in workflow.by_name:

        def check(user: Any, obj: Any, _name: str = name) -> Decision:
            decision = workflow_decision(workflow, _name, role_of(user, obj), getattr(obj, state_field))
            if decision.allowed and _name in extra:
                more = extra[_name](user, obj)
                return more if isinstance(more, Decision) else (ALLOWED if more else refused())
            return decision

        register(f"{prefix}.{name}", check)


# --- Views -------------------------------------------------------------------------------------------


def action_required(action: str) -> Callable:
    """View decorator for an action on no particular object (a role check).

    Anonymous → login page; signed in but refused → 403. The action name is kept on the view
    (`view.permission_action`) so that the permission matrix can compare its rows with the rule.
    """

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not may(request.user, action).allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.permission_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator


def forbid_unless(user: Asker, action: str, obj: Any = None) -> Decision:
    """In a view: 403 when the user's role may not do `action` to `obj` (already scoped to the user).

    A refusal for the object's state or dates is returned, for the view to show its reason (or to let
    the service say it next to the form field).
    """
    decision = may(user, action, obj)
    if decision.role_refused:
        raise PermissionDenied(decision.reason)
    return decision


# --- Admin -------------------------------------------------------------------------------------------


def admin_may(request: HttpRequest, action: str, obj: Any = None, *, default: bool = True) -> bool:
    """Hook for ModelAdmin.has_*_permission: ask the rule when it exists, else keep `default`."""
    if action not in _RULES:
        return default
    return default and may(request.user, action, obj).allowed


class PermissionRulesAdminMixin:
    """ModelAdmin mixin: `has_<op>_permission` also asks the rule named in `permission_rules[op]`.

    `permission_rules = {"change": "seance.deplacer", "delete": "..."}`: Django's own permission is
    asked first, then the rule with the object (None on the list and add pages, where a rule on an
    object answers for the role only if it accepts None).
    """

    permission_rules: dict[str, str] = {}

    def _rule_allows(self, request: Any, op: str, obj: Any) -> bool:
        action = self.permission_rules.get(op)
        return action is None or admin_may(request, action, obj)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._rule_allows(request, "view", obj)  # type: ignore[misc]

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._rule_allows(request, "add", None)  # type: ignore[misc]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._rule_allows(request, "change", obj)  # type: ignore[misc]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._rule_allows(request, "delete", obj)  # type: ignore[misc]
