"""Admin actions on the candidature list, for coordinators who live in the admin.

Wire them in candidatures/admin.py: `actions = [mark_eligible, send_missing_document_reminder]`.
Each calls the same services as the coordinator's desk; a refusal is reported per file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError

from . import services
from .models import DemandePiece
from .selectors import decision_email_draft


@admin.action(
    description=gettext_lazy("Déclarer recevables les dossiers sélectionnés (e-mail au·à la candidat·e)"), permissions=["change"]
)
def mark_eligible(modeladmin: Any, request: Any, queryset: Any) -> None:
    done, refused = 0, []
    for candidature in queryset.select_related("candidat", "programme"):
        subject, body = decision_email_draft(candidature=candidature, decision="recevable")
        try:
            services.candidature_decide(
                candidature=candidature, by=request.user, decision="recevable", reason="", subject=subject, body=body
            )
        except DomainError as error:
            refused.append(f"{candidature} : {error.message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, _("%(n)s dossier(s) déclaré(s) recevable(s).") % {"n": done}, messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


@admin.action(description=gettext_lazy("Relancer pour les documents manquants"), permissions=["change"])
def send_missing_document_reminder(modeladmin: Any, request: Any, queryset: Any) -> None:
    demandes = DemandePiece.objects.filter(candidature__in=queryset, fournie_le__isnull=True).select_related(
        "candidature", "candidature__candidat"
    )
    sent, refused = 0, []
    for demande in demandes:
        try:
            services.demande_piece_remind(demande=demande, by=request.user)
        except DomainError as error:
            refused.append(f"{demande.candidature} : {error.message}")
        else:
            sent += 1
    if sent:
        modeladmin.message_user(request, _("%(n)s relance(s) envoyée(s).") % {"n": sent}, messages.SUCCESS)
    else:
        modeladmin.message_user(request, _("Aucun document manquant sur ces dossiers."), messages.INFO)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)
