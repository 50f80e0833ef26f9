from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accompagnements.models import Accompagnement
from core.exceptions import DomainError
from core.forms import add_domain_error
from core.outcomes import report_outcome
from core.permissions import forbid_unless
from core.signed_links import signed_link_object

from . import liens, selectors, services
from .forms import SuiteForm, questionnaire_form
from .models import Evaluation


def _repondre(request, evaluation: Evaluation, by, template_context: dict):
    """Shared by the logged-in page and the signed link: show the questionnaire, record the answers."""
    form = questionnaire_form(evaluation, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_repondre(evaluation=evaluation, by=by, **form.service_kwargs())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return None
    return render(request, "evaluations/evaluation_form.html", {"evaluation": evaluation, "form": form, **template_context})


@login_required
def evaluation_remplir(request, pk: int):
    """The person's own questionnaire (someone else's is not found)."""
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("accompagnement__format", "accompagnement__programme"), pk=pk, personne=request.user
    )
    if not evaluation.est_ouverte:
        return render(request, "evaluations/evaluation_merci.html", {"evaluation": evaluation})
    response = _repondre(request, evaluation, request.user, {"par_lien": False})
    if response is None:
        messages.success(request, _("Merci ! Vos réponses sont enregistrées."))
        return redirect("accompagnements:detail", pk=evaluation.accompagnement_id)
    return response


def evaluation_lien(request, token: str):
    """The signed link of the e-mail: no login, this questionnaire only, until the link expires."""
    evaluation = signed_link_object(
        request,
        lambda: liens.evaluation_du_jeton(token),
        invalid_template="evaluations/evaluation_lien_invalide.html",
        missing=(Evaluation.DoesNotExist,),
    )
    if isinstance(evaluation, HttpResponse):
        return evaluation
    if not evaluation.est_ouverte:
        return render(request, "evaluations/evaluation_merci.html", {"evaluation": evaluation, "par_lien": True})
    response = _repondre(request, evaluation, evaluation.personne, {"par_lien": True})
    if response is None:
        return redirect("evaluations:lien", token=token)
    return response


def _accompagnement_coordination(request, pk: int) -> Accompagnement:
    forbid_unless(request.user, "evaluation.piloter")
    return get_object_or_404(Accompagnement.objects.visibles_par(request.user), pk=pk)


@login_required
@require_POST
def accompagnement_terminer(request, pk: int):
    accompagnement = _accompagnement_coordination(request, pk)
    report_outcome(
        request,
        lambda: services.accompagnement_terminer(accompagnement=accompagnement, by=request.user),
        success=_("Accompagnement terminé : les questionnaires de sortie sont ouverts et envoyés."),
    )
    return redirect("accompagnements:detail", pk=accompagnement.pk)


@login_required
@require_POST
def accompagnement_suite(request, pk: int):
    accompagnement = _accompagnement_coordination(request, pk)
    form = SuiteForm(request.POST, accompagnement=accompagnement)
    if form.is_valid():
        try:
            suite = services.accompagnement_suite_ouvrir(
                accompagnement=accompagnement,
                by=request.user,
                format=form.cleaned_data["format"],
                demi_journees=form.cleaned_data["demi_journees"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Suite ouverte : %(ref)s, avec la grille d’objectifs reprise de %(prev)s.")
                % {"ref": suite.reference, "prev": accompagnement.reference},
            )
            return redirect("accompagnements:detail", pk=suite.pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("accompagnements:detail", pk=accompagnement.pk)


@login_required
def resultats(request, programme_pk: int | None = None):
    """Coordination and comité technique: the programme's evaluation results (aggregates only)."""
    forbid_unless(request.user, "evaluation.resultats")
    # The coordination reads its pilots' programmes; a committee member those they sit on (another is not found).
    visibles = selectors.programmes_resultats(request.user)
    programme = get_object_or_404(visibles, pk=programme_pk) if programme_pk else visibles.courant()
    if programme is None:
        raise Http404
    return render(
        request,
        "evaluations/resultats_programme.html",
        {
            "resultats": selectors.resultats_programme(programme),
            "programmes": list(visibles.order_by("-date_debut")),
            "programme": programme,
        },
    )
