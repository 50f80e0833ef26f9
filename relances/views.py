from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.forms import add_domain_error
from core.pagination import paginer
from core.permissions import action_required, forbid_unless
from programmes.models import Programme

from . import selectors, services
from .forms import RelancesProgrammeForm


@login_required
def relances_programme(request, programme_pk: int):
    """Coordination: the reminders sent for a programme, and the switch of each kind."""
    forbid_unless(request.user, "relances.configurer")
    programme = get_object_or_404(Programme, pk=programme_pk)
    form = RelancesProgrammeForm.for_programme(programme, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_relances_configurer(
                programme=programme, desactivees=form.desactivees(), by=request.user, version=form.cleaned_data["version"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Réglage des relances enregistré."))
            return redirect("relances:programme", programme_pk=programme.pk)
    page_obj = paginer(request, selectors.relances_envoyees(programme), 50)
    return render(
        request,
        "relances/relance_list.html",
        {
            "programme": programme,
            "form": form,
            "page_obj": page_obj,
            "relances": page_obj,
            "suspendues": selectors.relances_suspendues(programme),
        },
    )


@action_required("relances.configurer")
def relances_courant(request):
    """The header menu's entry: the current programme's reminders (the menu does not query for it)."""
    programme = Programme.courant()
    if programme is None:
        raise Http404
    return redirect("relances:programme", programme_pk=programme.pk)
