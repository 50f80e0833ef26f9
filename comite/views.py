"""The comité technique's pages: files put to it (read-only summary, opinion) and its meetings."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.perimetre import programmes_visibles
from candidatures.models import Candidature
from core.concurrency import version_initial
from core.downloads import attachment_response, scanned_document_response
from core.forms import form_save
from core.pagination import paginer
from core.permissions import action_required, may
from core.services import acces_journaliser
from programmes.models import Programme

from . import selectors, services
from .forms import AvisForm, CompteRenduForm, ReunionForm, SaisineForm
from .models import ReunionComite, Saisine

REUNIONS_PAR_PAGE = 25

comite_required = action_required("comite.consulter")
coordination_required = action_required("comite.gerer")

T = TypeVar("T")


def _save(request: HttpRequest, form: forms.Form, success: str, service: Callable[..., T], **arguments: Any) -> T | None:
    """`service(**arguments, **form.cleaned_data)` through core.forms.form_save."""
    return form_save(request, form, lambda data: service(**arguments, **data), success=success)


@coordination_required
def saisine_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a file to the committee, from the coordinator's file page (`pk`: the candidature's)."""
    # Drafts are the applicant's own business: only submitted files are put to the committee.
    candidature = get_object_or_404(Candidature.objects.visibles_par(request.user).soumises(), pk=pk)
    dossier = redirect("candidatures:coordination_detail", pk=candidature.pk)
    # Say at once why the file cannot be put to the committee, before the coordinator types a question.
    if not (decision := may(request.user, "candidature.soumettre_comite", candidature)):
        messages.error(request, decision.reason)
        return dossier
    form = SaisineForm(request.POST or None, candidature=candidature)
    success = _("Le dossier est soumis au comité technique.")
    if _save(request, form, success, services.saisine_create, candidature=candidature, by=request.user) is not None:
        return dossier
    return render(
        request,
        "candidatures/coordination/candidature_form.html",
        {
            "candidature": candidature,
            "form": form,
            "titre": _("Soumettre le dossier au comité technique"),
            "bouton": _("Soumettre au comité"),
        },
    )


@comite_required
def saisine_list(request: HttpRequest) -> HttpResponse:
    page_obj = paginer(request, selectors.saisines_list(request.user), 25)
    return render(request, "comite/saisine_list.html", {"page_obj": page_obj})


