"""The applicant's pages: the questionnaire (draft at every step), submission, their file and its thread.

Every object is looked up in the applicant's own files (`candidat=request.user`): another
person's id gives a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.downloads import attachment_response, scanned_document_response
from core.exceptions import DomainError
from core.forms import add_domain_error
from core.outcomes import report_outcome
from core.uploads import check_upload
from programmes.models import Programme
from questionnaires.forms import questions_form_class
from questionnaires.models import TypeQuestion
from questionnaires.selectors import eligibilite, reponses_affichees

from . import selectors, services
from .eligibility import check_candidature
from .forms_candidat import (
    BesoinsForm,
    ConsentementForm,
    DemandePieceForm,
    DemandeurForm,
    MessageForm,
    ObjectifsForm,
    PersonneRessourceForm,
    PieceForm,
    ProblematiqueForm,
    RetraitForm,
    SituationForm,
    StructureForm,
)
from .models import Candidature, DemandePiece, Message, PieceJointe, TypePiece


@dataclass(frozen=True)
class Etape:
    """One page of the questionnaire, from the file's questionnaire version (questionnaires app)."""

    slug: str
    titre: Any
    form_class: Any = None
    intro: Any = ""
    bloc: str = ""
    questions: tuple = ()


# The built-in blocks: steps that write the file's own fields through the platform's forms.
BLOCS: dict[str, Any] = {
    "demandeur": DemandeurForm,
    "structure": StructureForm,
    "situation": SituationForm,
    "problematique": ProblematiqueForm,
    "objectifs": ObjectifsForm,
    "besoins": BesoinsForm,
    "personne_ressource": PersonneRessourceForm,
    "pieces": None,
    "consentement": ConsentementForm,
}


def _etapes(candidature: Candidature) -> list[Etape]:
    """The file's steps: built-in blocks keep their forms; the other steps ask their own questions."""
    etapes = []
    for etape in services.questionnaire_etapes(candidature):
        questions = tuple(etape.questions.all())
        form_class = BLOCS.get(etape.bloc) if etape.bloc else questions_form_class(list(questions))
        etapes.append(Etape(etape.slug, etape.titre, form_class, etape.intro, etape.bloc, questions))
    return etapes


def _etape(candidature: Candidature, slug: str) -> Etape | None:
    return next((e for e in _etapes(candidature) if e.slug == slug), None)


PIECES_ATTENDUES = [TypePiece.STATUTS, TypePiece.KBIS_INSEE, TypePiece.BUDGET, TypePiece.CV, TypePiece.PROJET]


def _mes_candidatures(request):
    return Candidature.objects.filter(candidat=request.user)


def _ma_candidature(request, pk: int) -> Candidature:
    return get_object_or_404(_mes_candidatures(request).select_related("programme", "structure", "candidat"), pk=pk)


def _initial(candidature: Candidature, step: Etape) -> dict[str, Any]:
    """The answers saved on the model, as initial values of the step's form."""
    if not step.bloc:
        reponses = candidature.reponses or {}
        return {q.code: reponses[q.code] for q in step.questions if q.code in reponses and q.type != TypeQuestion.FICHIER}
    etape = step.bloc
    user = candidature.candidat
    if etape == "demandeur":
        return {
            "prenom": user.first_name,
            "nom": user.last_name,
            "telephone": user.telephone,
            "statut_demandeur": candidature.statut_demandeur,
            "fonction": candidature.fonction,
            "presentation": candidature.presentation,
        }
    if etape == "structure" and candidature.structure:
        s = candidature.structure
        return {
            "raison_sociale": s.raison_sociale,
            "siret": s.siret,
            "forme_juridique": s.forme_juridique,
            "type_structure": s.type_structure,
            "code_postal": s.code_postal,
            "commune": s.commune,
            "departement": s.departement,
            "part_musiques_actuelles": s.part_musiques_actuelles,
            "employeuse": "oui" if s.employeuse else "non",
            "projet_premier_emploi": "oui" if s.projet_premier_emploi else "non",
            "nombre_salaries": s.nombre_salaries,
            "tranche_budget": s.tranche_budget,
            "site_web": s.site_web,
        }
    if etape in ("situation", "problematique", "objectifs"):
        return {etape: getattr(candidature, etape)}
    if etape == "besoins":
        return {
            "competences": list(candidature.competences_souhaitees.values_list("pk", flat=True)),
            "besoins_precisions": candidature.besoins_precisions,
        }
    if etape == "personne_ressource":
        return {
            "personne_ressource_pressentie": candidature.personne_ressource_pressentie_id,
            "personne_ressource_pressentie_texte": candidature.personne_ressource_pressentie_texte,
        }
    if etape == "consentement":
        return {"consentement_donnees": candidature.consentement_donnees}
    return {}


