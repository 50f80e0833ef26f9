"""E-mails in French, HTML and plain text, from templates, sent after the database commit.

A message is three templates: emails/<name>.subject.txt, emails/<name>.txt, emails/<name>.html
(the HTML one extends emails/base.html). Context always has `site_url`.
"""

from __future__ import annotations

import functools
import logging
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from email._policybase import Compat32
from email.utils import make_msgid
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail import message as django_message
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils import translation

from . import notifications
from .jobs import enqueue
from .models import MessageEnvoye
from .pilote import pilot_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # The pilot structure's address the answers go to (its programme's: see pilot_of).
    reply_to: str = ""
    # Which template made it: the key, and the programme's own version when one was used (else None).
    modele: str = ""
    modele_version: int | None = None
    modele_pk: int | None = None

    def trace(self) -> dict[str, Any]:
        """The template's traces for send_after_commit / send_now / deliver (recorded on MessageEnvoye)."""
        trace: dict[str, Any] = {}
        if self.modele:
            trace["modele"] = self.modele
        if self.modele_pk is not None:
            trace["modele_version"] = self.modele_version
            trace["modele_pk"] = self.modele_pk
        return trace


# Where a programme's own templates come from: `source(name, context)` returns the rendered e-mail, or
# None to use the file. programmes registers its source at start-up (core never imports an app).
EmailSource = Callable[[str, dict[str, Any]], "RenderedEmail | None"]
_sources: list[EmailSource] = []


def register_email_source(source: EmailSource) -> EmailSource:
    if source not in _sources:
        _sources.append(source)
    return source


MessageT = TypeVar("MessageT", bound=EmailMessage)

# --- Building the MIME message: each distinct header encoded once -------------------------------------
# A batch of reminders sends hundreds of messages whose subject, sender, reply-to and MIME part headers are
# the same: encoding and folding them again for each message was a third of the reminder scan's CPU time
# (the non-ASCII subject's encoding alone, ~15 %). Both steps are pure functions of their arguments, so
# remembering the last few thousand results changes no byte of any message.
_MEMO_SIZE = 4096
_forbid_multi_line_headers = django_message.forbid_multi_line_headers


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _header_checked(name: str, val: str, encoding: str) -> tuple[str, str]:
    return _forbid_multi_line_headers(name, val, encoding)


def _forbid_multi_line_headers_memo(name: Any, val: Any, encoding: Any) -> tuple[str, str]:
    """Django's header check and encoding (it refuses newlines: header injection), remembered for plain
    strings; anything else (a lazy string, a Charset object) takes Django's own path each time."""
    if isinstance(name, str) and isinstance(val, str) and (encoding is None or isinstance(encoding, str)):
        # The default charset resolved here, so that the key names what the result depends on.
        return _header_checked(name, val, encoding or settings.DEFAULT_CHARSET)
    return _forbid_multi_line_headers(name, val, encoding)


# Django's SafeMIME classes look the function up in their module at each header set.
django_message.forbid_multi_line_headers = _forbid_multi_line_headers_memo


