"""pytest plugin (loaded by `-p tests.environment` in pyproject.toml, before pytest-django reads the
settings): the test run gets a SECRET_KEY of its own.

The settings refuse to start without SECRET_KEY when DEBUG is off, and the tests run with DEBUG off
(as production does). A random key per run, inherited by the xdist workers and by every subprocess
a test starts (Celery workers), so that they all sign and verify with the same key.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", f"tests-{secrets.token_urlsafe(48)}")