def _saisie(post, form) -> dict[str, list[str]]:
    """What was typed in the step's fields, as lists of strings (JSON)."""
    return {name: [value[:20000] for value in post.getlist(name)][:200] for name in form.fields if name in post}


def _step_form(candidature: Candidature, etape: Etape, **kwargs: Any):
    """The step's form; a file question already answered is not asked again."""
    if etape.bloc == "structure":
        kwargs["regles"] = eligibilite(candidature.programme)
    form = etape.form_class(**kwargs)
    if not etape.bloc:
        reponses = candidature.reponses or {}
        for question in etape.questions:
            if question.type == TypeQuestion.FICHIER and reponses.get(question.code):
                form.fields[question.code].required = False
                form.fields[question.code].help_text = _("Déjà transmis : %(nom)s. Envoyez un fichier pour le remplacer.") % {
                    "nom": reponses[question.code].get("nom", "")
                }
    return form


def _form_for(candidature: Candidature, etape: Etape):
    """The step's form: bound to what was last typed (so errors show again), else from the saved answers."""
    saisie = (candidature.brouillon or {}).get(etape.slug)
    if saisie is not None:
        return _step_form(candidature, etape, data=MultiValueDict(saisie))
    return _step_form(candidature, etape, initial=_initial(candidature, etape))


def _cleaned(etape: Etape, form) -> dict[str, Any]:
    """The step's valid answers, with each uploaded file checked (a refused file is an error next to its field)."""
    donnees = dict(form.cleaned_data)
    for question in etape.questions:
        upload = donnees.get(question.code) if question.type == TypeQuestion.FICHIER else None
        if upload:
            try:
                donnees[question.code] = check_upload(upload)
            except ValidationError as error:
                form.add_error(question.code, error)
    return donnees


def _voisines(candidature: Candidature, slug: str) -> tuple[str | None, str | None]:
    slugs = [e.slug for e in _etapes(candidature)]
    index = slugs.index(slug)
    return (slugs[index - 1] if index > 0 else None, slugs[index + 1] if index + 1 < len(slugs) else None)


def _progression(candidature: Candidature, courante: str) -> list[dict[str, Any]]:
    a_completer = set(services.questionnaire_etapes_a_completer(candidature))
    brouillon = candidature.brouillon or {}
    items = []
    etapes = _etapes(candidature)
    for numero, etape in enumerate(etapes, start=1):
        visitee = etape.slug in brouillon
        items.append(
            {
                "numero": numero,
                "slug": etape.slug,
                "titre": etape.titre,
                "courante": etape.slug == courante,
                "a_corriger": etape.slug in a_completer and visitee,
                "faite": visitee and etape.slug not in a_completer,
            }
        )
    items.append(
        {
            "numero": len(etapes) + 1,
            "slug": "recapitulatif",
            "titre": _("Vérification et dépôt"),
            "courante": courante == "recapitulatif",
            "a_corriger": False,
            "faite": False,
        }
    )
    return items


def _url_etape(candidature: Candidature, slug: str | None) -> str:
    if slug is None or slug == "recapitulatif":
        return reverse("candidatures:recapitulatif", args=[candidature.pk])
    return reverse("candidatures:questionnaire", args=[candidature.pk, slug])


