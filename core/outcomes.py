"""A button's service call, reported to the person who pressed it (one way for every view).

The view checks access, then `report_outcome(request, lambda: service(...), success=...)`: the success
message when the service went through, the service's refusal (a DomainError, in French) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from .exceptions import DomainError


def report_outcome(request: HttpRequest, call: Callable[[], Any], *, success: str) -> bool:
    """Run `call`; say `success`, or the refusal's message. True when the service went through."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True
