"""The coordination brings a next personne-ressource into an accompaniment (issue 16)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import form_save
from core.outcomes import report_outcome
from core.permissions import forbid_unless

from . import services
from .forms_relais import PartieTermineeForm, PersonneRessourceAjoutForm
from .models import Accompagnement
from .permissions import role_in

AJOUTER = "accompagnement.ajouter_personne_ressource"


def _accompagnement(request, pk: int) -> Accompagnement:
    accompagnement = get_object_or_404(
        Accompagnement.objects.select_related("programme", "structure_beneficiaire").prefetch_related("mentors"), pk=pk
    )
    # Not a participant → 404; a participant whose part may not → 403.
    if role_in(accompagnement, request.user) is None:
        raise Http404
    forbid_unless(request.user, AJOUTER, accompagnement)
    return accompagnement


@login_required
def personne_ressource_ajouter(request, pk: int):
    accompagnement = _accompagnement(request, pk)
    form = PersonneRessourceAjoutForm(request.POST or None)

    def save(data):
        return services.personne_ressource_ajouter(
            accompagnement=accompagnement, personne_ressource=data["personne_ressource"], motif=data["motif"], by=request.user
        )

    if form_save(request, form, save, success=_("La personne-ressource rejoint l’accompagnement.")) is not None:
        return redirect("accompagnements:detail", pk=accompagnement.pk)
    return render(request, "accompagnements/personne_ressource_ajouter.html", {"accompagnement": accompagnement, "form": form})


@require_POST
@login_required
def personne_ressource_terminer(request, pk: int):
    """From the accompaniment page: the coordination ends a personne-ressource's part (reason required)."""
    accompagnement = _accompagnement(request, pk)
    form = PartieTermineeForm(request.POST, accompagnement=accompagnement)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("accompagnements:detail", pk=accompagnement.pk)
    report_outcome(
        request,
        lambda: services.personne_ressource_terminer(
            accompagnement=accompagnement,
            personne_ressource=form.cleaned_data["personne_ressource"],
            motif=form.cleaned_data["motif"],
            by=request.user,
        ),
        success=_("La partie de cette personne-ressource est terminée."),
    )
    return redirect("accompagnements:detail", pk=accompagnement.pk)
