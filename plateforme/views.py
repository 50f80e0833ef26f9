"""Health of the platform: `/sante/` for load balancers and the coordination's status page."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts import roles

from . import health

logger = logging.getLogger(__name__)


@never_cache
def sante(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: 200 when the database, cache, broker and worker answer, else 503.

    No login and nothing personal: the names of the checks and "ok" or "erreur".
    """
    checks = health.essential_checks()
    healthy = all(check.ok for check in checks)
    if not healthy:
        logger.warning("Health check failed: %s", ", ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok))
    response = JsonResponse(
        {"statut": "ok" if healthy else "erreur", "controles": {c.name: "ok" if c.ok else "erreur" for c in checks}},
        status=200 if healthy else 503,
    )
    # Logged once above as a warning: Django would add an ERROR line (and a Sentry event) for each
    # probe of each load balancer while something is down.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@never_cache
@login_required
def etat_plateforme(request: HttpRequest) -> HttpResponse:
    """The coordination's and the admins' status page: checks, heartbeats, scans, outbox, reminders."""
    if not (roles.is_coordination(request.user) or request.user.is_staff):
        raise PermissionDenied
    return render(request, "core/etat_plateforme.html", health.platform_status())
