"""Pages of the sessions: plan, move, hold, cancel, questions, report, supporting records, calendars.

Access: anonymous → login; a session of an accompagnement one does not take part in → 404;
a participant whose role does not allow the action → 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from core.concurrency import has_edit_conflict, version_initial
from core.downloads import attachment_response
from core.forms import form_save
from core.liens import lien_par_pk
from core.outcomes import report_outcome
from core.pagination import paginer
from core.permissions import forbid_unless, may
from core.services import acces_journaliser

from . import calendar as seance_dates
from . import liens, services
from .forms_seances import (
    AnnulationForm,
    ArbitrageForm,
    CommentaireForm,
    CompteRenduForm,
    ConfirmationForm,
    GrilleObservationForm,
    QuestionForm,
    SeanceForm,
    ServiceFaitArbitrageForm,
    SupportFichierForm,
    SupportLienForm,
)
from .models import (
    Accompagnement,
    AccompagnementEvenement,
    CompteRendu,
    EtatSeance,
    FluxCalendrier,
    Objectif,
    Seance,
    SupportTemoin,
    TypeSupport,
)
from .permissions import COORDINATION, role_or_404
from .selectors import seances_non_confirmees, seances_of

AGENDA_PAR_PAGE = 50

T = TypeVar("T")


def _accompagnement_for(request, pk: int) -> tuple[Accompagnement, str]:
    accompagnement = get_object_or_404(
        Accompagnement.objects.select_related("programme", "format", "beneficiaire", "structure_beneficiaire").prefetch_related(
            "mentors"
        ),
        pk=pk,
    )
    return accompagnement, role_or_404(accompagnement, request.user)


def _seance_for(request, pk: int) -> tuple[Seance, str]:
    seance = get_object_or_404(
        Seance.objects.select_related(
            "accompagnement__programme",
            "accompagnement__format",
            "accompagnement__beneficiaire",
            "accompagnement__structure_beneficiaire",
            "compte_rendu",
        ).prefetch_related("accompagnement__mentors", "confirmations__personne"),
        pk=pk,
    )
    return seance, role_or_404(seance.accompagnement, request.user)


def _compte_rendu(seance: Seance):
    return getattr(seance, "compte_rendu", None) if hasattr(seance, "compte_rendu") else None


def _render_detail(request, seance: Seance, role: str, status: int = 200, **forms: Any) -> HttpResponse:
    accompagnement = seance.accompagnement
    now = timezone.now()
    compte_rendu = _compte_rendu(seance)
    objectifs = list(Objectif.objects.filter(accompagnement=accompagnement))
    progres = []
    if compte_rendu:
        progres = [(o, compte_rendu.progres.get(str(o.pk), "")) for o in objectifs]
    supports: list[Any] = list(SupportTemoin.objects.filter(seance=seance).select_related("ajoute_par"))
    labels = GrilleObservationForm.labels()
    for support in supports:
        if support.type_support == TypeSupport.GRILLE:
            support.rubriques = [
                (labels.get(k, k), GrilleObservationForm.niveau_label(v) if k == "niveau" else v)
                for k, v in support.grille.items()
                if v
            ]
    historique = list(
        AccompagnementEvenement.objects.filter(accompagnement=accompagnement, details__seance=seance.pk).select_related("actor")
    )
    for event in historique:
        for key in ("ancien_debut", "nouveau_debut"):
            if key in event.details:
                setattr(event, key, datetime.datetime.fromisoformat(event.details[key]))
    context = {
        "seance": seance,
        "accompagnement": accompagnement,
        "role": role,
        "fin": seance_dates.fin(seance),
        "compte_rendu": compte_rendu,
        "echeance_compte_rendu": seance_dates.echeance_compte_rendu(seance),
        "compte_rendu_en_retard": seance_dates.compte_rendu_en_retard(seance, now=now),
        "progres": progres,
        "questions": list(seance.questions.select_related("auteur")),
        "supports": supports,
        "historique": historique,
        # What each participant may do is asked in the template ({% may %}, rules in permissions.py).
        "annulation_tardive": seance.est_planifiee and seance_dates.annulation_tardive(seance, now=now),
        "question_form": forms.get("question_form") or QuestionForm(),
        "commentaire_form": forms.get("commentaire_form")
        or CommentaireForm(initial={"commentaire": compte_rendu.commentaire_beneficiaire if compte_rendu else ""}),
        "arbitrage_form": forms.get("arbitrage_form") or ArbitrageForm(initial={"comptee": "1" if seance.comptee else "0"}),
        "fichier_form": forms.get("fichier_form") or SupportFichierForm(prefix="fichier"),
        "lien_form": forms.get("lien_form") or SupportLienForm(prefix="lien"),
        "grille_form": forms.get("grille_form") or GrilleObservationForm(prefix="grille"),
        "confirmations": list(seance.confirmations.all()),
        "confirmation_form": forms.get("confirmation_form") or ConfirmationForm(prefix="service-fait"),
        "service_fait_form": forms.get("service_fait_form") or ServiceFaitArbitrageForm(prefix="decision"),
    }
    return render(request, "accompagnements/seance_detail.html", context, status=status)


def _detail_form(
    request, seance: Seance, role: str, *, save: Callable[[dict[str, Any]], object], done: str, anchor: str = "", **form: Any
) -> HttpResponse:
    """A form posted from the session page (`form`: its one form, named as _render_detail names it): saved,
    back to the page at `anchor`; refused or invalid, the page again with that form and its errors."""
    ((key, posted),) = form.items()
    if form_save(request, posted, save, success=done):
        return redirect(reverse("accompagnements:seance_detail", args=[seance.pk]) + anchor)
    return _render_detail(request, seance, role, status=400, **{key: posted})


def _own_page(
    request, form, save: Callable[[dict[str, Any]], Seance | CompteRendu], *, done: str, template: str, **context: Any
) -> HttpResponse:
    """A session form on its own page: saved, to the session's page (`save` returns the session or its
    report); refused or invalid, the page again (400, or 200 when a version conflict kept the input)."""
    if request.method == "POST" and (written := form_save(request, form, save, success=done)):
        return redirect("accompagnements:seance_detail", written.seance_id if isinstance(written, CompteRendu) else written.pk)
    status = 400 if form.errors and not has_edit_conflict(form) else 200
    return render(request, template, {"form": form, **context}, status=status)


@login_required
def seance_detail(request, pk: int):
    seance, role = _seance_for(request, pk)
    return _render_detail(request, seance, role)


@login_required
def seance_create(request, pk: int):
    accompagnement, role = _accompagnement_for(request, pk)
    forbid_unless(request.user, "seance.planifier", accompagnement)
    form = SeanceForm(request.POST or None, format=accompagnement.format)
    return _own_page(
        request,
        form,
        lambda _data: services.seance_plan(accompagnement=accompagnement, by=request.user, **form.service_kwargs()),
        done=_("La séance est planifiée ; les participant·es sont prévenu·es."),
        template="accompagnements/seance_form.html",
        accompagnement=accompagnement,
        seance=None,
    )


@login_required
def seance_update(request, pk: int):
    seance, role = _seance_for(request, pk)
    if not (decision := forbid_unless(request.user, "seance.deplacer", seance)):
        messages.error(request, decision.reason)
        return redirect("accompagnements:seance_detail", seance.pk)
    form = SeanceForm(
        request.POST or None,
        initial={**SeanceForm.initial_from(seance), **version_initial(seance)},
        format=seance.accompagnement.format,
    )
    return _own_page(
        request,
        form,
        lambda data: services.seance_reschedule(seance=seance, by=request.user, version=data["version"], **form.service_kwargs()),
        done=_("La séance est modifiée ; l’ancienne date reste dans l’historique."),
        template="accompagnements/seance_form.html",
        accompagnement=seance.accompagnement,
        seance=seance,
    )


@login_required
@require_POST
def seance_realiser(request, pk: int):
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.realiser", seance)
    report_outcome(
        request,
        lambda: services.seance_mark_held(seance=seance, by=request.user),
        success=_("La séance est marquée réalisée. Rédigez le compte-rendu sous 7 jours."),
    )
    return redirect("accompagnements:seance_detail", seance.pk)


@login_required
def seance_annuler(request, pk: int):
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.annuler", seance)
    form = AnnulationForm(request.POST or None, coordination=role == COORDINATION)
    return _own_page(
        request,
        form,
        lambda data: services.seance_cancel(
            seance=seance, motif=data["motif"], motif_valable=data.get("motif_valable", False), by=request.user
        ),
        done=_("La séance est annulée."),
        template="accompagnements/seance_annuler.html",
        seance=seance,
        accompagnement=seance.accompagnement,
        annulation_tardive=seance_dates.annulation_tardive(seance),
    )


@login_required
@require_POST
def seance_arbitrer(request, pk: int):
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.arbitrer", seance)
    return _detail_form(
        request,
        seance,
        role,
        arbitrage_form=ArbitrageForm(request.POST),
        save=lambda data: services.seance_cancellation_overrule(
            seance=seance, comptee=data["comptee"], note=data["note"], by=request.user
        ),
        done=_("Votre décision sur l’annulation est enregistrée."),
    )


@login_required
@require_POST
def seance_question(request, pk: int):
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.questionner", seance)
    return _detail_form(
        request,
        seance,
        role,
        question_form=QuestionForm(request.POST),
        save=lambda data: services.question_seance_add(seance=seance, texte=data["texte"], by=request.user),
        done=_("Votre question est envoyée pour la séance."),
        anchor="#questions",
    )


@login_required
def compte_rendu_edit(request, pk: int):
    seance, role = _seance_for(request, pk)
    if not (decision := forbid_unless(request.user, "compte_rendu.rediger", seance)):
        messages.error(request, decision.reason)
        return redirect("accompagnements:seance_detail", seance.pk)
    objectifs = list(Objectif.objects.filter(accompagnement=seance.accompagnement))
    compte_rendu = _compte_rendu(seance)
    form = CompteRenduForm(request.POST or None, objectifs=objectifs, initial=CompteRenduForm.initial_from(compte_rendu))
    return _own_page(
        request,
        form,
        lambda _data: services.compte_rendu_submit(seance=seance, by=request.user, **form.service_kwargs()),
        done=_("Le compte-rendu est remis : le·la bénéficiaire et la coordination peuvent le lire."),
        template="accompagnements/seance_compte_rendu.html",
        seance=seance,
        accompagnement=seance.accompagnement,
        echeance_compte_rendu=seance_dates.echeance_compte_rendu(seance),
        compte_rendu_en_retard=seance_dates.compte_rendu_en_retard(seance),
    )


@login_required
@require_POST
def compte_rendu_commenter(request, pk: int):
    seance, role = _seance_for(request, pk)
    compte_rendu = _compte_rendu(seance)
    # A session without a report yet: the role is still asked first (403 before 404), on an empty report.
    forbid_unless(request.user, "compte_rendu.commenter", compte_rendu or CompteRendu(seance=seance))
    if compte_rendu is None:
        raise Http404
    return _detail_form(
        request,
        seance,
        role,
        commentaire_form=CommentaireForm(request.POST),
        save=lambda data: services.compte_rendu_comment(
            compte_rendu=compte_rendu, commentaire=data["commentaire"], by=request.user
        ),
        done=_("Votre commentaire est enregistré."),
        anchor="#compte-rendu",
    )


@login_required
@require_POST
def support_ajouter(request, pk: int, type_support: str):
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.joindre_support", seance)
    if type_support == TypeSupport.FICHIER:
        form: Any = SupportFichierForm(request.POST, request.FILES, prefix="fichier")
        key = "fichier_form"
    elif type_support == TypeSupport.LIEN:
        form = SupportLienForm(request.POST, prefix="lien")
        key = "lien_form"
    elif type_support == TypeSupport.GRILLE:
        form = GrilleObservationForm(request.POST, prefix="grille")
        key = "grille_form"
    else:
        raise Http404

    def add(data: dict[str, Any]) -> object:
        if type_support == TypeSupport.FICHIER:
            return services.support_add_file(seance=seance, titre=data["titre"], checked=data["fichier"], by=request.user)
        if type_support == TypeSupport.LIEN:
            return services.support_add_link(seance=seance, titre=data["titre"], url=data["url"], by=request.user)
        return services.support_add_grille(seance=seance, titre=data["titre"], grille=form.grille(), by=request.user)

    return _detail_form(
        request, seance, role, save=add, done=_("Le support témoin est ajouté à la séance."), anchor="#supports", **{key: form}
    )


@login_required
def support_telecharger(request, pk: int):
    support = get_object_or_404(
        SupportTemoin.objects.select_related("seance__accompagnement").prefetch_related("seance__accompagnement__mentors"),
        pk=pk,
        type_support=TypeSupport.FICHIER,
    )
    role_or_404(support.seance.accompagnement, request.user)
    acces_journaliser(request=request, objet=support, libelle=support.nom_original or support.titre)
    return attachment_response(support.fichier, filename=support.nom_original or "document", content_type=support.type_mime)


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def seance_ics(request, pk: int):
    seance, role = _seance_for(request, pk)
    return _ics_response(seance_dates.seances_ics([seance]), f"seance-{seance.pk}.ics")


AGENDA_COLONNES = ("debut", "sujet", "etat", "accompagnement__reference", "accompagnement__format__libelle")


@login_required
def agenda(request):
    """The person's sessions, coming ones (from today) or past ones (newest first), a page at a time,
    and their private calendar address."""
    passees = request.GET.get("periode") == "passees"
    aujourdhui = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    # Only what a line shows (templates/accompagnements/seance_agenda.html): the programme, the
    # beneficiary and the report that seances_of() selects for other pages cost 50 rows' decoding.
    seances = seances_of(request.user).select_related(None).select_related("accompagnement__format").only(*AGENDA_COLONNES)
    if passees:
        seances = seances.filter(debut__lt=aujourdhui).order_by("-debut", "-pk")
    else:
        seances = seances.filter(debut__gte=aujourdhui)
    # The rows show a date, a subject, a state and the accompagnement's reference and format: only
    # those columns are read (the details the selector joins for its other callers — programme,
    # beneficiary, report, each a whole row — were most of this page's CPU at the scale).
    seances = (
        seances.select_related(None)
        .select_related("accompagnement__format")
        .only("debut", "sujet", "etat", "accompagnement__reference", "accompagnement__format__libelle")
    )
    page_obj = paginer(request, seances, AGENDA_PAR_PAGE)
    # Each row's state label read once from the choices, not through get_etat_display per row, and
    # its link from one reverse, not a {% url %} per row.
    libelles = dict(EtatSeance.choices)
    lien = lien_par_pk("accompagnements:seance_detail")
    page_obj.object_list = list(page_obj.object_list)
    for seance in page_obj.object_list:
        seance.etat_libelle = libelles.get(seance.etat, seance.etat)  # type: ignore[attr-defined]
        seance.lien = lien(seance.pk)  # type: ignore[attr-defined]
    flux = FluxCalendrier.objects.filter(user=request.user).first()
    flux_url = settings.SITE_URL + reverse("accompagnements:flux_calendrier", args=[flux.token]) if flux else ""
    return render(
        request,
        "accompagnements/seance_agenda.html",
        {
            "page_obj": page_obj,
            "seances": page_obj,
            "passees": passees,
            "flux": flux,
            "flux_url": flux_url,
            # A personne-ressource publishes availability slots from here too (views_creneaux).
            "publie_des_creneaux": roles.is_personne_ressource(request.user),
        },
    )


@login_required
@require_POST
def flux_regenerer(request):
    services.flux_calendrier_regenerate(user=request.user)
    messages.success(request, _("Votre nouvelle adresse d’agenda est prête ; l’ancienne ne fonctionne plus."))
    return redirect("accompagnements:agenda")


@login_required
@require_POST
def flux_revoquer(request):
    services.flux_calendrier_revoke(user=request.user)
    messages.success(request, _("Votre adresse d’agenda est désactivée."))
    return redirect("accompagnements:agenda")


def flux_calendrier(request, token: str):
    """The private calendar feed: anonymous, the secret token is the key. Unknown or revoked → 404."""
    flux = get_object_or_404(FluxCalendrier.objects.select_related("user"), token=token)
    if not flux.user.is_active:
        raise Http404
    # Calendar applications poll every few minutes: a window of time, a 304 while nothing changed
    # (the validators' queries), otherwise the body kept under the ETag, or rendered and kept.
    fenetre = seance_dates.FenetreFlux.courante()
    seances = seances_of(flux.user)
    etag, last_modified = seance_dates.flux_validateurs(seances, fenetre, cle=flux.token)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified and int(last_modified.timestamp()))
    if response is None:
        response = HttpResponse(
            seance_dates.flux_corps(seances, fenetre, etag=etag, name=_("Mes séances – TSF Occitanie")),
            content_type="text/calendar; charset=utf-8",
        )
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    # Revalidated on every poll (the token can be revoked), never kept by a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Service fait ------------------------------------------------------------------------------------


@login_required
@require_POST
def seance_confirmer(request, pk: int):
    """One of the pair answers from the session page: the session took place, or not (with why)."""
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "seance.confirmer", seance)
    return _detail_form(
        request,
        seance,
        role,
        confirmation_form=ConfirmationForm(request.POST, prefix="service-fait"),
        save=lambda data: services.seance_confirmer(
            seance=seance, tenue=data["tenue"], commentaire=data["commentaire"], by=request.user
        ),
        done=_("Merci, votre réponse est enregistrée."),
        anchor="#service-fait",
    )


@login_required
@require_POST
def service_fait_arbitrer(request, pk: int):
    """The coordination settles a disputed (or never confirmed) session, with a reason."""
    seance, role = _seance_for(request, pk)
    forbid_unless(request.user, "service_fait.arbitrer_tenue", seance)
    return _detail_form(
        request,
        seance,
        role,
        service_fait_form=ServiceFaitArbitrageForm(request.POST, prefix="decision"),
        save=lambda data: services.seance_service_fait_arbitrer(
            seance=seance, tenue=data["tenue"], motif=data["motif"], by=request.user
        ),
        done=_("Votre décision sur la séance est enregistrée."),
        anchor="#service-fait",
    )


def service_fait_lien(request, token: str):
    """The signed link of the e-mail: no login, this session's answer only, for the person it was sent to."""
    try:
        seance, personne = liens.confirmation_du_jeton(token)
    except signing.SignatureExpired:
        return render(request, "accompagnements/service_fait_lien.html", {"invalide": True, "expire": True}, status=410)
    except (signing.BadSignature, Seance.DoesNotExist, ObjectDoesNotExist, KeyError, TypeError):
        return render(request, "accompagnements/service_fait_lien.html", {"invalide": True}, status=404)
    decision = may(personne, "seance.confirmer", seance)
    form = ConfirmationForm(request.POST or None)
    context = {"seance": seance, "accompagnement": seance.accompagnement, "form": form, "decision": decision}
    if request.method == "POST" and decision:
        confirmation = form_save(
            request,
            form,
            lambda data: services.seance_confirmer(
                seance=seance, tenue=data["tenue"], commentaire=data["commentaire"], by=personne
            ),
            success=_("Merci, votre réponse est enregistrée."),
        )
        if confirmation is not None:
            return redirect("accompagnements:service_fait_lien", token=token)
        return render(request, "accompagnements/service_fait_lien.html", context, status=400)
    return render(request, "accompagnements/service_fait_lien.html", context)


@login_required
def service_fait_a_traiter(request):
    """The coordination's list of held sessions disputed or still unconfirmed (bounded, oldest first)."""
    forbid_unless(request.user, "service_fait.a_traiter")
    return render(request, "accompagnements/service_fait_a_traiter.html", {"seances": seances_non_confirmees(user=request.user)})
