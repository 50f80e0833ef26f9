from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import AccesDonnees
from core.services import acces_journaliser

from . import donnees, roles
from .models import User

# Each lifecycle app contributes a section to the person's space: its selectors.espace(user)
# gives the context, templates/<app>/includes/espace.html renders it. The top layer (plateforme)
# comes first with the "À faire / À venir" block, which also lists the conventions to sign and the
# questionnaires to fill (listed once: the conventions app has no section of its own here); the
# applications come after the work under way, so a mentor's space does not open on them.
SPACE_SECTIONS = ["plateforme", "comite", "annuaire", "accompagnements", "ateliers", "candidatures", "evaluations", "budget"]


@login_required
def home(request):
    """The person's space: what each of their roles gives access to, and what is expected of them."""
    user = request.user
    context = {
        "role_labels": [roles.ROLE_LABELS[name] for name in sorted(roles.role_names(user)) if name in roles.ROLE_LABELS],
        "sections": [f"{app}/includes/espace.html" for app in SPACE_SECTIONS],
    }
    for app in SPACE_SECTIONS:
        context.update(import_string(f"{app}.selectors.espace")(user))
    return render(request, "accounts/home.html", context)


EXPORT_FORMATS = ("json", "csv")


def _export_response(person, fmt: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(donnees.export_json(person), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(donnees.export_csv(person), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{person.pk}-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export_mes_donnees(request, fmt: str):
    """The person downloads everything the platform holds about them (JSON or CSV)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return _export_response(request.user, fmt)


@login_required
def export_personne(request, pk: int, fmt: str):
    """The coordination downloads everything held about one person (to answer a RGPD request)."""
    if not roles.is_coordination(request.user):
        raise PermissionDenied
    if fmt not in EXPORT_FORMATS:
        raise Http404
    person = get_object_or_404(User, pk=pk)
    acces_journaliser(request=request, objet=person, libelle=f"export {fmt} : {person.email}", action=AccesDonnees.Action.EXPORT)
    return _export_response(person, fmt)
