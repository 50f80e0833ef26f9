"""Helpers for the domain signals that carry effects from one stage of the lifecycle to a later one.

A stage sends its signal inside its service's transaction; a later stage (a higher layer) connects a
receiver in its AppConfig.ready(). The lower stage never imports the higher one, and a receiver that
raises a DomainError rolls the whole operation back, as a direct call would.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal


def send_for_one(signal: Signal, *, sender: type, **arguments: Any) -> Any:
    """Send `signal` and return the one receiver's answer (for an effect whose result the sender needs)."""
    responses = [response for _receiver, response in signal.send(sender=sender, **arguments) if response is not None]
    if len(responses) != 1:
        raise RuntimeError(f"{signal!r} expects exactly one answering receiver, got {len(responses)}")
    return responses[0]
