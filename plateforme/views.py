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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import roles
from core.exceptions import DomainError
from core.pagination import paginer, plafond
from core.permissions import action_required

from . import a_traiter as a_traiter_registry
from . import health, selectors, suivi_emails
from .forms import FileFiltreForm, RechercheForm

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


# --- The coordination's work queue and search (issue 15) ---------------------------------------------

# The queue's overview shows this many lines of each kind (with the kind's count and a link to all of
# them); one kind's list is paginated this many a page.
A_TRAITER_PAR_TYPE = 5
A_TRAITER_PAR_PAGE = 25


@action_required("candidature.coordonner")
def a_traiter(request: HttpRequest) -> HttpResponse:
    """Coordination: everything waiting across the lifecycle, by kind, oldest first; filter by kind and
    by the coordinator who follows it."""
    now = timezone.now()
    form = FileFiltreForm(request.GET or None)
    filtres = form.cleaned_data if form.is_valid() else {}
    suivi = filtres.get("suivi") or ""
    kind = a_traiter_registry.KINDS.get(filtres.get("type") or "")
    context: dict = {"form": form, "filtre_actif": bool(suivi or kind)}
    if kind is not None:
        page_obj = paginer(request, a_traiter_registry.items(kind, now=now, suivi=suivi, user=request.user), A_TRAITER_PAR_PAGE)
        context.update(
            kind=kind,
            page_obj=page_obj,
            lignes=[a_traiter_registry.ligne(kind, item, now) for item in page_obj.object_list],
        )
    else:
        limite = plafond(A_TRAITER_PAR_TYPE)
        sections = []
        for each in a_traiter_registry.KINDS.values():
            rows, total = selectors.borne(a_traiter_registry.items(each, now=now, suivi=suivi, user=request.user), limite)
            sections.append(
                {"kind": each, "total": total, "lignes": [a_traiter_registry.ligne(each, item, now) for item in rows]}
            )
        context["sections"] = sections
        context["total"] = sum(s["total"] for s in sections)
    # The menu's count follows what the coordinator sees here (it is rendered after this line).
    a_traiter_registry.total_menu_refresh(now=now)
    return render(request, "plateforme/a_traiter.html", context)


@login_required
def recherche(request: HttpRequest) -> HttpResponse:
    """One search box: a reference, a person or a structure, among what the user may see, each kind bounded."""
    form = RechercheForm(request.GET or None)
    resultats = selectors.recherche(request.user, form.cleaned_data["q"]) if form.is_valid() else None
    return render(request, "plateforme/recherche.html", {"form": form, "resultats": resultats})
