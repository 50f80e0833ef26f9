from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accompagnements.models import Accompagnement
from accompagnements.permissions import role_or_404
from core.downloads import attachment_response
from core.forms import form_save
from core.outcomes import report_outcome
from core.permissions import forbid_unless

from . import selectors, services
from .forms import AvenantForm, ProlongationForm, ScanForm, SignatureForm
from .models import Convention


def _convention_for(request, pk: int) -> tuple[Convention, str]:
    """The convention if the user is a party of its accompagnement (or the coordination); else 404."""
    convention = get_object_or_404(
        Convention.objects.select_related(
            "accompagnement__programme", "accompagnement__beneficiaire", "accompagnement__format", "remplace"
        ).prefetch_related("accompagnement__mentors", "signatures"),
        pk=pk,
    )
    return convention, role_or_404(convention.accompagnement, request.user)


def _section_url(accompagnement_id: int) -> str:
    return reverse("accompagnements:detail", args=[accompagnement_id]) + "#convention"


def _refused(request, obj: Convention | Accompagnement, action: str):
    """403 for a role that may not; otherwise say at once why the action is not open, before any typing
    (back to the accompagnement's convention section)."""
    decision = forbid_unless(request.user, action, obj)
    if decision:
        return None
    messages.error(request, decision.reason)
    return redirect(_section_url(obj.accompagnement_id if isinstance(obj, Convention) else obj.pk))


def _coordination_form(request, convention, form, call, *, success: str, template: str):
    """A coordination form on a convention: on a valid POST the service (`call(cleaned_data)`), then back
    to the accompagnement's convention section; its refusal is shown next to the field."""
    if form_save(request, form, call, success=success) is not None:
        return redirect(_section_url(convention.accompagnement_id))
    return render(request, template, {"convention": convention, "accompagnement": convention.accompagnement, "form": form})


@login_required
def convention_signer(request, pk: int):
    convention, role = _convention_for(request, pk)
    if not convention.est_en_signature:
        messages.info(request, _("Cette version de la convention n’est pas ouverte à la signature."))
        return redirect(_section_url(convention.accompagnement_id))
    form = SignatureForm(request.POST or None, initial={"sha256_document": convention.pdf_sha256})
    signed = form_save(
        request,
        form,
        lambda data: services.convention_sign(
            convention=convention,
            by=request.user,
            adresse_ip=request.META.get("REMOTE_ADDR"),
            sha256_document=data["sha256_document"],
        ),
        success=_("Votre signature est enregistrée. Merci !"),
    )
    if signed is not None:
        return redirect(_section_url(convention.accompagnement_id))
    context = {
        "convention": convention,
        "accompagnement": convention.accompagnement,
        "form": form,
        "manquantes": selectors.parties_manquantes(convention),
        "signatures": list(convention.signatures.all()),
        "ma_partie": services.PARTIE_DU_ROLE[role],
        "deja_signe": any(s.partie == services.PARTIE_DU_ROLE[role] for s in convention.signatures.all()),
    }
    return render(request, "conventions/convention_sign.html", context)


@login_required
def convention_document(request, pk: int):
    """The PDF to sign (or that was signed), as stored."""
    convention, _role = _convention_for(request, pk)
    return attachment_response(convention.pdf, filename=f"{convention.reference}.pdf", content_type="application/pdf")


@login_required
def convention_document_signe(request, pk: int):
    """The final PDF: signed document + certification page, or the paper scan."""
    convention, _role = _convention_for(request, pk)
    return attachment_response(
        convention.pdf_final, filename=f"{convention.reference}-signee.pdf", content_type="application/pdf"
    )


@login_required
def convention_integrite(request, pk: int):
    convention, _role = _convention_for(request, pk)
    if not convention.pdf:
        raise Http404
    return render(
        request,
        "conventions/convention_integrite.html",
        {
            "convention": convention,
            "accompagnement": convention.accompagnement,
            "integrite": selectors.convention_integrite(convention),
        },
    )


@login_required
@require_POST
def convention_generer(request, accompagnement_pk: int):
    accompagnement = get_object_or_404(Accompagnement.objects.prefetch_related("mentors"), pk=accompagnement_pk)
    role_or_404(accompagnement, request.user)
    forbid_unless(request.user, "convention.coordonner", accompagnement)
    report_outcome(
        request,
        lambda: services.convention_generer(accompagnement=accompagnement, by=request.user),
        success=_("La convention est en cours de génération : le PDF sera prêt dans quelques instants."),
    )
    return redirect(_section_url(accompagnement.pk))


@login_required
def convention_scan(request, pk: int):
    convention, role = _convention_for(request, pk)
    if refusal := _refused(request, convention, "convention.deposer_scan"):
        return refusal
    return _coordination_form(
        request,
        convention,
        ScanForm(request.POST or None, request.FILES or None),
        lambda data: services.convention_scan_deposer(convention=convention, fichier=data["fichier"], by=request.user),
        success=_("Le scan est enregistré : la convention est signée."),
        template="conventions/convention_scan.html",
    )


@login_required
def convention_avenant(request, pk: int):
    convention, role = _convention_for(request, pk)
    if refusal := _refused(request, convention, "convention.avenant"):
        return refusal
    return _coordination_form(
        request,
        convention,
        AvenantForm(request.POST or None, initial={"demi_journees": convention.demi_journees}),
        lambda data: services.convention_avenant_create(
            convention=convention, demi_journees=data["demi_journees"], motif=data["motif"], by=request.user
        ),
        success=_("L’avenant est créé : il doit être signé par les trois parties."),
        template="conventions/convention_avenant.html",
    )


@login_required
def accompagnement_prolonger(request, accompagnement_pk: int):
    """The coordination extends the planned duration (in the format's unit); the format's ceiling and the
    structure's limit are the service's: its refusal shows next to the field, the typed value kept."""
    accompagnement = get_object_or_404(
        Accompagnement.objects.select_related("format", "programme", "beneficiaire").prefetch_related("mentors"),
        pk=accompagnement_pk,
    )
    role_or_404(accompagnement, request.user)
    if refusal := _refused(request, accompagnement, "convention.prolonger"):
        return refusal
    format = accompagnement.format
    form = ProlongationForm(
        request.POST or None,
        initial={"demi_journees": accompagnement.demi_journees_prevues},
        unite=_("heures") if format.est_en_heures else _("demi-journées"),
    )
    saved = form_save(
        request,
        form,
        lambda data: services.accompagnement_prolonger(
            accompagnement=accompagnement, duree=data["demi_journees"], motif=data["motif"], by=request.user
        ),
        success=_("La prolongation est enregistrée."),
    )
    if saved is not None:
        return redirect(_section_url(accompagnement.pk))
    context = {
        "accompagnement": accompagnement,
        "form": form,
        "prevue": format.duree_texte(accompagnement.demi_journees_prevues),
    }
    return render(request, "conventions/accompagnement_prolonger.html", context, status=400 if request.method == "POST" else 200)
