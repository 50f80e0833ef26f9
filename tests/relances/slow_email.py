"""E-mail backend for the real-worker test: one file per message, after an optional delay.

The delay stands for a slow SMTP server, so that the test can kill the worker while it sends.
Files are written then renamed, so a file that exists is a message that was handed over.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            time.sleep(float(os.environ.get("TSF_TEST_EMAIL_DELAY", "0")))
            relance = message.extra_headers.get("X-TSF-Relance", "autre")
            name = f"relance-{relance}-{uuid.uuid4().hex}"
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes())
            tmp.rename(folder / f"{name}.eml")
        return len(email_messages)
