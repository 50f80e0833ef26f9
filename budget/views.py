"""Budget pages: the dashboard (coordination and comité technique, read-only for the committee),
the ledger, payments, other costs, corrections and the follow-up documents."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accompagnements.models import Accompagnement
from core.downloads import attachment_response
from core.exceptions import DomainError
from core.forms import add_domain_error
from core.money import format_euros
from core.pagination import paginer, plafond
from core.permissions import action_required, may
from core.services import acces_journaliser
from programmes.models import Programme

from . import selectors, services
from .dashboard import programme_context
from .forms import AutreDepenseForm, CorrectionForm, PaiementForm, RegleRepartitionForm
from .models import EXPORTS_PERSONNELS, AutreDepense, Contribution, Engagement, EtatExport, Paiement, TypeExport

ACCOMPAGNEMENTS_PAR_PAGE = 50
LIGNES_PAR_PAGE = 50


# Coordination and comité technique read; every write is the coordination's (rules in budget.permissions).
dashboard_access = action_required("budget.consulter")
coordination_only = action_required("budget.modifier")


def _programme(request: HttpRequest, pk: int | str | None = None) -> Programme:
    visibles = selectors.programmes_visibles(request.user)
    if pk is None:
        pk = request.GET.get("programme")
    if pk in (None, ""):
        courant = visibles.courant()
        if courant is None:
            raise Http404
        return courant
    try:
        return get_object_or_404(visibles, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


@dashboard_access
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    programme = _programme(request)
    context = programme_context(programme)
    peut_modifier = may(request.user, "budget.modifier")
    # The rows counted by the funnel's aggregate (same filter): no COUNT query for the paginator.
    lignes = selectors.LignesComptees(selectors.accompagnements_tableau(programme), context["nombre_accompagnements"])
    page = paginer(request, lignes, ACCOMPAGNEMENTS_PAR_PAGE)
    page.object_list = selectors.lignes_tableau(page.object_list, liens=bool(peut_modifier))
    context.update(
        {
            "programmes": selectors.programmes_visibles(request.user).select_related("pilote").order_by("-date_debut"),
            "page_obj": page,
            "peut_modifier": peut_modifier,
            "types_export": TypeExport,
            "exports": selectors.exports_visibles(request.user).filter(programme=programme)[:5],
        }
    )
    if context["financeurs"] is not None:
        context["form_regle"] = RegleRepartitionForm(initial={"regle": programme.enveloppe.regle_repartition})
    return render(request, "budget/tableau_de_bord.html", context)


@require_POST
@coordination_only
def regle_repartition(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordination chooses how the programme's next lines are shared between its funders."""
    programme = _programme(request, pk)
    form = RegleRepartitionForm(request.POST)
    if form.is_valid():
        try:
            services.regle_repartition_set(programme=programme, regle=form.cleaned_data["regle"], by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("La règle de répartition entre financeurs est enregistrée."))
    else:
        messages.error(request, _("Choisissez une règle de répartition."))
    return redirect(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}#titre-financeurs")


@dashboard_access
def comparaison(request: HttpRequest) -> HttpResponse:
    return render(request, "budget/comparaison.html", {"lignes": selectors.comparaison_programmes(request.user)})


GRAND_LIVRE = {
    "engagements": (_("Engagements"), selectors.engagements_de),
    "paiements": (_("Paiements"), selectors.paiements_de),
    "depenses": (_("Autres dépenses"), selectors.autres_depenses_de),
}


