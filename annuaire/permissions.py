"""Who may do what in the directory. Views call these after login_required."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts import roles


def can_manage(user: Any) -> bool:
    """The directory, the référentiel, the matching: coordination only."""
    return roles.is_coordination(user)


def can_view_cartographie(user: Any) -> bool:
    return roles.is_coordination(user) or roles.is_comite(user)


def can_suggest(user: Any) -> bool:
    return roles.is_coordination(user) or roles.is_comite(user)


def require(check):
    """View decorator: anonymous → login page; signed in without the role → 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
