"""The co-built objectives grid: the mentor and the beneficiary write, the coordination comments."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.concurrency import version_initial
from core.exceptions import DomainError
from core.forms import form_save
from core.permissions import forbid_unless

from . import services
from .forms_objectifs import CommentaireForm, IndicateurForm, ObjectifEditForm, ObjectifForm
from .models import Accompagnement, Indicateur, Objectif
from .permissions import role_in

REDIGER = "accompagnement.rediger_grille"
COMMENTER = "accompagnement.commenter_grille"


def _access(request, accompagnement: Accompagnement, action: str) -> None:
    """Not a participant → 404; a participant whose part may not → 403 (the state is the service's to say)."""
    if role_in(accompagnement, request.user) is None:
        raise Http404
    forbid_unless(request.user, action, accompagnement)


def _accompagnement(pk: int) -> Accompagnement:
    return get_object_or_404(Accompagnement.objects.prefetch_related("mentors"), pk=pk)


def _objectif(pk: int) -> Objectif:
    return get_object_or_404(Objectif.objects.select_related("accompagnement").prefetch_related("accompagnement__mentors"), pk=pk)


def _grid_url(accompagnement_id: int) -> str:
    return reverse("accompagnements:detail", args=[accompagnement_id]) + "#objectifs"


def _form_page(
    request,
    accompagnement: Accompagnement,
    form,
    save: Callable[[dict[str, Any]], object],
    *,
    done: str,
    titre: str,
    objectif: Objectif | None = None,
    template: str = "accompagnements/objectif_form.html",
):
    """The grid's form pages: a valid POST calls the service through `save(cleaned_data)`; a refusal
    is shown on the form with the user's input kept; a success goes back to the grid."""
    if form_save(request, form, save, success=done) is not None:
        return redirect(_grid_url(accompagnement.pk))
    return render(request, template, {"accompagnement": accompagnement, "objectif": objectif, "form": form, "titre": titre})


def _delete_page(
    request, accompagnement: Accompagnement, objet: Objectif | Indicateur, delete: Callable[[], object], *, done: str
):
    """The grid's delete confirmations: a POST calls the service; a refusal is shown on the page."""
    error = ""
    if request.method == "POST":
        try:
            delete()
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect(_grid_url(accompagnement.pk))
    return render(
        request,
        "accompagnements/objectif_confirm_delete.html",
        {"accompagnement": accompagnement, "objet": objet, "error": error},
    )


@login_required
def objectif_create(request, pk: int):
    accompagnement = _accompagnement(pk)
    _access(request, accompagnement, REDIGER)
    return _form_page(
        request,
        accompagnement,
        ObjectifForm(request.POST or None),
        lambda data: services.objectif_create(accompagnement=accompagnement, by=request.user, **data),
        done=_("L’objectif est ajouté. Ajoutez-lui maintenant au moins un indicateur."),
        titre=_("Ajouter un objectif"),
    )


@login_required
def objectif_update(request, objectif_pk: int):
    objectif = _objectif(objectif_pk)
    _access(request, objectif.accompagnement, REDIGER)
    form = ObjectifEditForm(
        request.POST or None,
        initial={"intitule": objectif.intitule, "critere_reussite": objectif.critere_reussite, **version_initial(objectif)},
    )
    return _form_page(
        request,
        objectif.accompagnement,
        form,
        lambda data: services.objectif_update(objectif=objectif, by=request.user, **data),
        done=_("L’objectif est modifié."),
        titre=_("Modifier l’objectif"),
        objectif=objectif,
    )


@login_required
def objectif_delete(request, objectif_pk: int):
    objectif = _objectif(objectif_pk)
    _access(request, objectif.accompagnement, REDIGER)
    return _delete_page(
        request,
        objectif.accompagnement,
        objectif,
        lambda: services.objectif_delete(objectif=objectif, by=request.user),
        done=_("L’objectif est supprimé."),
    )


@login_required
def indicateur_create(request, objectif_pk: int):
    objectif = _objectif(objectif_pk)
    _access(request, objectif.accompagnement, REDIGER)
    return _form_page(
        request,
        objectif.accompagnement,
        IndicateurForm(request.POST or None),
        lambda data: services.indicateur_create(objectif=objectif, by=request.user, **data),
        done=_("L’indicateur est ajouté."),
        titre=_("Ajouter un indicateur"),
        objectif=objectif,
        template="accompagnements/objectif_indicateur_form.html",
    )


def _indicateur(pk: int) -> Indicateur:
    return get_object_or_404(
        Indicateur.objects.select_related("objectif__accompagnement").prefetch_related("objectif__accompagnement__mentors"), pk=pk
    )


@login_required
def indicateur_update(request, indicateur_pk: int):
    indicateur = _indicateur(indicateur_pk)
    objectif = indicateur.objectif
    _access(request, objectif.accompagnement, REDIGER)
    initial = {
        f: getattr(indicateur, f) for f in ("type_indicateur", "libelle", "description", "unite", "valeur_initiale", "cible")
    }
    return _form_page(
        request,
        objectif.accompagnement,
        IndicateurForm(request.POST or None, initial=initial),
        lambda data: services.indicateur_update(indicateur=indicateur, by=request.user, **data),
        done=_("L’indicateur est modifié."),
        titre=_("Modifier l’indicateur"),
        objectif=objectif,
        template="accompagnements/objectif_indicateur_form.html",
    )


@login_required
def indicateur_delete(request, indicateur_pk: int):
    indicateur = _indicateur(indicateur_pk)
    accompagnement = indicateur.objectif.accompagnement
    _access(request, accompagnement, REDIGER)
    return _delete_page(
        request,
        accompagnement,
        indicateur,
        lambda: services.indicateur_delete(indicateur=indicateur, by=request.user),
        done=_("L’indicateur est supprimé."),
    )


@login_required
@require_POST
def objectifs_valider(request, pk: int):
    accompagnement = _accompagnement(pk)
    _access(request, accompagnement, REDIGER)
    try:
        accompagnement = services.objectifs_valider(accompagnement=accompagnement, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if accompagnement.grille_validee:
            messages.success(request, _("La grille est validée par les deux parties : la convention est en préparation."))
        else:
            messages.success(request, _("Votre validation est enregistrée. La grille attend celle de l’autre partie."))
    return redirect(_grid_url(accompagnement.pk))


@login_required
def objectif_commenter(request, objectif_pk: int):
    objectif = _objectif(objectif_pk)
    _access(request, objectif.accompagnement, COMMENTER)
    form = CommentaireForm(
        request.POST or None,
        initial={"commentaire_coordination": objectif.commentaire_coordination, **version_initial(objectif)},
    )
    return _form_page(
        request,
        objectif.accompagnement,
        form,
        lambda data: services.objectif_commenter(
            objectif=objectif, commentaire=data["commentaire_coordination"], by=request.user, version=data["version"]
        ),
        done=_("Le commentaire est enregistré."),
        titre=_("Commenter l’objectif"),
        objectif=objectif,
        template="accompagnements/objectif_commentaire.html",
    )
