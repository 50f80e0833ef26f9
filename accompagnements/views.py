from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.module_loading import import_string

from .models import Accompagnement
from .permissions import role_in

# Each stage contributes one section of the accompagnement page: a context function
# (accompagnement, user, role) -> dict, and a template included in that order.
SECTIONS = [
    ("accompagnements.selectors.objectifs_context", "accompagnements/includes/objectifs.html"),
    ("conventions.selectors.accompagnement_context", "conventions/includes/accompagnement.html"),
    ("accompagnements.selectors.seances_context", "accompagnements/includes/seances.html"),
    ("evaluations.selectors.accompagnement_context", "evaluations/includes/accompagnement.html"),
    ("relances.selectors.accompagnement_context", "relances/includes/accompagnement.html"),
    ("budget.selectors.accompagnement_context", "budget/includes/accompagnement.html"),
]


@login_required
def accompagnement_detail(request, pk: int):
    accompagnement = get_object_or_404(
        Accompagnement.objects.select_related(
            "programme", "format", "structure_beneficiaire", "beneficiaire", "candidature", "suite_de"
        ).prefetch_related("mentors__structure"),
        pk=pk,
    )
    role = role_in(accompagnement, request.user)
    if role is None:
        # Existence does not leak: someone else's accompagnement is simply not found.
        raise Http404
    context = {"accompagnement": accompagnement, "role": role, "sections": []}
    for context_function, template in SECTIONS:
        context.update(import_string(context_function)(accompagnement, request.user, role))
        context["sections"].append(template)
    return render(request, "accompagnements/accompagnement_detail.html", context)