class _Compat32Folded(Compat32):
    """The compat32 policy of Django's MIME messages, folding each distinct header once (the generator
    folds every header of every part again when it writes the message)."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(name, str) and isinstance(value, str):
            return _folded(self.linesep, self.max_line_length, name, value, sanitize)
        return super()._fold(name, value, sanitize)


_COMPAT32 = Compat32()


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _folded(linesep: str, max_line_length: int | None, name: str, value: str, sanitize: bool) -> str:
    return Compat32._fold(_COMPAT32.clone(linesep=linesep, max_line_length=max_line_length), name, value, sanitize)


_FOLDED = _Compat32Folded()


def _frontiere(textes: list[str]) -> str:
    """A MIME boundary as the email package draws it, that no part contains. The package, drawing it
    while writing the message, checks it with a regular expression compiled for each message (random:
    never in re's cache), a twentieth of a reminder's cost; a substring test is stricter and cheap."""
    while True:
        frontiere = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="  # noqa: S311  # nosec B311 – as email.generator
        if not any(frontiere in texte for texte in textes):
            return frontiere


class MessageTSF(EmailMultiAlternatives):
    """Text and HTML, written out with the folding above and a boundary drawn here (the same message,
    less work for a batch)."""

    def message(self) -> Any:
        msg = super().message()
        msg.policy = _FOLDED
        textes = [self.body, *(alternative.content for alternative in self.alternatives)]
        if msg.is_multipart() and not self.attachments and all(isinstance(texte, str) for texte in textes):
            msg.set_boundary(_frontiere(textes))
        return msg


def mark_template(message: MessageT, rendered: RenderedEmail) -> MessageT:
    """Carry the template's traces on a message built by hand, for `deliver` to record."""
    message.tsf_modele = rendered.trace()  # type: ignore[attr-defined]
    return message


def message_rendu(rendered: RenderedEmail, *, to: list[str], headers: dict[str, str] | None = None) -> MessageTSF:
    """A rendered template as a message built by hand (for `deliver`), for the senders that add their own
    headers or attachments: text and HTML, the pilot's reply-to and the template's traces, as `send_now` sets."""
    message = MessageTSF(subject=rendered.subject, body=rendered.text, to=to, reply_to=[rendered.reply_to], headers=headers)
    message.attach_alternative(rendered.html, "text/html")
    return mark_template(message, rendered)


def message_id_stable(kind: str, pk: int) -> str:
    """A Message-ID that names the record it comes from: the same message re-sent after a crash is
    recognisable as one (the recipient's client and the provider merge them)."""
    host = urlsplit(settings.SITE_URL).hostname or "tsf.invalid"
    return f"<{kind}-{pk}@{host}>"


def render_email(name: str, context: dict[str, Any], *, language: str = "fr") -> RenderedEmail:
    pilot = pilot_of(context)
    context = {"site_url": settings.SITE_URL, **context, "pilot": pilot}
    with translation.override(language):
        for source in _sources:
            custom = source(name, context)
            if custom is not None:
                # A programme's own template answers to its pilot too.
                return custom if custom.reply_to else replace(custom, reply_to=str(pilot.get("email", "")))
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    return RenderedEmail(subject=subject, text=text, html=html, modele=name, reply_to=str(pilot.get("email", "")))


def _provider_message_id(message: EmailMessage, recipient: str) -> str:
    """The id the provider will quote in its webhooks: anymail's status, else our Message-ID header."""
    status = getattr(message, "anymail_status", None)
    if status is not None:
        per_recipient = (status.recipients or {}).get(recipient.lower()) or (status.recipients or {}).get(recipient)
        if per_recipient is not None and per_recipient.message_id:
            return str(per_recipient.message_id)
        if isinstance(status.message_id, str) and status.message_id:
            return status.message_id
    return str(message.extra_headers.get("Message-ID", ""))


def _without_refusals(message: EmailMessage, notification: str | None, personne: Any, refus: set[int] | None) -> bool:
    """Drop the recipients who switched this kind of notification off (core/notifications.py, the one
    rule); False when nobody is left to send to. `refus`: the ids a batch already read with
    `notifications.refusants` for this kind (saves a query per message)."""
    if notifications.est_essentielle(notification):
        return True
    addresses = [a.lower() for a in message.recipients()]
    if personne is not None and addresses == [personne.email.lower()]:
        ids = {personne.email.lower(): personne.pk}
    else:
        ids = dict(get_user_model().objects.filter(email__in=addresses).values_list("email", "pk"))
        ids = {email.lower(): pk for email, pk in ids.items()}
    if refus is None:
        refus = notifications.refusants(ids.values(), notification)
    else:
        refus = refus & set(ids.values())
    if not refus:
        return True
    refused = {email for email, pk in ids.items() if pk in refus}
    message.to = [a for a in message.to if a.lower() not in refused]
    message.cc = [a for a in message.cc if a.lower() not in refused]
    message.bcc = [a for a in message.bcc if a.lower() not in refused]
    logger.info("E-mail %r not sent to %s recipient(s): notification switched off", message.subject, len(refused))
    return bool(message.recipients())


def deliver(
    message: EmailMessage,
    *,
    reference: str = "",
    connection: Any = None,
    personne: Any = None,
    record: bool = True,
    notification: str | None = None,
    refusants: set[int] | None = None,
    modele: str = "",
    modele_version: int | None = None,
    modele_pk: int | None = None,
) -> list[Any]:
    """Send one built message and record it (core.MessageEnvoye) so that its delivery can be followed.

    Every e-mail of the platform goes out through here. A stable Message-ID is set when the caller
    gave none: with SMTP it is the id the receiving side reports; with an anymail provider the id
    the provider returns replaces it. `connection`: an open connection to reuse (a batch of reminders);
    `personne`: the recipient's account when the caller has it (saves looking it up); `record=False`
    returns the records unsaved, for a batch that saves them in one query (`deliveries_record`);
    `notification`: the kind (core.notifications.Notification), None for an essential message: a
    recipient who switched a non-essential kind off is dropped (nothing sent when none is left);
    `refusants`: who switched it off, when a batch already read it (`notifications.refusants`);
    `modele…`: the template it was made with (RenderedEmail.trace()).
    """
    if not _without_refusals(message, notification, personne, refusants):
        return []
    if not modele:
        trace = getattr(message, "tsf_modele", None) or {}
        modele = trace.get("modele", "")
        modele_version, modele_pk = trace.get("modele_version"), trace.get("modele_pk")
    if "Message-ID" not in message.extra_headers:
        host = urlsplit(settings.SITE_URL).hostname or "tsf.invalid"
        message.extra_headers["Message-ID"] = make_msgid(domain=host)
    if connection is not None:
        message.connection = connection
    message.send()
    recipients = message.recipients()
    try:
        if personne is not None and [r.lower() for r in recipients] == [personne.email.lower()]:
            people = {personne.email.lower(): personne}
        else:
            people = {
                user.email.lower(): user for user in get_user_model().objects.filter(email__in=[r.lower() for r in recipients])
            }
        records = [
            MessageEnvoye(
                destinataire=recipient,
                personne=people.get(recipient.lower()),
                sujet=str(message.subject)[:255],
                message_id=_provider_message_id(message, recipient)[:255],
                reference=reference[:100],
                modele=modele[:60],
                modele_version=modele_version,
                modele_pk=modele_pk,
            )
            for recipient in recipients
        ]
        return deliveries_record(records) if record else records
    except DatabaseError:
        # The message is gone: failing now would make the caller send it a second time.
        logger.exception("E-mail sent but not recorded for delivery tracking: %s", message.subject)
        return []


def deliveries_record(records: list[Any]) -> list[Any]:
    """Save the delivery records of messages already sent (one query); a database error is logged, never
    raised: the messages are gone, failing now would make the caller send them a second time."""
    from .models import MessageEnvoye  # core.models imports nothing from here; kept beside deliver's

    try:
        return MessageEnvoye.objects.bulk_create(records)
    except DatabaseError:
        logger.exception("%s e-mail(s) sent but not recorded for delivery tracking", len(records))
        return []


def send_now(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    reply_to: list[str] | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
    reference: str = "",
    notification: str | None = None,
    modele: str = "",
    modele_version: int | None = None,
    modele_pk: int | None = None,
) -> None:
    """Send now. `attachments` are text files (name, content, MIME type), e.g. an .ics invitation."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, reply_to=reply_to or [settings.TSF_PILOT["email"]])
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    deliver(
        message,
        reference=reference,
        notification=notification,
        modele=modele,
        modele_version=modele_version,
        modele_pk=modele_pk,
    )


def send_after_commit(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    attachments: list[tuple[str, str, str]] | None = None,
    reference: str = "",
    notification: str | None = None,
    reply_to: list[str] | None = None,
    modele: str = "",
    modele_version: int | None = None,
    modele_pk: int | None = None,
) -> None:
    """Record the e-mail as a job of the current transaction; Celery sends it once that commits.

    Never sent for a rolled-back change; kept in the database if the broker is away (core/jobs.py).
    Attachments are text (JSON-serialisable): (name, content, MIME type).
    """
    extra: dict[str, Any] = {"attachments": [list(a) for a in attachments]} if attachments else {}
    if reference:
        extra["reference"] = reference
    if notification:
        # Checked when the job sends it: a choice made meanwhile is honoured.
        extra["notification"] = str(notification)
    if reply_to:
        extra["reply_to"] = [str(address) for address in reply_to if address]
    if modele:
        # The template it was made with, recorded on the job and then on the sent e-mail.
        extra["modele"] = modele
    if modele_pk is not None:
        extra.update(modele_version=modele_version, modele_pk=modele_pk)
    enqueue("email", to=list(to), subject=subject, text=text, html=html, **extra)


def send_templated_after_commit(
    *, to: list[str], name: str, context: dict[str, Any], notification: str | None = None
) -> RenderedEmail:
    rendered = render_email(name, context)
    send_after_commit(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        notification=notification,
        reply_to=[rendered.reply_to] if rendered.reply_to else None,
        **rendered.trace(),
    )
    return rendered