@dashboard_access
def grand_livre(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    kind = request.GET.get("lignes", "engagements")
    if kind not in GRAND_LIVRE:
        kind = "engagements"
    page = paginer(request, GRAND_LIVRE[kind][1](programme), LIGNES_PAR_PAGE)
    annotated = selectors.programmes_avec_totaux().get(pk=programme.pk)
    return render(
        request,
        "budget/grand_livre.html",
        {
            "programme": annotated,
            "chiffres": selectors.chiffres_de(annotated),
            "kind": kind,
            "onglets": [(key, str(label)) for key, (label, _f) in GRAND_LIVRE.items()],
            "page_obj": page,
            "peut_modifier": may(request.user, "budget.modifier"),
        },
    )


def _ledger_url(programme_id: int, kind: str) -> str:
    return reverse("budget:grand_livre", args=[programme_id]) + f"?lignes={kind}"


@coordination_only
def paiement_create(request: HttpRequest, pk: int) -> HttpResponse:
    accompagnement = get_object_or_404(
        Accompagnement.objects.filter(programme__in=selectors.programmes_visibles(request.user)).select_related(
            "programme", "structure_beneficiaire"
        ),
        pk=pk,
    )
    suivi = selectors.avec_montant_livre(selectors.accompagnements_suivi(accompagnement.programme).filter(pk=pk))[0]
    form = PaiementForm(request.POST or None, accompagnement=accompagnement)
    if request.method == "POST" and form.is_valid():
        try:
            services.paiement_create(accompagnement=accompagnement, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Paiement de %(montant)s enregistré pour %(ref)s.")
                % {"montant": format_euros(form.cleaned_data["montant"]), "ref": accompagnement.reference},
            )
            return redirect(_ledger_url(accompagnement.programme_id, "paiements"))
    return render(request, "budget/paiement_create.html", {"form": form, "accompagnement": suivi})


@coordination_only
def autre_depense_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = AutreDepenseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.autre_depense_create(
                programme=programme,
                categorie=data["categorie"],
                libelle=data["libelle"],
                date_depense=data["date_depense"],
                montant=data["montant"],
                note=data["note"],
                justificatif=form.checked_upload.stored_file(),
                by=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Dépense de %(montant)s enregistrée.") % {"montant": format_euros(data["montant"])})
            return redirect(_ledger_url(programme.pk, "depenses"))
    return render(request, "budget/autredepense_create.html", {"form": form, "programme": programme})


# Per ledger (its name in the ledger's URL): the correction's service, the name of the service's
# argument, and what the page calls the line.
CORRECTIONS = {
    "engagements": (services.engagement_correct, "engagement", gettext_lazy("l’engagement")),
    "paiements": (services.paiement_correct, "paiement", gettext_lazy("le paiement")),
    "depenses": (services.autre_depense_correct, "depense", gettext_lazy("la dépense")),
}


def _correct(request: HttpRequest, line: Engagement | Paiement | AutreDepense, *, kind: str, programme_id: int) -> HttpResponse:
    service, argument, label = CORRECTIONS[kind]
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(**{argument: line}, by=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("La ligne de correction a été ajoutée au grand livre."))
            return redirect(_ledger_url(programme_id, kind))
    return render(
        request,
        "budget/ligne_correct.html",
        {"form": form, "ligne": line, "libelle_type": label, "retour": _ledger_url(programme_id, kind)},
    )


@coordination_only
def engagement_correct(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(
        Engagement.objects.filter(programme__in=selectors.programmes_visibles(request.user)).select_related("accompagnement"),
        pk=pk,
    )
    return _correct(request, line, kind="engagements", programme_id=line.programme_id)


@coordination_only
def paiement_correct(request: HttpRequest, pk: int) -> HttpResponse:
    visibles = selectors.programmes_visibles(request.user)
    line = get_object_or_404(
        Paiement.objects.filter(Q(accompagnement__programme__in=visibles) | Q(atelier__programme__in=visibles)).select_related(
            "accompagnement", "atelier"
        ),
        pk=pk,
    )
    return _correct(request, line, kind="paiements", programme_id=line.programme_id)


@coordination_only
def autre_depense_correct(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(AutreDepense.objects.filter(programme__in=selectors.programmes_visibles(request.user)), pk=pk)
    return _correct(request, line, kind="depenses", programme_id=line.programme_id)


@dashboard_access
def justificatif_download(request: HttpRequest, pk: int) -> HttpResponse:
    depense = get_object_or_404(AutreDepense.objects.filter(programme__in=selectors.programmes_visibles(request.user)), pk=pk)
    extension = depense.justificatif.name.rsplit(".", 1)[-1] if "." in depense.justificatif.name else "bin"
    return attachment_response(depense.justificatif, filename=f"justificatif-{depense.pk}.{extension}")


@require_POST
@dashboard_access
def export_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a follow-up document. Open to the committee: it reads figures, it changes nothing."""
    programme = _programme(request, pk)
    contribution = None
    if request.POST.get("contribution"):
        # Scoped to the programme: a funder's part of another programme is not found.
        contribution = get_object_or_404(Contribution.objects.filter(programme=programme), pk=request.POST["contribution"])
    try:
        export = services.export_request(
            programme=programme, type_export=request.POST.get("type_export", ""), by=request.user, contribution=contribution
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}")
    return redirect("budget:export_detail", pk=export.pk)


@dashboard_access
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(selectors.exports_visibles(request.user).select_related("programme", "accompagnement"), pk=pk)
    en_cours = export.etat in (EtatExport.EN_ATTENTE, EtatExport.EN_COURS)
    return render(request, "budget/export_detail.html", {"export": export, "en_cours": en_cours})


@require_POST
@action_required("budget.dossier_controle")
def dossier_controle_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit file of a programme, or of one of its accompagnements (`accompagnement` in the form)."""
    programme = _programme(request, pk)
    accompagnement = None
    if request.POST.get("accompagnement"):
        try:
            accompagnement = get_object_or_404(
                Accompagnement.objects.filter(programme=programme), pk=int(request.POST["accompagnement"])
            )
        except ValueError:
            raise Http404 from None
    try:
        export = services.export_request(
            programme=programme, type_export=TypeExport.DOSSIER_CONTROLE, by=request.user, accompagnement=accompagnement
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("budget:documents", pk=programme.pk)
    return redirect("budget:export_detail", pk=export.pk)


@dashboard_access
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    """Every dated version of the programme's documents the user may see, newest first."""
    programme = _programme(request, pk)
    exports = (
        selectors.exports_visibles(request.user)
        .filter(programme=programme)
        .select_related("accompagnement", "contribution__financeur")
    )
    return render(
        request,
        "budget/documents.html",
        {
            "programme": programme,
            "page_obj": paginer(request, exports.order_by("-demande_le", "-pk"), LIGNES_PAR_PAGE),
            "demandes": [(t, t.label) for t in TypeExport if t not in EXPORTS_PERSONNELS],
            "peut_dossier": may(request.user, "budget.dossier_controle"),
            # The financial report per funder (CERFA 15059), one button per document and contribution.
            "par_financeur": [(t, t.label) for t in services.EXPORTS_PAR_FINANCEUR],
            "contributions": Contribution.objects.filter(programme=programme)
            .select_related("financeur")
            .order_by("priorite", "pk"),
        },
    )


# File name (before the date) and content type of each kind of document.
FICHIERS = {
    TypeExport.RAPPORT_PDF: ("rapport", "pdf", "application/pdf"),
    TypeExport.TABLEUR_XLSX: ("suivi", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    TypeExport.BILAN_PDF: ("bilan", "pdf", "application/pdf"),
    TypeExport.BILAN_XLSX: ("bilan", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    TypeExport.CERFA_PDF: ("compte-rendu-financier-cerfa-15059", "pdf", "application/pdf"),
    TypeExport.CERFA_XLSX: (
        "compte-rendu-financier-cerfa-15059",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    TypeExport.DOSSIER_CONTROLE: ("dossier-controle", "zip", "application/zip"),
}


@dashboard_access
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(
        selectors.exports_visibles(request.user).select_related("programme", "accompagnement"), pk=pk, etat=EtatExport.PRET
    )
    date = timezone.localtime(export.termine_le or export.demande_le)
    prefix, extension, content_type = FICHIERS[TypeExport(export.type_export)]
    sujet = export.accompagnement.reference if export.accompagnement else export.programme.slug
    name = f"{prefix}-{sujet}-{date:%Y-%m-%d}.{extension}"
    if export.est_personnel:
        # The audit file holds reports, supporting records and evaluations: logged as every personal file.
        acces_journaliser(request=request, objet=export.accompagnement or export.programme, libelle=name)
    return attachment_response(export.fichier, filename=name, content_type=content_type)


@dashboard_access
def accompagnement_ligne(request: HttpRequest, pk: int) -> HttpResponse:
    """One accompagnement's budget line: planned, delivered, committed, paid, and the ledger lines behind
    them; with links to its file, its accompagnement, its convention and its sessions."""
    accompagnement = get_object_or_404(
        Accompagnement.objects.filter(programme__in=selectors.programmes_visibles(request.user)).select_related("programme"),
        pk=pk,
    )
    suivi = selectors.avec_montant_livre(
        selectors.accompagnements_suivi(accompagnement.programme).select_related("candidature").filter(pk=pk)
    )[0]
    return render(
        request,
        "budget/accompagnement_ligne.html",
        {
            "accompagnement": suivi,
            "engagements": selectors.engagements_de(accompagnement.programme).filter(accompagnement=accompagnement)[
                : plafond(LIGNES_PAR_PAGE)
            ],
            "paiements": selectors.paiements_de(accompagnement.programme).filter(accompagnement=accompagnement)[
                : plafond(LIGNES_PAR_PAGE)
            ],
            "peut_modifier": may(request.user, "budget.modifier"),
            "voit_dossier": may(request.user, "candidature.coordonner"),
        },
    )
