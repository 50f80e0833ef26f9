"""Admin actions on the candidature list, for coordinators who live in the admin.

Wire them in candidatures/admin.py: `actions = [mark_eligible, send_missing_document_reminder]`.
Each calls the same services as the coordinator's desk; a refusal is reported per file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_helpers import run_service_on_each

from . import services
from .models import Candidature, DemandePiece
from .selectors import decision_email_draft


@admin.action(
    description=gettext_lazy("Déclarer recevables les dossiers sélectionnés (e-mail au·à la candidat·e)"), permissions=["change"]
)
def mark_eligible(modeladmin: Any, request: Any, queryset: Any) -> None:
    def decide(candidature: Candidature) -> None:
        subject, body = decision_email_draft(candidature=candidature, decision="recevable")
        services.candidature_decide(
            candidature=candidature, by=request.user, decision="recevable", reason="", subject=subject, body=body
        )

    run_service_on_each(
        modeladmin,
        request,
        queryset.select_related("candidat", "programme"),
        decide,
        success=lambda n: _("%(n)s dossier(s) déclaré(s) recevable(s).") % {"n": n},
    )


@admin.action(description=gettext_lazy("Relancer pour les documents manquants"), permissions=["change"])
def send_missing_document_reminder(modeladmin: Any, request: Any, queryset: Any) -> None:
    demandes = DemandePiece.objects.filter(candidature__in=queryset, fournie_le__isnull=True).select_related(
        "candidature", "candidature__candidat"
    )
    sent = run_service_on_each(
        modeladmin,
        request,
        demandes,
        lambda demande: services.demande_piece_remind(demande=demande, by=request.user),
        success=lambda n: _("%(n)s relance(s) envoyée(s).") % {"n": n},
    )
    if not sent:
        modeladmin.message_user(request, _("Aucun document manquant sur ces dossiers."), messages.INFO)
