"""Back office: evaluations (exit and six months) and the indicator measures of the objectives grid."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import related_column
from programmes.admin import format_filter

from .models import Evaluation, MesureIndicateur


class MesureIndicateurInline(admin.TabularInline):
    model = MesureIndicateur
    extra = 0
    fields = ("indicateur", "moment", "valeur", "niveau", "atteinte", "commentaire")
    autocomplete_fields = ("indicateur",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("indicateur")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "accompagnement",
        "moment",
        "repondant",
        "personne",
        "etat",
        "ouverte_le",
        "echeance",
        "repondue_le",
        "satisfaction_format",
        "satisfaction_personne",
        "recommande_suite",
    )
    list_filter = (
        "etat",
        "moment",
        "repondant",
        "recommande_suite",
        "accompagnement__programme",
        format_filter("accompagnement__format"),
    )
    search_fields = ("accompagnement__reference", "personne__email", "personne__last_name")
    date_hierarchy = "echeance"
    list_select_related = ("accompagnement", "personne")
    autocomplete_fields = ("accompagnement", "personne")
    # No evaluation service exists yet to open or close a questionnaire: the coordination may set
    # the state by hand here. Make it read-only once such services exist.
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("accompagnement", "moment", "repondant", "personne", "etat", "ouverte_le", "echeance", "repondue_le")},
        ),
        (_("Réponses"), {"fields": ("satisfaction_format", "satisfaction_personne", "recommande_suite", "reponses")}),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = (MesureIndicateurInline,)


@admin.register(MesureIndicateur)
class MesureIndicateurAdmin(admin.ModelAdmin):
    list_display = (
        "indicateur",
        "moment",
        "valeur",
        "niveau",
        "atteinte",
        related_column("indicateur__objectif__accompagnement", _("accompagnement")),
        "created_at",
    )
    list_filter = ("moment", "atteinte", "indicateur__type_indicateur", "indicateur__objectif__accompagnement__programme")
    search_fields = ("indicateur__libelle", "commentaire", "indicateur__objectif__accompagnement__reference")
    list_select_related = ("indicateur__objectif__accompagnement",)
    autocomplete_fields = ("indicateur", "evaluation")
    readonly_fields = ("created_at",)
