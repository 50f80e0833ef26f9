"""allauth adapters: the coordination keeps its second factor; account e-mails are followed."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from core.emails import deliver

from . import roles


class AccountAdapter(DefaultAccountAdapter):
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
