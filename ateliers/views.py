"""Pages of the ateliers: the calendar, one atelier (register, withdraw; the participants and their
attendance for the coordination and the leader), and the actions on a registration.

Access: anonymous → login; a role that does not see the calendar → 403; a registration one may not
act on (someone else's) → 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import DomainError, PermissionRefused
from core.forms import form_save
from core.outcomes import report_outcome
from core.pagination import paginer
from core.permissions import action_required, forbid_unless, may
from questionnaires.forms import questions_form_class, vers_json
from questionnaires.selectors import questions_evaluation, reponses_affichees

from . import selectors, services
from .forms import (
    DesistementForm,
    InscrirePersonneForm,
    ObjectifsImmersionForm,
    RapportImmersionForm,
    SeanceGroupeForm,
)
from .models import MembreGroupe, SeanceGroupe

ATELIERS_PAR_PAGE = 20
PARTICIPANTS_PAR_PAGE = 50


@action_required("atelier.voir")
def liste(request):
    """The calendar of the coming ateliers (or all of them with ?tous=1)."""
    tous = request.GET.get("tous") == "1"
    page_obj = paginer(request, selectors.calendrier(request.user, a_venir=not tous), ATELIERS_PAR_PAGE)
    return render(request, "ateliers/atelier_list.html", {"page_obj": page_obj, "ateliers": page_obj, "tous": tous})


def _render_detail(request, atelier, *, status: int = 200, form=None, erreur: str = ""):
    context = {
        "atelier": atelier,
        "ma_inscription": selectors.ma_inscription(request.user, atelier),
        "form_personne": form or InscrirePersonneForm(),
        "erreur": erreur,
        "peut_pointer": may(request.user, "atelier.pointer", atelier).allowed,
    }
    clore = may(request.user, "atelier.clore", atelier)
    # The coordination sees why the list cannot be closed yet (not started, someone not noted).
    context["peut_clore"] = clore.allowed
    context["clore_pas_encore"] = (
        "" if clore.allowed or clore.error is PermissionRefused or not atelier.est_programme else clore.reason
    )
    if context["ma_inscription"] is not None and context["ma_inscription"].etat == "en_attente":
        context["mon_rang"] = selectors.rang_attente(context["ma_inscription"])
    if context["peut_pointer"]:
        page_obj = paginer(request, selectors.participants(atelier), PARTICIPANTS_PAR_PAGE)
        context.update(page_obj=page_obj, participants=page_obj)
    if atelier.est_tenu and may(request.user, "atelier.evaluations_voir", atelier).allowed:
        context["evaluations"] = selectors.evaluations_atelier(atelier)
    return render(request, "ateliers/atelier_detail.html", context, status=status)


def _atelier_for(request, pk: int):
    atelier = selectors.atelier_detail(request.user, pk)
    if atelier is None:
        raise Http404
    return atelier


@action_required("atelier.voir")
def detail(request, pk: int):
    return _render_detail(request, _atelier_for(request, pk))


@login_required
@require_POST
def inscrire(request, pk: int):
    """The beneficiary registers themself."""
    atelier = _atelier_for(request, pk)
    forbid_unless(request.user, "atelier.s_inscrire", atelier)
    try:
        inscription = services.inscription_create(atelier=atelier, participant=request.user, by=request.user)
    except DomainError as error:
        return _render_detail(request, atelier, status=400, erreur=error.message)
    if inscription.etat == "inscrite":
        messages.success(request, _("Vous êtes inscrit·e à cet atelier."))
    else:
        messages.info(
            request,
            _("L’atelier est complet : vous êtes sur la liste d’attente, et prévenu·e par e-mail si une place se libère."),
        )
    return redirect("ateliers:detail", atelier.pk)


@login_required
@require_POST
def inscrire_personne(request, pk: int):
    """The coordination registers someone by their account's e-mail."""
    atelier = _atelier_for(request, pk)
    forbid_unless(request.user, "atelier.inscrire", atelier)
    form = InscrirePersonneForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, atelier, status=400, form=form)
    participant = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    if participant is None:
        form.add_error("email", _("Aucun compte n’a cette adresse e-mail."))
        return _render_detail(request, atelier, status=400, form=form)
    try:
        inscription = services.inscription_create(atelier=atelier, participant=participant, by=request.user)
    except DomainError as error:
        form.add_error("email", error.message)
        return _render_detail(request, atelier, status=400, form=form)
    messages.success(
        request,
        _("%(nom)s : %(etat)s.") % {"nom": participant.email, "etat": inscription.get_etat_display()},
    )
    return redirect("ateliers:detail", atelier.pk)


def _inscription_for(request, pk: int):
    return get_object_or_404(selectors.inscriptions_visibles(request.user), pk=pk)


