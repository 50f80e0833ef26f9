"""The coordinator's desk: dashboard, file page, decisions, diagnostic interview. Coordination only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.perimetre import programmes_visibles
from annuaire.models import Competence
from core import selectors as core_selectors
from core.concurrency import version_initial
from core.downloads import scanned_document_response
from core.exceptions import DomainError
from core.forms import add_domain_error, form_save
from core.liens import lien_par_pk
from core.outcomes import report_outcome
from core.pagination import plafond
from core.permissions import action_required, may
from programmes.models import Programme
from questionnaires.selectors import reponses_affichees

from . import selectors, services
from .forms_coordination import (
    DECISION_TITLES,
    BesoinFormSet,
    DashboardFilterForm,
    DecisionForm,
    DemandePieceForm,
    DiagnosticPlanForm,
    DiagnosticRecordForm,
    EmailDraftForm,
    EtiquettesForm,
    NoteForm,
    NouvelleCompetenceFormSet,
    RevertForm,
    competence_choices,
)
from .models import Candidature, EntretienDiagnostic
from .workflow import WORKFLOW

# The "to do today" list shows the oldest waiting files first, this many.
A_TRAITER_MAX = 20
# The desk's list of files, a page (under TSF_PAGE_SIZE_MAX, as core.pagination.paginer).
LIGNES_PAR_PAGE = 25

# The coordinator's desk: anonymous → login page; any other role → 403 (rule in candidatures.permissions).
coordination_required = action_required("candidature.coordonner")


def _candidature(request: HttpRequest, pk: int) -> Candidature:
    # Drafts are the applicant's own business: the desk only opens submitted files.
    return get_object_or_404(Candidature.objects.visibles_par(request.user).soumises(), pk=pk)


def _refused(request: HttpRequest, candidature: Candidature, action: str) -> HttpResponse | None:
    """Say at once why an action is not allowed on this file, before the coordinator types anything."""
    decision = may(request.user, action, candidature)
    if decision:
        return None
    messages.error(request, decision.reason)
    return redirect("candidatures:coordination_detail", pk=candidature.pk)


def _emails_avec_statut(candidature) -> list:
    """The file's e-mails, each with what the mail provider said of it (core.MessageEnvoye)."""
    emails = list(candidature.emails.all())
    statuts = core_selectors.statuts_par_reference([f"emailenvoye:{email.pk}" for email in emails])
    for email in emails:
        email.remise = statuts.get(f"emailenvoye:{email.pk}")
    return emails


def _courant(programmes: list[Programme]) -> Programme | None:
    """ProgrammeQuerySet.courant() over the list already read (latest started first): the running programme
    started last, else the latest one; not a second query for the same rows."""
    today = timezone.localdate()
    return next((p for p in programmes if p.date_debut <= today <= p.date_fin), programmes[0] if programmes else None)


