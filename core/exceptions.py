"""Domain errors raised by services; views turn them into a French message for the user."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the operation. `message` is French and shown to the user."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field

    def __str__(self) -> str:
        return self.message


class TransitionRefused(DomainError):
    """The requested state change is not allowed from the current state."""


class RuleViolation(DomainError):
    """A programme rule (half-day limits, envelope, amounts…) would be broken."""


class PermissionRefused(DomainError):
    """The acting user may not perform this operation on this object."""
