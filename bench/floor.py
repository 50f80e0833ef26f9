"""The floor of bench/scale.py: a one-view Django app, served by the same server the same way.

gunicorn --chdir bench floor:application
"""

from __future__ import annotations

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="floor-of-the-benchmark",  # noqa: S106  # nosec B106 - serves one static word, no session
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", floor)]
application = get_wsgi_application()
