"""Pages of the availability slots: the mentor's own (publish, withdraw), and an accompagnement's
bookable ones (the beneficiary or the coordination books one, which plans the session).

Access: anonymous → login; a person with no mentor profile → 403 on "my slots"; an accompagnement one
does not take part in → 404; a participant whose role may not book → 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annuaire.models import PersonneRessource
from core.exceptions import DomainError
from core.forms import add_domain_error
from core.outcomes import report_outcome
from core.pagination import paginer
from core.permissions import forbid_unless

from . import services
from .forms_seances import CreneauForm, ReservationForm
from .models import Creneau
from .selectors import creneaux_du_mentor, creneaux_fenetre, creneaux_reservables
from .views_seances import _accompagnement_for

CRENEAUX_PAR_PAGE = 20


@login_required
def mes_creneaux(request):
    """The mentor's slots of the coming weeks, and the form that publishes new ones."""
    mentor = PersonneRessource.objects.filter(user=request.user).first()
    forbid_unless(request.user, "creneau.publier", mentor)
    form = CreneauForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                publies = services.creneaux_publish(mentor=mentor, by=request.user, **form.service_kwargs())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(n)s créneau(x) publié(s) : les bénéficiaires de vos accompagnements peuvent les réserver.")
                    % {"n": len(publies)},
                )
                return redirect("accompagnements:mes_creneaux")
        status = 400
    page_obj = paginer(request, creneaux_du_mentor(mentor), CRENEAUX_PAR_PAGE)
    return render(
        request,
        "accompagnements/creneaux_mentor.html",
        {"form": form, "page_obj": page_obj, "creneaux": page_obj, "jusqua": creneaux_fenetre()[1]},
        status=status,
    )


@login_required
@require_POST
def creneau_retirer(request, pk: int):
    creneau = get_object_or_404(Creneau.objects.select_related("mentor"), pk=pk, mentor__user=request.user)
    report_outcome(
        request, lambda: services.creneau_withdraw(creneau=creneau, by=request.user), success=_("Le créneau est retiré.")
    )
    return redirect("accompagnements:mes_creneaux")


def _render_reservables(request, accompagnement, role, *, status: int = 200, erreur: str = "", form=None):
    page_obj = paginer(request, creneaux_reservables(accompagnement), CRENEAUX_PAR_PAGE)
    return render(
        request,
        "accompagnements/creneaux_reserver.html",
        {
            "accompagnement": accompagnement,
            "role": role,
            "page_obj": page_obj,
            "creneaux": page_obj,
            "erreur": erreur,
            "form": form or ReservationForm(),
            "jusqua": creneaux_fenetre()[1],
        },
        status=status,
    )


@login_required
def creneaux_accompagnement(request, pk: int):
    """The free slots of the accompagnement's mentors, to book one."""
    accompagnement, role = _accompagnement_for(request, pk)
    forbid_unless(request.user, "creneau.reserver", accompagnement)
    return _render_reservables(request, accompagnement, role)


@login_required
@require_POST
def creneau_reserver(request, pk: int, creneau_pk: int):
    accompagnement, role = _accompagnement_for(request, pk)
    forbid_unless(request.user, "creneau.reserver", accompagnement)
    creneau = get_object_or_404(Creneau.objects.filter(mentor__accompagnements=accompagnement), pk=creneau_pk)
    form = ReservationForm(request.POST)
    if form.is_valid():
        try:
            seance = services.creneau_book(
                creneau=creneau, accompagnement=accompagnement, sujet=form.cleaned_data["sujet"], by=request.user
            )
        except DomainError as error:
            # The same refusal, in the same words, as planning the session would give.
            return _render_reservables(request, accompagnement, role, status=400, erreur=error.message, form=form)
        messages.success(request, _("Le créneau est réservé : la séance est planifiée et les participant·es sont prévenu·es."))
        return redirect("accompagnements:seance_detail", seance.pk)
    return _render_reservables(request, accompagnement, role, status=400, form=form)