@comite_required
def saisine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Read-only summary of a file put to the committee; a member records (or changes) their opinion."""
    try:
        saisine = selectors.saisine_detail(request.user, pk)
    except Saisine.DoesNotExist:
        raise Http404 from None
    mon_avis = next((a for a in saisine.avis.all() if a.membre_id == request.user.pk), None)
    form = None
    if may(request.user, "comite.donner_avis", saisine):
        initial = {"sens": mon_avis.sens, "commentaire": mon_avis.commentaire} if mon_avis else None
        form = AvisForm(request.POST or None, initial=initial)
        success = _("Votre avis est enregistré.")
        if _save(request, form, success, services.avis_give, saisine=saisine, membre=request.user) is not None:
            return redirect("comite:saisine_detail", pk=saisine.pk)
    elif request.method == "POST":
        raise PermissionDenied
    candidature = saisine.candidature
    try:
        diagnostic = candidature.diagnostic
    except ObjectDoesNotExist:
        diagnostic = None
    return render(
        request,
        "comite/saisine_detail.html",
        {
            "saisine": saisine,
            "candidature": candidature,
            "diagnostic": diagnostic,
            "form": form,
            "mon_avis": mon_avis,
        },
    )


@comite_required
def saisine_piece(request: HttpRequest, pk: int, piece_pk: int) -> HttpResponse:
    """A document given to the committee with this file (and no other document of the file)."""
    saisine = get_object_or_404(selectors.saisines_visibles(request.user), pk=pk)
    piece = get_object_or_404(saisine.pieces.all(), pk=piece_pk)
    return scanned_document_response(request, piece)


def _programme(request: HttpRequest) -> Programme:
    """The programme asked for (`?programme=`), among those whose committee the user reads (another
    one is not found); by default the current one among them."""
    visibles = selectors.programmes_visibles(request.user)
    pk = request.GET.get("programme", "")
    if pk.isdigit():
        return get_object_or_404(visibles, pk=int(pk))
    programme = visibles.courant()
    if programme is None:
        raise Http404
    return programme


@comite_required
def reunion_list(request: HttpRequest) -> HttpResponse:
    programme = _programme(request)
    return render(
        request,
        "comite/reunion_list.html",
        {
            "programme": programme,
            "reunions": paginer(request, selectors.reunions_list(programme=programme), REUNIONS_PAR_PAGE),
            "regle": selectors.reunions_minimum(programme=programme),
        },
    )


@coordination_required
def reunion_create(request: HttpRequest) -> HttpResponse:
    programme = _programme(request)
    return _reunion_form(request, programme, None)


@coordination_required
def reunion_update(request: HttpRequest, pk: int) -> HttpResponse:
    reunion = get_object_or_404(ReunionComite.objects.filter(programme__in=programmes_visibles(request.user)), pk=pk)
    return _reunion_form(request, reunion.programme, reunion)


def _reunion_form(request: HttpRequest, programme: Programme, reunion: ReunionComite | None) -> HttpResponse:
    initial = None
    if reunion is not None:
        initial = {
            "date": reunion.date,
            "lieu": reunion.lieu,
            "ordre_du_jour": reunion.ordre_du_jour,
            "saisines": list(reunion.saisines.values_list("pk", flat=True)),
            **version_initial(reunion),
        }
    form = ReunionForm(request.POST or None, programme=programme, reunion=reunion, initial=initial)
    saved = _save(
        request,
        form,
        _("Réunion enregistrée."),
        services.reunion_comite_save,
        programme=programme,
        by=request.user,
        reunion=reunion,
    )
    if saved is not None:
        return redirect("comite:reunion_detail", pk=saved.pk)
    return render(request, "comite/reunion_form.html", {"form": form, "reunion": reunion, "programme": programme})


@comite_required
def reunion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reunion = get_object_or_404(selectors.reunions_visibles(request.user).select_related("programme"), pk=pk)
    saisines = reunion.saisines.select_related("candidature", "candidature__structure").prefetch_related("pieces")
    form = (
        CompteRenduForm(initial={"compte_rendu": reunion.compte_rendu, **version_initial(reunion)})
        if may(request.user, "comite.gerer")
        else None
    )
    return render(request, "comite/reunion_detail.html", {"reunion": reunion, "saisines": saisines, "form": form})


@coordination_required
def reunion_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    reunion = get_object_or_404(ReunionComite.objects.filter(programme__in=programmes_visibles(request.user)), pk=pk)
    form = CompteRenduForm(
        request.POST or None, request.FILES or None, initial={"compte_rendu": reunion.compte_rendu, **version_initial(reunion)}
    )
    success = _("Compte-rendu enregistré.")
    if _save(request, form, success, services.reunion_comite_record_minutes, reunion=reunion, by=request.user) is not None:
        return redirect("comite:reunion_detail", pk=reunion.pk)
    saisines = reunion.saisines.select_related("candidature", "candidature__structure").prefetch_related("pieces")
    return render(request, "comite/reunion_detail.html", {"reunion": reunion, "saisines": saisines, "form": form})


@comite_required
def reunion_minutes_file(request: HttpRequest, pk: int) -> HttpResponse:
    reunion = get_object_or_404(selectors.reunions_visibles(request.user), pk=pk)
    if not reunion.compte_rendu_fichier:
        raise Http404
    acces_journaliser(request=request, objet=reunion, libelle=f"compte-rendu du comité du {reunion.date:%d/%m/%Y}")
    extension = reunion.compte_rendu_fichier.name.rsplit(".", 1)[-1].lower()
    content_type = mimetypes.guess_type(reunion.compte_rendu_fichier.name)[0] or "application/octet-stream"
    return attachment_response(
        reunion.compte_rendu_fichier,
        filename=f"compte-rendu-comite-{reunion.date:%Y-%m-%d}.{extension}",
        content_type=content_type,
    )
