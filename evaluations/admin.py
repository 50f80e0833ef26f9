"""Back office: evaluations (exit and six months) and the indicator measures of the objectives grid."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import InlineRelatedMixin, LongListMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, related_column
from programmes.admin import format_filter

from .models import Evaluation, MesureIndicateur


class MesureIndicateurInline(InlineRelatedMixin, ReadOnlyInlineMixin, admin.TabularInline):
    model = MesureIndicateur
    inline_select_related = ("indicateur",)
    fields = ("indicateur", "moment", "valeur", "niveau", "atteinte", "commentaire")


@admin.register(Evaluation)
class EvaluationAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Opened by the evaluation services (at the end, six months later), answered through the respondent's link,
    expired by the nightly job: shown here."""

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
class MesureIndicateurAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Measures are recorded by the evaluation services (start, exit, six months): shown here."""

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
