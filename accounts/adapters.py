"""allauth adapters: the coordination keeps its second factor; account e-mails are followed."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from core.emails import deliver

from . import roles

# Where a person who signed up was going (e.g. `next=/candidatures/deposer/`), kept in the
# session until the e-mail address is confirmed (issue 15: the journey was lost there).
NEXT_AFTER_CONFIRMATION = "tsf_next_apres_confirmation"


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            request.session[NEXT_AFTER_CONFIRMATION] = next_url
        return user

    def get_email_verification_redirect_url(self, email_address) -> str:
        # Confirmed in the browser that signed up: go on where the person was going, through
        # the login page when they are not logged in yet.
        next_url = self.request.session.pop(NEXT_AFTER_CONFIRMATION, None)
        if not next_url:
            return super().get_email_verification_redirect_url(email_address)
        if self.request.user.is_authenticated:
            return next_url
        return f"{reverse('account_login')}?{urlencode({'next': next_url})}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # As allauth's, but sent through core.emails.deliver: confirmation and password-reset
        # e-mails are recorded and their delivery followed like every other message.
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, ctx)
        deliver(message, reference=f"compte:{template_prefix.rsplit('/', 1)[-1]}"[:100])


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Two-factor authentication is mandatory for the coordination: its TOTP cannot be removed.
        if (
            settings.TSF_MFA_REQUIRED_FOR_COORDINATION
            and authenticator.type == Authenticator.Type.TOTP
            and roles.is_coordination(authenticator.user)
        ):
            return False
        return super().can_delete_authenticator(authenticator)