@login_required
def deposer(request):
    """Start (or resume) an application to the open programme."""
    programmes = list(Programme.objects.filter(appel_ouvert=True).order_by("-date_debut"))
    brouillons = list(
        _mes_candidatures(request)
        .filter(etat__in=["brouillon", "a_corriger"])
        .select_related("programme")
        .order_by("-created_at")
    )
    if request.method == "POST":
        programme = next((p for p in programmes if str(p.pk) == request.POST.get("programme")), None)
        if programme is None:
            messages.error(request, _("Cet appel à candidatures n’est pas ouvert."))
            return redirect("candidatures:deposer")
        try:
            candidature = services.candidature_start(programme=programme, candidat=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("candidatures:deposer")
        premiere = _etapes(candidature)[0].slug if _etapes(candidature) else None
        return redirect(_url_etape(candidature, candidature.etape or premiere))
    return render(request, "candidatures/candidature_deposer.html", {"programmes": programmes, "brouillons": brouillons})


@login_required
def questionnaire(request, pk: int, etape: str):
    candidature = _ma_candidature(request, pk)
    if not candidature.modifiable:
        messages.info(request, _("Cette candidature est déposée : elle ne peut plus être modifiée."))
        return redirect("candidatures:dossier", pk=candidature.pk)
    step = _etape(candidature, etape)
    if step is None:
        raise Http404
    if step.bloc == "pieces":
        return _etape_pieces(request, candidature, step)

    precedente, suivante = _voisines(candidature, step.slug)
    if request.method == "POST":
        form = _step_form(candidature, step, data=request.POST, files=request.FILES)
        action = request.POST.get("action", "suivant")
        valid = form.is_valid()
        donnees = _cleaned(step, form) if valid else None
        valid = valid and form.is_valid()
        structure_avant = candidature.structure_id
        try:
            candidature = services.candidature_save_step(
                candidature=candidature,
                by=request.user,
                etape=step.slug,
                saisie=_saisie(request.POST, form),
                donnees=donnees if valid else None,
            )
        except DomainError as error:
            add_domain_error(form, error)
            valid = False
        structure = candidature.structure
        if valid and step.bloc == "structure" and structure is not None and structure.pk != structure_avant:
            if _structure_partagee(candidature):
                messages.info(
                    request,
                    _(
                        "Ce numéro SIRET correspond à une structure déjà connue de la plateforme (« %(nom)s ») : "
                        "votre candidature lui est rattachée. Sa fiche est tenue par la coordination ; vos réponses "
                        "sont conservées dans votre dossier."
                    )
                    % {"nom": structure.raison_sociale},
                )
        if valid or action in ("precedent", "quitter"):
            if not valid:
                messages.warning(
                    request,
                    _("Vos réponses à l’étape « %(etape)s » sont enregistrées, mais elle contient des erreurs à corriger.")
                    % {"etape": step.titre},
                )
            else:
                messages.success(request, _("Vos réponses sont enregistrées."))
            if action == "quitter":
                return redirect("accounts:home")
            return redirect(_url_etape(candidature, precedente if action == "precedent" else suivante))
    else:
        form = _form_for(candidature, step)
    context = _contexte_etape(candidature, step)
    context["form"] = form
    if step.bloc == "besoins":
        context["domaines"] = _competences_par_domaine(form)
    return render(request, "candidatures/candidature_questionnaire.html", context)


def _structure_partagee(candidature: Candidature) -> bool:
    return not services.candidature_structure_is_own(candidature)


def _competences_par_domaine(form) -> list[dict[str, Any]]:
    """The competence checkboxes grouped by domain, for a fieldset per domain."""
    field = form["competences"]
    selected = {str(v) for v in (field.value() or [])}
    domaines = []
    for nom, options in field.field.choices:
        domaines.append(
            {
                "nom": nom,
                "options": [{"value": str(pk), "label": label, "checked": str(pk) in selected} for pk, label in options],
            }
        )
    return domaines


def _contexte_etape(candidature: Candidature, step: Etape) -> dict[str, Any]:
    precedente, suivante = _voisines(candidature, step.slug)
    etapes = _etapes(candidature)
    numero = [e.slug for e in etapes].index(step.slug) + 1
    return {
        "candidature": candidature,
        "etape": step,
        "numero": numero,
        "total": len(etapes) + 1,
        "progression": _progression(candidature, step.slug),
        "precedente": precedente,
        "suivante": suivante or "recapitulatif",
        "structure_partagee": step.bloc == "structure" and candidature.structure_id and _structure_partagee(candidature),
    }


def _etape_pieces(request, candidature: Candidature, step: Etape):
    precedente, suivante = _voisines(candidature, step.slug)
    if request.method == "POST":
        action = request.POST.get("action", "suivant")
        form = PieceForm(data=request.POST, files=request.FILES, require_file=action == "ajouter")
        if form.is_valid():
            if form.checked is not None:
                try:
                    piece = services.piece_add(
                        candidature=candidature,
                        by=request.user,
                        checked=form.checked,
                        type_piece=form.cleaned_data["type_piece"],
                    )
                except DomainError as error:
                    form.add_error("fichier", error.message)
                else:
                    messages.success(request, _("« %(nom)s » est ajouté à votre dossier.") % {"nom": piece.nom_original})
                    if action == "ajouter":
                        return redirect(_url_etape(candidature, step.slug))
            if not form.errors:
                services.candidature_save_step(candidature=candidature, by=request.user, etape=step.slug, saisie={}, donnees={})
                if action == "quitter":
                    return redirect("accounts:home")
                return redirect(_url_etape(candidature, precedente if action == "precedent" else suivante))
    else:
        form = PieceForm(require_file=True)
    pieces = list(candidature.pieces.all())
    fournis = {p.type_piece for p in pieces}
    context = _contexte_etape(candidature, step)
    context.update(
        {
            "form": form,
            "pieces": pieces,
            "attendues": [{"label": t.label, "fourni": t.value in fournis} for t in PIECES_ATTENDUES],
        }
    )
    return render(request, "candidatures/candidature_pieces.html", context)


@login_required
@require_POST
def piece_supprimer(request, pk: int, piece_pk: int):
    candidature = _ma_candidature(request, pk)
    piece = get_object_or_404(PieceJointe.objects.filter(candidature=candidature), pk=piece_pk)
    report_outcome(
        request,
        lambda: services.piece_delete(piece=piece, by=request.user),
        success=_("Le document « %(nom)s » est retiré.") % {"nom": piece.nom_original},
    )
    etape_pieces = next((e.slug for e in _etapes(candidature) if e.bloc == "pieces"), None)
    if candidature.modifiable and etape_pieces:
        return redirect(_url_etape(candidature, etape_pieces))
    return redirect("candidatures:dossier", pk=candidature.pk)


@login_required
def recapitulatif(request, pk: int):
    """The review page: every answer, what is missing, the eligibility pre-check, then submission."""
    candidature = _ma_candidature(request, pk)
    if not candidature.modifiable:
        return redirect("candidatures:dossier", pk=candidature.pk)
    if request.method == "POST":
        try:
            candidature = services.candidature_deposit(candidature=candidature, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Votre candidature est déposée sous la référence %(ref)s. Un e-mail de confirmation avec "
                    "l’accusé de réception vous est envoyé."
                )
                % {"ref": candidature.reference},
            )
            return redirect("candidatures:dossier", pk=candidature.pk)
    a_completer = services.questionnaire_etapes_a_completer(candidature)
    criteres = check_candidature(candidature)
    etapes = _etapes(candidature)
    titres = {e.slug: e.titre for e in etapes}
    context = {
        "candidature": candidature,
        "progression": _progression(candidature, "recapitulatif"),
        "numero": len(etapes) + 1,
        "total": len(etapes) + 1,
        "a_completer": [{"titre": titres[s], "url": _url_etape(candidature, s)} for s in a_completer],
        "criteres": criteres,
        "criteres_non_remplis": [c for c in criteres if c.statut != "ok"],
        "pieces": list(candidature.pieces.all()),
        "competences": list(candidature.competences_souhaitees.select_related("domaine")),
        # The built-in blocks' answers, by block, each with the link to its step.
        "urls": {e.bloc: _url_etape(candidature, e.slug) for e in etapes if e.bloc},
        "reponses_libres": [
            {"titre": e.titre, "url": _url_etape(candidature, e.slug), "reponses": r.reponses}
            for e, r in zip(
                [e for e in etapes if not e.bloc and e.questions],
                reponses_affichees(services.candidature_questionnaire(candidature), candidature.reponses),
                strict=False,
            )
        ],
    }
    return render(request, "candidatures/candidature_recapitulatif.html", context)


