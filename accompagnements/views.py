from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.module_loading import import_string

from core.pagination import paginer
from core.permissions import action_required

from .forms_liste import AccompagnementFiltreForm
from .models import Accompagnement
from .permissions import COORDINATION, role_or_404
from .selectors import accompagnements_for_coordination

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
    role = role_or_404(accompagnement, request.user)
    context = {
        "accompagnement": accompagnement,
        "role": role,
        "sections": [],
        "voit_dossier": role == COORDINATION,
        # Personnes-ressources whose part is over (several follow one another, issue 16).
        "mentors_termines": set(accompagnement.parties_terminees.values_list("personne_ressource_id", flat=True)),
    }
    for context_function, template in SECTIONS:
        context.update(import_string(context_function)(accompagnement, request.user, role))
        context["sections"].append(template)
    return render(request, "accompagnements/accompagnement_detail.html", context)


# The coordination's list pages this many accompagnements.
ACCOMPAGNEMENTS_PAR_PAGE = 25


@action_required("accompagnement.lister")
def accompagnement_list(request):
    """Coordination: every accompagnement, filtered, paginated, each row linking its file, convention,
    sessions and budget line."""
    form = AccompagnementFiltreForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page_obj = paginer(request, accompagnements_for_coordination(filters=filters, user=request.user), ACCOMPAGNEMENTS_PAR_PAGE)
    return render(
        request,
        "accompagnements/accompagnement_list.html",
        {"form": form, "page_obj": page_obj, "filtre_actif": bool(filters and any(filters.values()))},
    )