@coordination_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The files of the current programme by stage, what needs action today, filters and search."""
    visibles = programmes_visibles(request.user)
    programmes = list(visibles.order_by("-date_debut"))
    programme = None
    if request.GET.get("programme", "").isdigit():
        programme = next((p for p in programmes if p.pk == int(request.GET["programme"])), None)
    programme = programme or _courant(programmes)
    if programme is None:
        return render(request, "candidatures/coordination/candidature_list.html", {"programme": None})
    form = DashboardFilterForm(request.GET or None, programme=programme)
    filters = form.cleaned_data if form.is_valid() else {}
    files = selectors.candidatures_for_coordination(programme=programme, filters=filters)
    decompte = selectors.decompte_par_etat(programme=programme)
    paginator = Paginator(files, plafond(LIGNES_PAR_PAGE))
    criteres = {nom for nom, valeur in filters.items() if valeur}
    if not criteres or criteres == {"etat"}:
        # The list's length is already in the count by stage (the whole list, or one stage's): not a second
        # count of the same rows. Any other criterion is counted by the paginator.
        paginator.count = decompte.get(filters["etat"], 0) if criteres else sum(decompte.values())
    page_obj = paginator.get_page(request.GET.get("page"))
    limite = selectors.limite_de_retard(programme)
    lien = lien_par_pk("candidatures:coordination_detail")
    for candidature in page_obj:
        # The model's get_FOO_display() rebuilds a dict of every choice at each call (a hundred départements).
        candidature.etat_libelle = selectors.etat_label(candidature.etat)
        structure = candidature.structure
        candidature.departement_libelle = selectors.departement_label(structure.departement) if structure else ""
        candidature.en_retard = selectors.en_retard(candidature, limite=limite)
        candidature.lien = lien(candidature.pk)
    a_traiter = list(selectors.needs_action_today(programme=programme, nombre=plafond(A_TRAITER_MAX)))
    for candidature in a_traiter:
        candidature.action = selectors.action_label(candidature.etat)
        candidature.lien = lien(candidature.pk)
    return render(
        request,
        "candidatures/coordination/candidature_list.html",
        {
            "programme": programme,
            "programmes": programmes,
            "form": form,
            "stages": selectors.dashboard_counts(programme=programme, decompte=decompte),
            "a_traiter": a_traiter,
            "page_obj": page_obj,
            "filtre_actif": bool(filters and any(filters.values())),
            "emails_en_echec_total": core_selectors.adresses_en_echec_total(),
        },
    )


@coordination_required
def candidature_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole file for the coordinator: answers, pre-check, documents, diagnostic, notes, timeline."""
    _candidature(request, pk)
    candidature = selectors.candidature_for_coordination(pk=pk)
    diagnostic = (
        EntretienDiagnostic.objects.filter(candidature=candidature)
        .select_related("format_recommande", "format_suite", "conduit_par")
        .prefetch_related("besoins__competence__domaine")
        .first()
    )
    events = list(selectors.timeline_for_coordination(candidature))
    for event in events:
        event.description = selectors.describe_event(event)
    return render(
        request,
        "candidatures/coordination/candidature_detail.html",
        {
            "candidature": candidature,
            "diagnostic": diagnostic,
            # What followed the file (a reverse relation: no import of the later stage).
            "accompagnements": candidature.accompagnements.select_related("format").order_by("created_at", "pk"),
            "events": events,
            "notes": candidature.notes_internes.select_related("auteur"),
            "etiquettes": [lien.etiquette for lien in candidature.etiquettes_liens.select_related("etiquette")],
            "emails": _emails_avec_statut(candidature),
            "remises": core_selectors.messages_de(candidature.candidat),
            "saisines": candidature.saisines.prefetch_related("avis__membre", "pieces"),
            "note_form": NoteForm(),
            "etiquettes_form": EtiquettesForm(
                initial={
                    "noms": ", ".join(lien.etiquette.nom for lien in candidature.etiquettes_liens.select_related("etiquette"))
                }
            ),
            "demande_form": DemandePieceForm(),
            "revert_form": RevertForm(),
            "precheck": candidature.precheck if isinstance(candidature.precheck, dict) else {},
            # The programme's own questions, with the labels of the version the file was answered with.
            "reponses_libres": reponses_affichees(candidature.questionnaire_version, candidature.reponses),
        },
    )