@login_required
@require_POST
def desister(request, pk: int):
    inscription = _inscription_for(request, pk)
    forbid_unless(request.user, "inscription.desister", inscription)
    form = DesistementForm(request.POST)
    motif = form.cleaned_data["motif"] if form.is_valid() else ""
    report_outcome(
        request,
        lambda: services.inscription_withdraw(inscription=inscription, by=request.user, reason=motif),
        success=_("Le désistement est enregistré."),
    )
    return redirect("ateliers:detail", inscription.atelier_id)


@login_required
@require_POST
def presence(request, pk: int):
    inscription = _inscription_for(request, pk)
    presente = request.POST.get("presence") == "presente"
    forbid_unless(request.user, "inscription.marquer_presente" if presente else "inscription.marquer_absente", inscription)
    try:
        services.presence_record(inscription=inscription, presente=presente, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("ateliers:detail", args=[inscription.atelier_id]) + "#participants")


@login_required
@require_POST
def payee(request, pk: int):
    inscription = _inscription_for(request, pk)
    forbid_unless(request.user, "inscription.payer", inscription)
    report_outcome(
        request,
        lambda: services.participation_mark_paid(inscription=inscription, by=request.user),
        success=_("La participation est enregistrée comme payée."),
    )
    return redirect("ateliers:detail", inscription.atelier_id)


# --- Co-développement groups ---------------------------------------------------------------------

GROUPES_PAR_PAGE = 20


@login_required
def groupes(request):
    """The co-développement groups: all for the coordination, one's own for a member or a facilitator."""
    page_obj = paginer(request, selectors.groupes_visibles(request.user), GROUPES_PAR_PAGE)
    return render(request, "ateliers/groupe_list.html", {"page_obj": page_obj, "groupes": page_obj})


def _render_groupe(request, groupe, *, form=None, status: int = 200):
    peut_planifier = may(request.user, "groupe.planifier", groupe).allowed
    if peut_planifier and form is None:
        form = SeanceGroupeForm(groupe=groupe)
    context = {
        "groupe": groupe,
        "membres": selectors.membres_du_groupe(groupe),
        "seances": selectors.seances_du_groupe(groupe),
        "form": form,
        "peut_planifier": peut_planifier,
    }
    return render(request, "ateliers/groupe_detail.html", context, status=status)


@login_required
def groupe_detail(request, pk: int):
    groupe = get_object_or_404(selectors.groupes_visibles(request.user), pk=pk)
    return _render_groupe(request, groupe)