def _dossier_render(request, candidature: Candidature, *, message_form=None, demande_forms=None):
    thread = list(Message.objects.filter(candidature=candidature).select_related("piece").order_by("created_at"))
    nouveaux = {m.pk for m in thread if m.de_la_coordination and m.lu_le is None}
    if nouveaux:
        services.messages_mark_read(candidature=candidature, reader=request.user)
    demande_forms = demande_forms or {}
    context = {
        "candidature": candidature,
        "frise": selectors.frise(candidature),
        "prochaine": selectors.prochaine_etape(candidature),
        "thread": thread,
        "nouveaux": nouveaux,
        "pieces": list(candidature.pieces.select_related("demande")),
        "demandes": [
            {"demande": d, "form": demande_forms.get(d.pk) or DemandePieceForm(prefix=f"demande-{d.pk}")}
            for d in selectors.demandes_ouvertes(candidature)
        ],
        "message_form": message_form or MessageForm(),
        "criteres": (candidature.precheck or {}).get("criteres", []),
    }
    return render(request, "candidatures/candidature_dossier.html", context)


@login_required
def dossier(request, pk: int):
    """The applicant's file: status as a timeline, what comes next, documents, thread with the coordination."""
    candidature = get_object_or_404(
        _mes_candidatures(request).select_related("programme", "structure", "diagnostic", "candidat"), pk=pk
    )
    return _dossier_render(request, candidature)


