"""Showing a service's refusal on the form that asked for it (one rule for every view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from .concurrency import EditConflict, keep_input_after_conflict
from .exceptions import DomainError

T = TypeVar("T")


def add_domain_error(form: Any, error: DomainError) -> None:
    """Next to its field when the form has it, above the form otherwise. A lost-update conflict keeps
    what was typed and takes the current version (core.concurrency)."""
    if isinstance(error, EditConflict) and isinstance(form, forms.BaseForm):
        keep_input_after_conflict(form, error)
        return
    form.add_error(error.field if error.field in getattr(form, "fields", {}) else None, error.message)


def form_save(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], T], *, success: str) -> T | None:
    """A posted form's one flow: when it is valid, `save(cleaned_data)` calls the service, `success` is
    queued and what the service wrote is returned (every service returns its object). None when nothing
    was posted, the form is invalid or the service refused (the refusal is on the form, next to its
    field, with the input kept): the caller renders the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        written = save(form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return None
    messages.success(request, success)
    return written
