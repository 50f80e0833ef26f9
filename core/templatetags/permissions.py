"""`{% may "seance.annuler" seance as can_cancel %}`: a button is shown only when the action is allowed.

The variable is a core.permissions.Decision: true when allowed, and `can_cancel.reason` says why not.
"""

from __future__ import annotations

from typing import Any

from django import template

from core.permissions import Decision, may

register = template.Library()


@register.simple_tag(takes_context=True, name="may")
def may_tag(context: template.Context, action: str, obj: Any = None) -> Decision:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return may(user, action, obj)
