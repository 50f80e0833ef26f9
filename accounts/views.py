from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.models import AccesDonnees
from core.services import acces_journaliser

from . import donnees, espace, perimetre, roles


@login_required
def home(request):
    """The person's space: what each of their roles gives access to, and what is expected of them."""
    user = request.user
    context = {
        "role_labels": [roles.ROLE_LABELS[name] for name in sorted(roles.role_names(user)) if name in roles.ROLE_LABELS],
    }
    # Each stage above accounts registered its section (accounts/espace.py).
    sections = espace.sections()
    context["sections"] = [section.template for section in sections]
    for section in sections:
        context.update(section.context(user))
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
    # A person of another pilot's programme is not found (issue 16).
    person = get_object_or_404(perimetre.personnes_visibles(request.user), pk=pk)
    acces_journaliser(request=request, objet=person, libelle=f"export {fmt} : {person.email}", action=AccesDonnees.Action.EXPORT)
    return _export_response(person, fmt)
