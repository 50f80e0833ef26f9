"""Authentication: allauth everywhere, 2FA for the coordination, rate limits, session hygiene."""

import datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD

from .conftest import allauth_login, verified_user

pytestmark = pytest.mark.django_db


def _add_totp(user):
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})


def _open_totp_setup(client):
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    assert client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD}).status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode() or "data:image" in page.content.decode()  # the QR code


# --- Every login through allauth -------------------------------------------------------------


def test_admin_login_page_sends_to_allauth_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response["Location"]


def test_admin_login_refuses_a_posted_password(client, coordinatrice):
    # The admin's own form is never rendered nor processed: a POST is redirected like a GET.
    response = client.post("/admin/login/", {"username": coordinatrice.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_admin_login_denied_to_a_logged_in_non_staff(client, personne):
    client.force_login(personne)
    assert client.get("/admin/login/").status_code == 403


def test_session_key_changes_at_login(client, personne):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    assert before
    response = allauth_login(client, personne)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personne.pk)
    assert client.session.session_key != before


# --- Two-factor authentication -----------------------------------------------------------


def test_coordinator_without_totp_is_sent_to_the_2fa_setup(client, coordinatrice):
    response = allauth_login(client, coordinatrice)
    assert response.status_code == 302
    for url in (reverse("accounts:home"), "/admin/", reverse("candidatures:coordination_dashboard")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up pages (allauth first confirms the password) and the logout stay reachable.
    assert client.get(reverse("mfa_index")).status_code == 200
    _open_totp_setup(client)
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_coordinator_with_totp_passes_the_second_factor_then_works(client, coordinatrice):
    _add_totp(coordinatrice)
    response = allauth_login(client, coordinatrice)
    # The password alone is not enough: allauth asks for the code.
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # the current period
    code = format_hotp_value(hotp_value("JBSWY3DPEHPK3PXP", counter))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinatrice.pk)
    assert client.get(reverse("accounts:home")).status_code == 200


def test_coordinator_cannot_remove_their_totp(client, coordinatrice):
    from allauth.mfa.adapter import get_adapter

    authenticator = _add_totp(coordinatrice)
    assert get_adapter().can_delete_authenticator(authenticator) is False
    candidate = verified_user(roles=["candidat"])
    assert get_adapter().can_delete_authenticator(_add_totp(candidate)) is True


def test_two_factor_is_offered_to_everyone_from_their_space(client, personne):
    response = allauth_login(client, personne)
    assert response.status_code == 302
    page = client.get(reverse("accounts:home"))
    assert page.status_code == 200  # no TOTP required for an applicant
    assert reverse("mfa_index") in page.content.decode()
    _open_totp_setup(client)


# --- Rate limits -------------------------------------------------------------------------


@pytest.mark.parametrize("login_path", ["account_login", "admin_login"])
def test_fifty_wrong_passwords_are_blocked_at_the_limit_then_the_lock_expires(client, personne, login_path, figure):
    # The admin's login page sends to allauth's form (with next=/admin/): that is where passwords go.
    url = reverse("account_login") if login_path == "account_login" else client.get("/admin/login/?next=/admin/")["Location"]
    assert url.startswith(reverse("account_login"))
    statuses = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(50):
            response = client.post(url, {"login": personne.email, "password": "pas-le-bon"}, follow=True)
            statuses.append(response.status_code)
            # Every answer is a page telling the person what happened, never a server error.
            assert response.status_code in (200, 429)
        assert 500 not in statuses
        blocked_from = statuses.index(429) + 1 if 429 in statuses else None
        assert blocked_from is not None and statuses[blocked_from - 1 :] == [429] * (51 - blocked_from)
        assert "_auth_user_id" not in client.session
        # Locked: even the right password is refused now.
        response = client.post(reverse("account_login"), {"login": personne.email, "password": DEFAULT_PASSWORD})
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in client.session
        if response.status_code == 200:
            assert "Trop de tentatives" in response.content.decode() or "Too many" in response.content.decode()
        # The lock expires.
        traveller.shift(datetime.timedelta(minutes=6))
        response = allauth_login(client, personne)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(personne.pk)
    figure(
        f"{login_path}: 50 wrong passwords, blocked from attempt {blocked_from} on, "
        f"{statuses.count(500)} server errors, lock expired after 6 minutes"
    )


def test_signup_and_password_reset_are_rate_limited(client, personne):
    signup_statuses = [
        client.post(
            reverse("account_signup"),
            {"email": f"nouvelle{i}@exemple.test", "password1": "un-mot-de-passe-long", "password2": "autre"},
        ).status_code
        for i in range(25)
    ]
    assert 500 not in signup_statuses
    assert signup_statuses[-1] == 429
    reset_statuses = [client.post(reverse("account_reset_password"), {"email": personne.email}).status_code for _ in range(10)]
    assert 500 not in reset_statuses
    assert 429 in reset_statuses


def test_rate_limited_page_is_in_french_and_has_the_csp(client):
    for i in range(25):
        response = client.post(reverse("account_signup"), {"email": f"x{i}@exemple.test"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Trop de demandes" in body
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


# --- Other sessions end ------------------------------------------------------------------


def test_password_change_ends_the_other_sessions(personne):
    laptop, phone = Client(), Client()
    assert allauth_login(laptop, personne).status_code == 302
    assert allauth_login(phone, personne).status_code == 302
    assert phone.get(reverse("accounts:home")).status_code == 200
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": "nouveau-mot-de-passe-7", "password2": "nouveau-mot-de-passe-7"},
    )
    assert response.status_code == 302
    # The session where the change was made goes on; the other one is logged out.
    assert laptop.get(reverse("accounts:home")).status_code == 200
    response = phone.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivation_logs_the_account_out(personne):
    browser = Client()
    assert allauth_login(browser, personne).status_code == 302
    assert browser.get(reverse("accounts:home")).status_code == 200
    personne.is_active = False
    personne.save(update_fields=["is_active"])
    response = browser.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Idle timeout for the staff ----------------------------------------------------------


def test_staff_session_expires_after_idle_minutes(client, settings):
    settings.TSF_STAFF_IDLE_MINUTES = 30
    staff = verified_user(roles=["coordination"])
    _add_totp(staff)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(staff)
        assert client.get(reverse("accounts:home")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=25))
        assert client.get(reverse("accounts:home")).status_code == 200  # activity resets the clock
        traveller.shift(datetime.timedelta(minutes=25))
        assert client.get(reverse("accounts:home")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("accounts:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session


def test_applicant_session_has_no_staff_idle_timeout(client, personne):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(personne)
        traveller.shift(datetime.timedelta(minutes=settings.TSF_STAFF_IDLE_MINUTES + 10))
        assert client.get(reverse("accounts:home")).status_code == 200
