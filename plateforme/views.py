"""Health of the platform: `/sante/` for load balancers, the coordination's status page, and the e-mail
delivery follow-up (the provider's tracking webhook, the addresses in failure)."""

import logging

from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import roles
from core.exceptions import DomainError

from . import health, selectors, suivi_emails

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


# The mail providers whose tracking webhooks are wired (anymail's views check the basic auth and
# the provider's signature, then send the `tracking` signal received in plateforme/suivi_emails.py).
TRACKING_WEBHOOKS = {
    "brevo": BrevoTrackingWebhookView.as_view(),
    "mailjet": MailjetTrackingWebhookView.as_view(),
}


@csrf_exempt
def email_tracking_webhook(request, esp: str):
    """/anymail/<provider>/tracking/: refused outright while no WEBHOOK_SECRET is configured."""
    view = TRACKING_WEBHOOKS.get(esp)
    if view is None:
        raise Http404
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return HttpResponseForbidden("WEBHOOK_SECRET is not configured")
    return view(request)


@login_required
def emails_en_echec(request):
    """Coordination: the addresses the mail provider reported as failing, and the reminders held."""
    if not roles.is_coordination(request.user):
        raise PermissionDenied
    return render(request, "plateforme/emails_en_echec.html", {"personnes": selectors.personnes_email_en_echec()})


@login_required
@require_POST
def email_retablir(request, pk: int):
    """Coordination: the address was checked or corrected; the held reminders go out again."""
    personne = get_object_or_404(get_user_model(), pk=pk)
    try:
        relances = suivi_emails.email_adresse_retablir(personne=personne, by=request.user)
    except DomainError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Adresse rétablie : %(n)s relance(s) suspendue(s) reprise(s).") % {"n": relances})
    return redirect("plateforme:emails_en_echec")
