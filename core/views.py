from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import roles

from . import selectors, suivi_emails
from .exceptions import DomainError


def donnees_personnelles(request):
    """The personal-data notice (RGPD): controller, purposes, legal bases, retention periods, rights."""
    retention = dict(settings.TSF_RETENTION)
    retention["accompagnee_ans"] = settings.TSF_RETENTION["accompagnee_mois"] // 12
    return render(
        request,
        "core/donnees_personnelles.html",
        {"retention": retention, "idle_minutes": settings.TSF_STAFF_IDLE_MINUTES},
    )


# The mail providers whose tracking webhooks are wired (anymail's views check the basic auth and
# the provider's signature, then send the `tracking` signal received in core/suivi_emails.py).
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
    return render(request, "core/emails_en_echec.html", {"personnes": selectors.personnes_email_en_echec()})


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
    return redirect("core:emails_en_echec")
