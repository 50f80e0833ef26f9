"""Errors to Sentry (or a compatible service such as GlitchTip) without personal data.

`send_default_pii=False` keeps out cookies, the user and the IP; the scrubber below also removes
what the platform's own code could put in an event: e-mail addresses in messages, exception values
and breadcrumbs, and the values of fields that hold names, addresses or phone numbers (local
variables of a frame, request data, extras). The user is kept as an id only.
"""

from __future__ import annotations

import re
from typing import Any

# Keys whose value is personal data wherever they appear in an event (local variables of a frame,
# extras, request fields), compared in lower case. Generic keys ("name", "message") are left alone:
# the event's own structure uses them (an OS name, a log message, whose e-mails are removed below).
PERSONAL_KEYS = frozenset(
    {
        "email",
        "e_mail",
        "courriel",
        "first_name",
        "last_name",
        "full_name",
        "nom",
        "prenom",
        "prénom",
        "nom_complet",
        "display_name",
        "username",
        "telephone",
        "téléphone",
        "phone",
        "adresse",
        "address",
        "destinataire",
        "destinataires",
        "recipients",
        "to",
        "cc",
        "bcc",
        "reply_to",
        "from_email",
        "representant",
        "signataire",
    }
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
FILTERED = "[filtré]"
EMAIL_FILTERED = "[e-mail]"


def _scrub(value: Any, *, key: str = "") -> Any:
    if key.lower() in PERSONAL_KEYS and value not in (None, "", [], {}):
        return FILTERED
    if isinstance(value, str):
        return EMAIL.sub(EMAIL_FILTERED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: the event without e-mail addresses, names or contact details."""
    scrubbed = _scrub({key: value for key, value in event.items() if key != "user"})
    user = event.get("user")
    if isinstance(user, dict) and user.get("id") is not None:
        # An id groups the errors of one account; everything else about the person goes.
        scrubbed["user"] = {"id": user["id"]}
    request = scrubbed.get("request")
    if isinstance(request, dict):
        # Form fields (names, addresses, messages) are never sent, whatever their names.
        for part in ("data", "cookies"):
            if request.get(part):
                request[part] = FILTERED
    return scrubbed


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Called from the settings when SENTRY_DSN is set (Django and Celery integrations load themselves)."""
    # Imported here: the SDK is only loaded by deployments that send errors.
    import sentry_sdk
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, *PERSONAL_KEYS], recursive=True),
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
    )