@login_required
@require_POST
def groupe_seance_planifier(request, pk: int):
    groupe = get_object_or_404(selectors.groupes_visibles(request.user), pk=pk)
    forbid_unless(request.user, "groupe.planifier", groupe)
    form = SeanceGroupeForm(request.POST, groupe=groupe)
    if not form.is_valid():
        return _render_groupe(request, groupe, form=form, status=400)
    data = form.cleaned_data
    try:
        services.seance_groupe_planifier(
            groupe=groupe,
            debut=form.debut(),
            duree=data["duree"],
            client=data["client"],
            problematique=data["problematique"],
            lieu=data["lieu"],
            lien_visio=data["lien_visio"] or "",
            by=request.user,
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _render_groupe(request, groupe, form=form, status=400)
    messages.success(request, _("La séance est planifiée."))
    return redirect("ateliers:groupe_detail", groupe.pk)


@login_required
@require_POST
def groupe_presences(request, pk: int):
    """The facilitator (or the coordination) ticks who attended a meeting."""
    seance = get_object_or_404(
        SeanceGroupe.objects.filter(groupe__in=selectors.groupes_visibles(request.user)).select_related("groupe__animateur"),
        pk=pk,
    )
    forbid_unless(request.user, "seance_groupe.tenir", seance)
    ids = {int(v) for v in request.POST.getlist("presents") if v.isdigit()}
    report_outcome(
        request,
        lambda: services.seance_groupe_presences(
            seance=seance, presents=list(MembreGroupe.objects.filter(groupe_id=seance.groupe_id, pk__in=ids)), by=request.user
        ),
        success=_("Les présences sont enregistrées."),
    )
    return redirect(reverse("ateliers:groupe_detail", args=[seance.groupe_id]) + f"#seance-{seance.pk}")


# --- Immersion days ------------------------------------------------------------------------------


def _render_immersion(request, immersion, *, objectifs_form=None, rapport_form=None, status: int = 200):
    context = {
        "immersion": immersion,
        "objectifs_form": objectifs_form or ObjectifsImmersionForm(),
        "rapport_form": rapport_form or RapportImmersionForm(),
        "peut_objectifs": may(request.user, "immersion.remplir_objectifs", immersion).allowed,
        "peut_rapporter": may(request.user, "immersion.rapporter", immersion).allowed,
    }
    return render(request, "ateliers/immersion_detail.html", context, status=status)


def _immersion_for(request, pk: int):
    return get_object_or_404(selectors.immersions_visibles(request.user), pk=pk)


@login_required
def immersion_detail(request, pk: int):
    return _render_immersion(request, _immersion_for(request, pk))


def _immersion_post(request, pk: int, *, action: str, form_class, form_name: str, save, success: str):
    """One of the pair posts their part of the immersion (objectives, report): the rule, the service, the
    page again with the refusal next to the field and the typed text kept."""
    immersion = _immersion_for(request, pk)
    forbid_unless(request.user, action, immersion)
    form = form_class(request.POST)
    if form_save(request, form, lambda data: save(immersion, data), success=success) is not None:
        return redirect("ateliers:immersion_detail", immersion.pk)
    return _render_immersion(request, immersion, status=400, **{form_name: form})


@login_required
@require_POST
def immersion_objectifs(request, pk: int):
    return _immersion_post(
        request,
        pk,
        action="immersion.remplir_objectifs",
        form_class=ObjectifsImmersionForm,
        form_name="objectifs_form",
        save=lambda immersion, data: services.immersion_objectifs_remplir(
            immersion=immersion, objectifs=data["objectifs"], by=request.user
        ),
        success=_("Vos objectifs sont enregistrés."),
    )


@login_required
@require_POST
def immersion_rapport(request, pk: int):
    return _immersion_post(
        request,
        pk,
        action="immersion.rapporter",
        form_class=RapportImmersionForm,
        form_name="rapport_form",
        save=lambda immersion, data: services.immersion_rapport_remettre(
            immersion=immersion, texte=data["texte"], by=request.user
        ),
        success=_("Votre compte rendu est remis."),
    )


@login_required
@require_POST
def clore(request, pk: int):
    """The coordination closes the attendance list: the atelier is held (its animation committed on the budget)."""
    atelier = _atelier_for(request, pk)
    forbid_unless(request.user, "atelier.clore", atelier)
    try:
        services.atelier_clore(atelier=atelier, by=request.user)
    except DomainError as error:
        return _render_detail(request, atelier, status=400, erreur=error.message)
    messages.success(request, _("La liste de présence est close : l’atelier est tenu."))
    return redirect("ateliers:detail", atelier.pk)


@login_required
@require_POST
def annuler(request, pk: int):
    """The coordination cancels an atelier: its registrations are withdrawn and each person told."""
    atelier = _atelier_for(request, pk)
    forbid_unless(request.user, "atelier.annuler", atelier)
    form = DesistementForm(request.POST)
    motif = form.cleaned_data["motif"] if form.is_valid() else ""
    try:
        services.atelier_annuler(atelier=atelier, by=request.user, reason=motif)
    except DomainError as error:
        return _render_detail(request, atelier, status=400, erreur=error.message)
    messages.success(request, _("L’atelier est annulé ; les personnes inscrites sont prévenues par e-mail."))
    return redirect("ateliers:detail", atelier.pk)


# --- A participant's evaluation of a held workshop --------------------------------------------------


@login_required
def evaluer(request, pk: int):
    """The participant evaluates a held workshop (from their space): the programme's workshop evaluation
    questionnaire, answered once; someone else's registration, or one with nothing to evaluate, is not found."""
    evaluation = selectors.evaluation_a_remplir(request.user, pk)
    if evaluation is None:
        raise Http404
    version = selectors.version_evaluation(evaluation)
    if evaluation.est_remplie:
        return _evaluation_remplie(request, evaluation)
    decision = forbid_unless(request.user, "evaluation_atelier.repondre", evaluation)
    if not decision.allowed or version is None:
        # No questionnaire: only if the coordination removed it after the list was closed.
        messages.error(
            request,
            decision.reason or _("Le questionnaire d’évaluation des ateliers est introuvable : prévenez la coordination."),
        )
        return redirect("accounts:home")
    # The programme's own questions, as for the accompaniments' evaluations (files are not asked here).
    posees = questions_evaluation(version)
    form = questions_form_class(posees)(request.POST if request.method == "POST" else None)
    written = form_save(
        request,
        form,
        lambda data: services.evaluation_atelier_repondre(
            evaluation=evaluation,
            questionnaire_version=version,
            reponses={q.code: vers_json(data.get(q.code)) for q in posees if q.code in data},
            by=request.user,
        ),
        success=_("Merci ! Votre évaluation de l’atelier est enregistrée."),
    )
    if written is not None:
        return redirect("accounts:home")
    return render(
        request,
        "ateliers/evaluation_form.html",
        {"evaluation": evaluation, "atelier": evaluation.inscription.atelier, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _evaluation_remplie(request, evaluation):
    """An evaluation already answered: the person reads their answers; posting again is refused by the service."""
    erreur = ""
    if request.method == "POST":
        try:
            services.evaluation_atelier_repondre(
                evaluation=evaluation, questionnaire_version=evaluation.questionnaire_version, reponses={}, by=request.user
            )
        except DomainError as error:
            erreur = error.message
    context = {
        "evaluation": evaluation,
        "atelier": evaluation.inscription.atelier,
        "etapes": reponses_affichees(evaluation.questionnaire_version, evaluation.reponses),
        "erreur": erreur,
    }
    return render(request, "ateliers/evaluation_form.html", context, status=400 if erreur else 200)
