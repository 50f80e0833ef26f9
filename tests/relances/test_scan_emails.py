"""The reminders' messages (core.emails.MessageRendu) are serialised faster than Django's own
EmailMultiAlternatives but into the same bytes, but for the random multipart boundary."""

from __future__ import annotations

import random
import re
import string
from email._policybase import compat32
from email.generator import Generator

import pytest
from django.core.mail import EmailMultiAlternatives

from core.emails import COMPAT32_RAPIDE, MessageRendu

BOUNDARY = re.compile(rb"={15}\d{19}==")
DATE = "Tue, 01 Dec 2026 04:00:00 -0000"
TEXT = "Bonjour Camille,\n\nVotre candidature n’a pas bougé depuis le 3 novembre 2026.\n\n-- \nLa coordination"
HTML = "<!DOCTYPE html><html><body><p>Bonjour Camille,</p><p>Votre candidature n’a pas bougé.</p></body></html>"


def test_short_printable_headers_are_written_as_compat32_folds_them():
    rng = random.Random(14)
    alphabet = string.ascii_letters + string.digits + " " * 12 + ";,:=<>@\"'()-.?_/\t"
    names = ["Subject", "To", "From", "Reply-To", "Message-ID", "X-TSF-Relance", "Content-Type", "Date", "X"]
    for _ in range(3000):
        name = rng.choice(names)
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        for linesep in ("\n", "\r\n"):
            assert COMPAT32_RAPIDE.clone(linesep=linesep)._fold(name, value, True) == compat32.clone(linesep=linesep)._fold(
                name, value, True
            ), (name, value)
    for value in ("é" * 10, "a\nb", "x" * 200, "a \x0b b"):
        assert COMPAT32_RAPIDE._fold("Subject", value, True) == compat32._fold("Subject", value, True)


def _both(subject: str, *, to: list[str], body: str = TEXT, html: str = HTML, reply_to: list[str] | None = None, attach=False):
    def build(cls):
        message = cls(
            subject=subject,
            body=body,
            to=to,
            reply_to=reply_to or ["Structure pilote <pilote@tsf.example>"],
            headers={"Message-ID": "<relance-7@tsf.example>", "X-TSF-Relance": "7", "Date": DATE},
        )
        message.attach_alternative(html, "text/html")
        if attach:
            message.attach("recu.pdf", b"%PDF-1.4 \x00\xff binaire", "application/pdf")
        return message

    return build(EmailMultiAlternatives), build(MessageRendu)


@pytest.mark.parametrize(
    "subject",
    [
        "Votre candidature est restée en brouillon",
        "Plain ASCII subject",
        "Un objet très long qui dépasse largement la longueur d’une ligne d’en-tête et doit être plié en plusieurs mots",
        "A long ASCII subject that goes well past the seventy-eight characters of a header line, folded",
    ],
)
@pytest.mark.parametrize("attach", [False, True])
def test_a_message_serialises_to_the_same_bytes_as_djangos(subject, attach):
    many = [f"personne{i}@echelle.test" for i in range(12)]
    for to, reply_to, body in (
        (["camille@exemple.test"], None, TEXT),
        (many, ["Structure pilote é <pilote@tsf.example>"], TEXT + "\n" + "long " * 300),
    ):
        django_message, ours = _both(subject, to=to, reply_to=reply_to, body=body, attach=attach)
        for linesep in ("\n", "\r\n"):  # console and SMTP
            expected = django_message.message().as_bytes(linesep=linesep)
            got = ours.message().as_bytes(linesep=linesep)
            assert BOUNDARY.sub(b"B", got) == BOUNDARY.sub(b"B", expected)
        assert ours.message().as_string() and ours.subject == subject


def test_a_boundary_found_in_a_text_is_left_to_the_generator(monkeypatch):
    drawn = "=" * 15 + "1" * 19 + "=="
    original = Generator._make_boundary.__func__

    def make_boundary(cls, text=None):
        return drawn if text is None else original(cls, text)

    monkeypatch.setattr(Generator, "_make_boundary", classmethod(make_boundary))
    _theirs, ours = _both("Objet", to=["camille@exemple.test"], body=f"--{drawn}\n{TEXT}")
    serialised = ours.message().as_bytes()
    assert serialised.count(drawn.encode()) == 1  # only in the text: the parts are delimited by another one
