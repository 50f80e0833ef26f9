"""Showing a service's refusal on the form that asked for it (one rule for every view)."""

from __future__ import annotations

from typing import Any

from django import forms

from .concurrency import EditConflict, keep_input_after_conflict
from .exceptions import DomainError


def add_domain_error(form: Any, error: DomainError) -> None:
    """Next to its field when the form has it, above the form otherwise. A lost-update conflict keeps
    what was typed and takes the current version (core.concurrency)."""
    if isinstance(error, EditConflict) and isinstance(form, forms.BaseForm):
        keep_input_after_conflict(form, error)
        return
    form.add_error(error.field if error.field in getattr(form, "fields", {}) else None, error.message)
