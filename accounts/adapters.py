"""allauth adapters: the coordination keeps its second factor."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings

from . import roles


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