@login_required
@require_POST
def message_envoyer(request, pk: int):
    candidature = _ma_candidature(request, pk)
    form = MessageForm(data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            services.candidature_message_post(
                candidature=candidature, auteur=request.user, texte=form.cleaned_data["texte"], checked=form.checked
            )
        except DomainError as error:
            form.add_error("fichier" if error.field == "fichier" else None, error.message)
        else:
            messages.success(request, _("Votre message est envoyé à la coordination."))
            return redirect(reverse("candidatures:dossier", args=[candidature.pk]) + "#messages")
    return _dossier_render(request, candidature, message_form=form)


@login_required
@require_POST
def demande_piece(request, pk: int, demande_pk: int):
    candidature = _ma_candidature(request, pk)
    demande = get_object_or_404(DemandePiece.objects.filter(candidature=candidature), pk=demande_pk)
    form = DemandePieceForm(data=request.POST, files=request.FILES, prefix=f"demande-{demande.pk}")
    if form.is_valid():
        try:
            services.demande_piece_fulfil(demande=demande, by=request.user, checked=form.checked)
        except DomainError as error:
            form.add_error("fichier", error.message)
        else:
            messages.success(request, _("Merci : le document est transmis à la coordination."))
            return redirect("candidatures:dossier", pk=candidature.pk)
    return _dossier_render(request, candidature, demande_forms={demande.pk: form})


@login_required
def retirer(request, pk: int):
    candidature = _ma_candidature(request, pk)
    if request.method == "POST":
        form = RetraitForm(data=request.POST)
        if form.is_valid():
            try:
                services.candidature_withdraw(candidature=candidature, by=request.user, reason=form.cleaned_data["motif"])
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Votre candidature est retirée."))
                return redirect("candidatures:dossier", pk=candidature.pk)
    else:
        form = RetraitForm()
    return render(request, "candidatures/candidature_retirer.html", {"candidature": candidature, "form": form})


@login_required
def piece_telecharger(request, pk: int, piece_pk: int):
    candidature = _ma_candidature(request, pk)
    piece = get_object_or_404(PieceJointe.objects.filter(candidature=candidature), pk=piece_pk)
    return scanned_document_response(request, piece)


@login_required
def recu(request, pk: int):
    candidature = _ma_candidature(request, pk)
    if not candidature.recu_pdf:
        raise Http404
    return attachment_response(
        candidature.recu_pdf, filename=f"accuse-reception-{candidature.reference}.pdf", content_type="application/pdf"
    )
