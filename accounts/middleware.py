"""Session rules for the staff: TOTP required for the coordination, idle timeout.

Both run after allauth's AccountMiddleware, on every request of a logged-in user.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _

from . import roles

LAST_ACTIVITY_KEY = "tsf_last_activity"
# Writing the time stamp at most once a minute keeps the session row from being saved on every page.
ACTIVITY_WRITE_INTERVAL = 60


def is_staff_session(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) or roles.is_coordination(user)


def _exempt(request: HttpRequest, prefixes: tuple[str, ...]) -> bool:
    return request.path.startswith(prefixes)


def _mfa_exempt_prefixes() -> tuple[str, ...]:
    return _mfa_exempt_prefixes_under(get_script_prefix())


@functools.lru_cache(maxsize=8)
def _mfa_exempt_prefixes_under(_script_prefix: str) -> tuple[str, ...]:
    # Reversed once per script prefix (the memo's key, read by `reverse`), not on each coordination request.
    return (
        reverse("mfa_index"),  # /comptes/2fa/: set up, recovery codes, authenticate
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        settings.STATIC_URL,
    )


class StaffIdleTimeoutMiddleware:
    """A staff session ends after TSF_STAFF_IDLE_MINUTES without any request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_staff_session(user):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = settings.TSF_STAFF_IDLE_MINUTES * 60
            if last is not None and now - float(last) > limit:
                logout(request)
                messages.info(
                    request,
                    _("Votre session a expiré après %(minutes)d minutes d’inactivité : reconnectez-vous.")
                    % {"minutes": settings.TSF_STAFF_IDLE_MINUTES},
                )
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if last is None or now - float(last) > ACTIVITY_WRITE_INTERVAL:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class CoordinationMfaRequiredMiddleware:
    """A coordinator without an activated TOTP authenticator can only reach the 2FA set-up pages.

    Enforced on the sessions opened through allauth's login (the only login form of the site, the
    admin's included), which record how the person authenticated.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.TSF_MFA_REQUIRED_FOR_COORDINATION
            and user is not None
            and user.is_authenticated
            and AUTHENTICATION_METHODS_SESSION_KEY in request.session
            and roles.is_coordination(user)
            and not _exempt(request, _mfa_exempt_prefixes())
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _(
                    "La coordination accède à des données personnelles : activez la double authentification "
                    "(application d’authentification) pour continuer."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
