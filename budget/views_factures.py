"""Invoice pages: the structure sees what is payable to it, deposits and corrects its invoices; the
coordination checks them (expected amount and difference), approves or returns them, records the
payment; the accountant's CSV of payments per period.

Access: a mentor sees their structure's invoices only (another one's is a 404); every move is asked
to the rules of budget.permissions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accompagnements.models import Seance
from core.antivirus import NON_CONFIGURE, SAIN
from core.downloads import attachment_response
from core.exports import SafeCsvWriter
from core.forms import form_save
from core.outcomes import report_outcome
from core.pagination import paginer, plafond
from core.permissions import forbid_unless
from programmes.models import Structure

from . import selectors, services
from .forms import FactureForm, PaiementFactureForm, PeriodeForm, RetourFactureForm
from .models import EtatFacture, Facture, FactureEvenement
from .permissions import structures_de

PAR_PAGE = 50
A_FACTURER_MAX = 100


@login_required
def factures(request: HttpRequest) -> HttpResponse:
    """Coordination: every invoice (by state). A mentor: what is payable to their structure, its invoices."""
    forbid_unless(request.user, "facture.voir")
    qs = selectors.factures_visibles(request.user)
    etat = request.GET.get("etat", "")
    if etat in EtatFacture.values:
        qs = qs.filter(etat=etat)
    page_obj = paginer(request, qs, PAR_PAGE)
    structures = structures_de(request.user)
    # Windowed: the oldest payable sessions first (an invoice usually bills a few of them).
    a_facturer = list(selectors.seances_a_facturer(structure_ids=structures)[: plafond(A_FACTURER_MAX)]) if structures else None
    ateliers_a_facturer = (
        list(selectors.ateliers_a_facturer(structure_ids=structures)[: plafond(A_FACTURER_MAX)]) if structures else None
    )
    return render(
        request,
        "budget/factures.html",
        {
            "page_obj": page_obj,
            "factures": page_obj,
            "a_facturer": a_facturer,
            "ateliers_a_facturer": ateliers_a_facturer,
            "etats": EtatFacture.choices,
            "etat": etat,
        },
    )


def _structure(request: HttpRequest):
    ids = structures_de(request.user)
    return get_object_or_404(Structure, pk=next(iter(ids))) if ids else None


def _facture_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    """What the invoice form gives the deposit and correction services."""
    return {
        "seances": list(data["seances"]),
        "ateliers": list(data["ateliers"]),
        "numero": data["numero"],
        "montant": data["montant"],
        "checked": data["fichier"],
    }


@login_required
def facture_deposer(request: HttpRequest) -> HttpResponse:
    forbid_unless(request.user, "facture.deposer")
    structure = _structure(request)
    form = FactureForm(
        request.POST or None,
        request.FILES or None,
        seances=selectors.seances_a_facturer(structure_ids=[structure.pk]),
        ateliers=selectors.ateliers_a_facturer(structure_ids=[structure.pk]),
    )
    return _facture_form_page(
        request,
        form,
        lambda data: services.facture_deposer(structure=structure, **_facture_kwargs(data), by=request.user),
        success=_("Votre facture est déposée : la coordination va la vérifier."),
        facture=None,
    )


def _facture_form_page(
    request: HttpRequest, form: FactureForm, save: Callable[[dict[str, Any]], Facture], *, success: str, facture: Facture | None
) -> HttpResponse:
    """The invoice's form, deposited or corrected: saved through `save`, then the invoice's page; else the
    form again with what refused it."""
    saved = form_save(request, form, save, success=success)
    if saved is not None:
        return redirect("budget:facture_detail", saved.pk)
    status = 400 if form.errors else 200
    return render(request, "budget/facture_form.html", {"form": form, "facture": facture}, status=status)


def _facture_for(request: HttpRequest, pk: int) -> Facture:
    return get_object_or_404(selectors.factures_visibles(request.user).select_related("deposee_par"), pk=pk)


def _historique(facture: Facture) -> list[FactureEvenement]:
    events = list(FactureEvenement.objects.filter(facture=facture).select_related("actor"))
    for event in events:
        event.libelle = EtatFacture(event.to_state).label if event.to_state in EtatFacture.values else _("Déposée")  # type: ignore[attr-defined]
    return events


def _render_detail(request: HttpRequest, facture: Facture, status: int = 200, **forms: Any) -> HttpResponse:
    seances = selectors.seances_de_facture(facture)
    ateliers = selectors.ateliers_de_facture(facture)
    attendu = selectors.montant_attendu(seances, ateliers)
    context = {
        "facture": facture,
        "seances": seances,
        "ateliers": ateliers,
        "demi_journees": sum(s.demi_journees for s in seances),
        "attendu": attendu,
        "ecart": facture.montant - attendu,
        "historique": _historique(facture),
        "paiements": list(facture.paiements.select_related("accompagnement", "atelier")),
        "retour_form": forms.get("retour_form") or RetourFactureForm(),
        "paiement_form": forms.get("paiement_form") or PaiementFactureForm(),
    }
    return render(request, "budget/facture_detail.html", context, status=status)


@login_required
def facture_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _facture_for(request, pk))


@login_required
def facture_corriger(request: HttpRequest, pk: int) -> HttpResponse:
    facture = _facture_for(request, pk)
    if not (decision := forbid_unless(request.user, "facture.corriger", facture)):
        messages.error(request, decision.reason)
        return redirect("budget:facture_detail", facture.pk)
    deja = selectors.seances_de_facture(facture)
    seances = selectors.seances_a_facturer(structure_ids=[facture.structure_id]) | Seance.objects.filter(
        pk__in=[s.pk for s in deja]
    )
    # The workshops still billable and those already on this invoice (a correction may keep them).
    ateliers_deja = selectors.ateliers_de_facture(facture)
    ateliers = selectors.ateliers_a_facturer(structure_ids=[facture.structure_id], facture=facture)
    form = FactureForm(
        request.POST or None,
        request.FILES or None,
        seances=seances.distinct(),
        ateliers=ateliers,
        fichier_requis=False,
        initial={"seances": deja, "ateliers": ateliers_deja, "numero": facture.numero, "montant": facture.montant},
    )
    return _facture_form_page(
        request,
        form,
        lambda data: services.facture_corriger(facture=facture, **_facture_kwargs(data), by=request.user),
        success=_("Votre facture corrigée est déposée : la coordination va la vérifier."),
        facture=facture,
    )


@login_required
@require_POST
def facture_approuver(request: HttpRequest, pk: int) -> HttpResponse:
    facture = _facture_for(request, pk)
    forbid_unless(request.user, "facture.approuver", facture)
    report_outcome(
        request,
        lambda: services.facture_approuver(facture=facture, by=request.user),
        success=_("La facture est approuvée : enregistrez le paiement une fois effectué."),
    )
    return redirect("budget:facture_detail", facture.pk)


def _facture_post(
    request: HttpRequest,
    pk: int,
    *,
    action: str,
    form_class: type,
    form_name: str,
    save: Callable[[Facture, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """A coordination decision posted from the invoice page: the service, or the page again with the refusal on its form."""
    facture = _facture_for(request, pk)
    forbid_unless(request.user, action, facture)
    form = form_class(request.POST)
    if form_save(request, form, lambda data: save(facture, data), success=success) is not None:
        return redirect("budget:facture_detail", facture.pk)
    return _render_detail(request, facture, status=400, **{form_name: form})


@login_required
@require_POST
def facture_retourner(request: HttpRequest, pk: int) -> HttpResponse:
    return _facture_post(
        request,
        pk,
        action="facture.retourner",
        form_class=RetourFactureForm,
        form_name="retour_form",
        save=lambda facture, data: services.facture_retourner(facture=facture, motif=data["motif"], by=request.user),
        success=_("La facture est retournée à la structure avec votre motif."),
    )


@login_required
@require_POST
def facture_payer(request: HttpRequest, pk: int) -> HttpResponse:
    return _facture_post(
        request,
        pk,
        action="facture.payer",
        form_class=PaiementFactureForm,
        form_name="paiement_form",
        save=lambda facture, data: services.facture_payer(
            facture=facture,
            date_paiement=data["date_paiement"],
            reference=data["reference"],
            mode=data["mode"],
            by=request.user,
        ),
        success=_("Le paiement est enregistré : la facture est payée."),
    )


@login_required
def facture_telecharger(request: HttpRequest, pk: int) -> HttpResponse:
    facture = _facture_for(request, pk)
    if facture.scan not in (SAIN, NON_CONFIGURE):
        messages.error(request, _("Ce fichier attend l’analyse antivirus."))
        return redirect("budget:facture_detail", facture.pk)
    return attachment_response(facture.fichier, filename=f"facture-{facture.pk}.pdf", content_type="application/pdf")


@login_required
def paiements_csv(request: HttpRequest) -> HttpResponse:
    """The accountant's CSV: the payments of a period (formulas neutralised)."""
    forbid_unless(request.user, "facture.exporter")
    form = PeriodeForm(request.GET or None)
    if not form.is_valid():
        return render(request, "budget/paiements_export.html", {"form": form}, status=400 if request.GET else 200)
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [
            _("Date"),
            _("Bénéficiaire du paiement"),
            _("SIRET"),
            _("N° de facture"),
            _("Montant (€)"),
            _("Programme"),
            _("Part financeur"),
            _("Mode"),
            _("Référence du paiement"),
        ]
    )
    for paiement in selectors.paiements_periode(
        du=form.cleaned_data["du"], au=form.cleaned_data["au"], user=request.user
    ).iterator(chunk_size=500):
        writer.writerow(
            [
                paiement.date_paiement.isoformat(),
                paiement.structure.raison_sociale,
                paiement.structure.siret or "—",
                paiement.facture.numero if paiement.facture else paiement.reference_facture,
                f"{paiement.montant:.2f}".replace(".", ","),
                (paiement.atelier or paiement.accompagnement).programme.nom,
                selectors.parts_financeurs_texte(paiement),
                paiement.get_mode_display(),
                paiement.reference_paiement,
            ]
        )
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="paiements-{form.cleaned_data["du"]:%Y%m%d}-{form.cleaned_data["au"]:%Y%m%d}.csv"'
    )
    return response
