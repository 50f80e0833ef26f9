"""Back office: the référentiel de compétences, the directory of personnes-ressources, pairings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyAdminMixin, ReadOnlyInlineMixin, per_row, related_column, state_label

from .models import (
    Competence,
    CompetencePersonneRessource,
    Domaine,
    EtatPersonneRessource,
    PersonneRessource,
    PersonneRessourceEvenement,
    Proposition,
)


class CompetenceInline(admin.TabularInline):
    model = Competence
    extra = 0
    fields = ("nom", "description", "active", "issue_d_un_diagnostic")
    show_change_link = True


@admin.register(Domaine)
class DomaineAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("ordre", "nom")
    list_display = ("nom", "slug", "ordre", "nombre_competences")
    search_fields = ("nom", "slug")
    prepopulated_fields = {"slug": ("nom",)}
    inlines = (CompetenceInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_competences=per_row(Competence.objects.all(), "domaine"))

    @admin.display(description=_("compétences"), ordering="_nombre_competences")
    def nombre_competences(self, obj: Domaine) -> int:
        return getattr(obj, "_nombre_competences", 0)


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("domaine__ordre", "nom")
    list_display = ("nom", "domaine", "active", "issue_d_un_diagnostic", "nombre_personnes_ressources", "created_at")
    list_filter = ("domaine", "active", "issue_d_un_diagnostic")
    search_fields = ("nom", "description", "domaine__nom")
    list_select_related = ("domaine",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_pr=per_row(CompetencePersonneRessource.objects.all(), "competence"))

    @admin.display(description=_("personnes-ressources"), ordering="_nombre_pr")
    def nombre_personnes_ressources(self, obj: Competence) -> int:
        return getattr(obj, "_nombre_pr", 0)


class CompetencePersonneRessourceInline(admin.TabularInline):
    model = CompetencePersonneRessource
    extra = 1
    autocomplete_fields = ("competence",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("competence")


class PersonneRessourceEvenementInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = PersonneRessourceEvenement
    fields = ("created_at", "kind", "transition", "from_state_label", "to_state_label", "reason", "actor")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("état avant"))
    def from_state_label(self, obj: PersonneRessourceEvenement) -> str:
        return state_label(EtatPersonneRessource, obj.from_state) if obj.from_state else "—"

    @admin.display(description=_("état après"))
    def to_state_label(self, obj: PersonneRessourceEvenement) -> str:
        return state_label(EtatPersonneRessource, obj.to_state) if obj.to_state else "—"


@admin.register(PersonneRessource)
class PersonneRessourceAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "nom",
        "prenom",
        "email",
        "structure",
        "departement",
        "mobilite",
        "etat",
        "disponibilite_demi_journees",
        "ancien_beneficiaire",
        "created_at",
    )
    list_display_links = ("nom", "prenom")
    list_filter = ("etat", "departement", "mobilite", "ancien_beneficiaire", "structure__type_structure", "competences__domaine")
    search_fields = ("nom", "prenom", "email", "telephone", "fonction", "structure__raison_sociale", "structure__siret")
    date_hierarchy = "created_at"
    list_select_related = ("structure",)
    autocomplete_fields = ("user", "structure", "suggeree_par")
    readonly_fields = ("created_at", "updated_at")
    inlines = (CompetencePersonneRessourceInline, PersonneRessourceEvenementInline)
    fieldsets = (
        (None, {"fields": ("prenom", "nom", "email", "telephone", "user", "etat")}),
        (_("Structure et parcours"), {"fields": ("structure", "fonction", "presentation", "ancien_beneficiaire")}),
        (
            _("Territoire et disponibilité"),
            {"fields": ("departement", "mobilite", "disponibilite_demi_journees", "types_projets", "tailles_projets")},
        ),
        (_("Origine et dates"), {"fields": ("suggeree_par", "created_at", "updated_at")}),
    )


@admin.register(CompetencePersonneRessource)
class CompetencePersonneRessourceAdmin(admin.ModelAdmin):
    list_display = ("personne_ressource", "competence", related_column("competence__domaine", _("domaine")), "niveau")
    list_filter = ("niveau", "competence__domaine", "personne_ressource__departement")
    search_fields = ("personne_ressource__nom", "personne_ressource__prenom", "personne_ressource__email", "competence__nom")
    list_select_related = ("personne_ressource", "competence__domaine")
    autocomplete_fields = ("personne_ressource", "competence")


@admin.register(PersonneRessourceEvenement)
class PersonneRessourceEvenementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "created_at",
        "personne_ressource",
        "kind",
        "transition",
        "from_state_label",
        "to_state_label",
        "actor",
        "reason",
    )
    list_filter = ("kind", "transition")
    search_fields = ("personne_ressource__nom", "personne_ressource__email", "reason", "actor__email")
    date_hierarchy = "created_at"
    list_select_related = ("personne_ressource", "actor")

    @admin.display(description=_("état avant"))
    def from_state_label(self, obj: PersonneRessourceEvenement) -> str:
        return state_label(EtatPersonneRessource, obj.from_state) if obj.from_state else "—"

    @admin.display(description=_("état après"))
    def to_state_label(self, obj: PersonneRessourceEvenement) -> str:
        return state_label(EtatPersonneRessource, obj.to_state) if obj.to_state else "—"


@admin.register(Proposition)
class PropositionAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "candidature",
        "personne_ressource",
        "etat",
        "score",
        "rang",
        related_column("candidature__programme", _("programme")),
        "envoyee_le",
        "repondue_le",
        "created_at",
    )
    list_filter = ("etat", "candidature__programme", "personne_ressource__departement")
    search_fields = (
        "candidature__reference",
        "candidature__structure__raison_sociale",
        "personne_ressource__nom",
        "personne_ressource__prenom",
        "personne_ressource__email",
    )
    date_hierarchy = "created_at"
    list_select_related = ("candidature__programme", "personne_ressource")
    autocomplete_fields = ("candidature", "personne_ressource")
    # The score and its explanation come from the matching computation, never typed in.
    readonly_fields = (
        "score",
        "detail_score",
        "rang",
        related_column("proposee_par", _("proposée par")),
        "created_at",
        "updated_at",
    )

    def save_model(self, request: HttpRequest, obj: Proposition, form: Any, change: bool) -> None:
        if not change:
            obj.proposee_par = request.user
        super().save_model(request, obj, form, change)
