"""Security headers on HTML pages: strict CSP (nonces, no inline script or style), nosniff, framing."""

import re

import pytest
from django.urls import reverse

from tests.factories import AccompagnementFactory, CandidatureFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "core:home",
    "core:faq",
    "core:devenir_personne_ressource",
    "core:mentions_legales",
    "core:donnees_personnelles",
    "core:accessibilite",
    "annuaire:candidature_mentor",
    "account_login",
    "account_signup",
    "account_reset_password",
]


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            directives[tokens[0]] = tokens[1:]
    return directives


def assert_secure_html(response, url: str) -> None:
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    csp = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"], url
    assert "'unsafe-eval'" not in csp["script-src"], url
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"]), url
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"], url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["Referrer-Policy"] == "same-origin", url
    html = response.content.decode()
    # django-csp adds a nonce to script-src only when the page uses one: an inline script runs
    # only with it. No inline style attribute and no on…= handler at all.
    nonces = [token[7:-1] for token in csp["script-src"] if token.startswith("'nonce-")]
    for tag in re.findall(r"<script\b[^>]*>", html):
        if re.search(r'type="application/(ld\+)?json"', tag):
            continue  # a data block: the browser never runs it
        assert "src=" in tag or any(f'nonce="{nonce}"' in tag for nonce in nonces), (url, tag)
    assert not re.search(r"<[a-zA-Z][^>]*\sstyle=", html), url
    assert not re.search(r"<[a-zA-Z][^>]*\son[a-z]+=", html), url  # no onclick= … handlers


def test_public_pages_send_the_security_headers(client, figure):
    for name in PUBLIC_PAGES:
        url = reverse(name)
        assert_secure_html(client.get(url), url)
    figure(f"{len(PUBLIC_PAGES)} public pages: CSP without unsafe-inline, nosniff, DENY")


def test_logged_in_pages_send_the_security_headers(client, coordinateur, membre_comite, figure):
    candidature = CandidatureFactory(etat="soumise")
    accompagnement = AccompagnementFactory()
    mentor_user = UserFactory(roles=["personne_ressource"])
    mentor = accompagnement.mentors.get()
    mentor.user = mentor_user
    mentor.save()
    pages = [
        (candidature.candidat, reverse("accounts:home")),
        (candidature.candidat, reverse("candidatures:dossier", args=[candidature.pk])),
        (accompagnement.beneficiaire, reverse("accompagnements:detail", args=[accompagnement.pk])),
        (mentor_user, reverse("accompagnements:detail", args=[accompagnement.pk])),
        (mentor_user, reverse("accounts:home")),
        (membre_comite, reverse("accounts:home")),
        (membre_comite, reverse("comite:saisine_list")),
        (coordinateur, reverse("candidatures:coordination_dashboard")),
        (coordinateur, reverse("candidatures:coordination_detail", args=[candidature.pk])),
        (coordinateur, reverse("annuaire:personne_ressource_list")),
        (coordinateur, reverse("accompagnements:detail", args=[accompagnement.pk])),
        (coordinateur, "/admin/"),
        (coordinateur, "/admin/accounts/user/"),
        (coordinateur, reverse("mfa_index")),
    ]
    for user, url in pages:
        client.force_login(user)
        assert_secure_html(client.get(url), url)
    figure(f"{len(pages)} logged-in pages: CSP without unsafe-inline, nosniff, DENY")


def test_downloads_are_attachments_with_nosniff(client, candidat):
    client.force_login(candidat)
    response = client.get(reverse("accounts:export_mes_donnees", args=["json"]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
