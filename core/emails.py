"""E-mails in French, HTML and plain text, from templates, sent after the database commit.

A message is three templates: emails/<name>.subject.txt, emails/<name>.txt, emails/<name>.html
(the HTML one extends emails/base.html). Context always has `site_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, context: dict[str, Any], *, language: str = "fr") -> RenderedEmail:
    context = {"site_url": settings.SITE_URL, "pilot": settings.TSF_PILOT, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    return RenderedEmail(subject=subject, text=text, html=html)


def send_now(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    reply_to: list[str] | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
) -> None:
    """Send now. `attachments` are text files (name, content, MIME type), e.g. an .ics invitation."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, reply_to=reply_to or [settings.TSF_PILOT["email"]])
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()


def send_after_commit(
    *, to: list[str], subject: str, text: str, html: str = "", attachments: list[tuple[str, str, str]] | None = None
) -> None:
    """Record the e-mail as a job of the current transaction; Celery sends it once that commits.

    Never sent for a rolled-back change; kept in the database if the broker is away (core/jobs.py).
    Attachments are text (JSON-serialisable): (name, content, MIME type).
    """
    from .jobs import enqueue

    extra = {"attachments": [list(a) for a in attachments]} if attachments else {}
    enqueue("email", to=list(to), subject=subject, text=text, html=html, **extra)


def send_templated_after_commit(*, to: list[str], name: str, context: dict[str, Any]) -> RenderedEmail:
    rendered = render_email(name, context)
    send_after_commit(to=to, subject=rendered.subject, text=rendered.text, html=rendered.html)
    return rendered