@coordination_required
def candidature_decision(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Step 1: the decision and its motive; step 2: the pre-filled e-mail, editable, then sent."""
    if decision not in services.DECISIONS:
        raise Http404
    candidature = _candidature(request, pk)
    form = DecisionForm(request.POST or None, decision=decision, candidature=candidature)
    draft_form = None
    step = "decision"
    try:
        # Say at once when the move is not allowed, before the coordinator writes anything.
        WORKFLOW.check(candidature.etat, services.DECISION_TRANSITIONS[decision], reason="-")
        refusal = ""
    except DomainError as error:
        refusal = error.message
    if request.method == "POST" and refusal and request.POST.get("etape") == "apercu":
        form.is_valid()
        form.add_error(None, refusal)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("etape") in ("apercu", "envoyer"):
            step = "apercu"
            if request.POST.get("etape") == "apercu":
                subject, body = selectors.decision_email_draft(
                    candidature=candidature,
                    decision=decision,
                    motif=form.motif_complet(),
                    format=data.get("format"),
                    demi_journees=data.get("demi_journees"),
                    format_suite=data.get("format_suite"),
                    demi_journees_suite=data.get("demi_journees_suite"),
                )
                draft_form = EmailDraftForm(initial={"sujet": subject, "corps": body})
            else:
                draft_form = EmailDraftForm(request.POST)
                if draft_form.is_valid():
                    try:
                        services.candidature_decide(
                            candidature=candidature,
                            by=request.user,
                            decision=decision,
                            reason=form.motif_complet(),
                            subject=draft_form.cleaned_data["sujet"],
                            body=draft_form.cleaned_data["corps"],
                            format=data.get("format"),
                            demi_journees=data.get("demi_journees"),
                            format_suite=data.get("format_suite"),
                            demi_journees_suite=data.get("demi_journees_suite"),
                        )
                    except DomainError as error:
                        if error.field in form.fields or error.field in (None, "reason"):
                            add_domain_error(form, error)
                            step = "decision"
                        else:
                            add_domain_error(draft_form, error)
                    else:
                        messages.success(
                            request, _("Décision enregistrée ; l’e-mail est envoyé au·à la candidat·e et conservé au dossier.")
                        )
                        return redirect("candidatures:coordination_detail", pk=candidature.pk)
    return render(
        request,
        "candidatures/coordination/candidature_decision.html",
        {
            "candidature": candidature,
            "decision": decision,
            "titre": DECISION_TITLES[decision],
            "form": form,
            "draft_form": draft_form,
            "step": step,
            "refusal": refusal,
        },
    )


def _simple_form(
    request: HttpRequest,
    candidature: Candidature,
    form: Any,
    *,
    title: str,
    action: Callable[[Any], Any],
    success: str,
    submit: str,
) -> HttpResponse:
    # `action` returns what its service wrote (the labels: a list, maybe empty; never None).
    if form_save(request, form, lambda data: action(form), success=success) is not None:
        return redirect("candidatures:coordination_detail", pk=candidature.pk)
    return render(
        request,
        "candidatures/coordination/candidature_form.html",
        {"candidature": candidature, "form": form, "titre": title, "bouton": submit},
    )


@coordination_required
def candidature_revert(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    if refusal := _refused(request, candidature, "candidature.annuler_decision"):
        return refusal
    return _simple_form(
        request,
        candidature,
        RevertForm(request.POST or None),
        title=_("Annuler la dernière décision"),
        action=lambda f: services.candidature_revert_decision(
            candidature=candidature, by=request.user, reason=f.cleaned_data["motif"]
        ),
        success=_("La décision est annulée ; le dossier est revenu à son état précédent."),
        submit=_("Annuler la décision"),
    )


@coordination_required
@require_POST
def candidature_await(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    report_outcome(
        request,
        lambda: services.candidature_await_decision(candidature=candidature, by=request.user),
        success=_("Le dossier est en attente de décision."),
    )
    return redirect("candidatures:coordination_detail", pk=candidature.pk)


@coordination_required
def demande_piece(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    return _simple_form(
        request,
        candidature,
        DemandePieceForm(request.POST or None),
        title=_("Demander un document manquant"),
        action=lambda f: services.demande_piece_create(
            candidature=candidature, by=request.user, type_piece=f.cleaned_data["type_piece"], message=f.cleaned_data["message"]
        ),
        success=_("Le document est demandé ; le·la candidat·e est prévenu·e par e-mail."),
        submit=_("Demander le document"),
    )


@coordination_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    return _simple_form(
        request,
        candidature,
        NoteForm(request.POST or None),
        title=_("Ajouter une note interne"),
        action=lambda f: services.note_interne_add(candidature=candidature, by=request.user, texte=f.cleaned_data["texte"]),
        success=_("Note enregistrée (visible de la coordination seulement)."),
        submit=_("Enregistrer la note"),
    )


@coordination_required
def etiquettes_set(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    return _simple_form(
        request,
        candidature,
        EtiquettesForm(request.POST or None),
        title=_("Étiquettes du dossier"),
        action=lambda f: services.candidature_set_etiquettes(candidature=candidature, by=request.user, noms=f.liste()),
        success=_("Étiquettes enregistrées."),
        submit=_("Enregistrer les étiquettes"),
    )


@coordination_required
def diagnostic_plan(request: HttpRequest, pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    existing = EntretienDiagnostic.objects.filter(candidature=candidature).first()
    initial = {}
    if existing is not None:
        initial = {
            "debut": existing.debut,
            "duree_minutes": existing.duree_minutes,
            "modalite": existing.modalite,
            "lieu": existing.lieu,
            "lien_visio": existing.lien_visio,
            **version_initial(existing),
        }
    return _simple_form(
        request,
        candidature,
        DiagnosticPlanForm(request.POST or None, initial=initial),
        title=_("Planifier l’entretien diagnostic"),
        action=lambda f: services.entretien_diagnostic_schedule(candidature=candidature, by=request.user, **f.cleaned_data),
        success=_("Entretien planifié ; l’invitation et son fichier agenda sont envoyés au·à la candidat·e."),
        submit=_("Planifier et envoyer l’invitation"),
    )


@coordination_required
def diagnostic_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome of the diagnostic: needs with priorities, new competences, format and half-days."""
    candidature = _candidature(request, pk)
    diagnostic = EntretienDiagnostic.objects.filter(candidature=candidature).prefetch_related("besoins").first()
    if diagnostic is None:
        messages.error(request, _("Planifiez d’abord l’entretien diagnostic."))
        return redirect("candidatures:coordination_detail", pk=candidature.pk)
    choices = competence_choices()
    data = request.POST or None
    initial_besoins = [
        {"competence": b.competence_id, "priorite": b.priorite, "precision": b.precision} for b in diagnostic.besoins.all()
    ]
    form = DiagnosticRecordForm(
        data,
        programme=candidature.programme,
        initial={
            "format_recommande": diagnostic.format_recommande_id,
            "demi_journees": diagnostic.demi_journees,
            "format_suite": diagnostic.format_suite_id,
            "demi_journees_suite": diagnostic.demi_journees_suite,
            "notes": diagnostic.notes,
            **version_initial(diagnostic),
        },
    )
    besoins = BesoinFormSet(data, prefix="besoins", initial=initial_besoins, form_kwargs={"choices": choices})
    nouvelles = NouvelleCompetenceFormSet(data, prefix="nouvelles")
    if request.method == "POST" and all([form.is_valid(), besoins.is_valid(), nouvelles.is_valid()]):
        ids = [f.cleaned_data["competence"] for f in besoins if f.cleaned_data.get("competence")]
        competences = Competence.objects.in_bulk(ids)
        try:
            services.entretien_diagnostic_record(
                candidature=candidature,
                by=request.user,
                besoins=[
                    (competences[f.cleaned_data["competence"]], f.cleaned_data["priorite"], f.cleaned_data["precision"])
                    for f in besoins
                    if f.cleaned_data.get("competence") in competences
                ],
                nouvelles_competences=[
                    (f.cleaned_data["domaine"], f.cleaned_data["nom"], f.cleaned_data["priorite"])
                    for f in nouvelles
                    if f.cleaned_data.get("nom") and f.cleaned_data.get("domaine")
                ],
                format_recommande=form.cleaned_data["format_recommande"],
                demi_journees=form.cleaned_data["demi_journees"],
                format_suite=form.cleaned_data.get("format_suite"),
                demi_journees_suite=form.cleaned_data.get("demi_journees_suite"),
                notes=form.cleaned_data["notes"],
                version=form.cleaned_data["version"],
            )
        except DomainError as error:
            if error.field == "besoins":
                form.add_error(None, error.message)
            else:
                add_domain_error(form, error)
        else:
            messages.success(request, _("Diagnostic enregistré."))
            return redirect("candidatures:coordination_detail", pk=candidature.pk)
    return render(
        request,
        "candidatures/coordination/entretien_record.html",
        {"candidature": candidature, "diagnostic": diagnostic, "form": form, "besoins": besoins, "nouvelles": nouvelles},
    )


@login_required
def diagnostic_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The interview's calendar file: for the coordination and for the applicant of the file (their own only)."""
    if roles.is_coordination(request.user):
        scope = Candidature.objects.visibles_par(request.user)
    elif roles.is_candidat(request.user):
        scope = Candidature.objects.filter(candidat=request.user)
    else:
        raise PermissionDenied
    candidature = get_object_or_404(scope, pk=pk)
    entretien = get_object_or_404(EntretienDiagnostic.objects.select_related("candidature"), candidature=candidature)
    response = HttpResponse(selectors.diagnostic_calendar(entretien), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="entretien-diagnostic.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@coordination_required
def piece_download(request: HttpRequest, pk: int, piece_pk: int) -> HttpResponse:
    candidature = _candidature(request, pk)
    piece = get_object_or_404(candidature.pieces.all(), pk=piece_pk)
    return scanned_document_response(request, piece)
