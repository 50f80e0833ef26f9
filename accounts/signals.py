"""Start the staff idle clock at login."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import LAST_ACTIVITY_KEY


@receiver(user_logged_in, dispatch_uid="tsf_staff_idle_clock")
def start_idle_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = time.time()
