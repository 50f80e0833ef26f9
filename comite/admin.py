"""Back office: meetings of the comité technique, files put to it, and its opinions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import per_row, related_column

from .models import Avis, ReunionComite, Saisine

saisi_par = related_column("saisi_par", _("soumis par"))


class SaisineInline(admin.TabularInline):
    model = Saisine
    extra = 0
    fields = ("candidature", "question", saisi_par, "created_at")
    readonly_fields = (saisi_par, "created_at")
    autocomplete_fields = ("candidature",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("candidature", "saisi_par")


def _save_with_author(request: HttpRequest, formset: Any, field: str) -> None:
    for obj in formset.save(commit=False):
        if obj.pk is None and getattr(obj, f"{field}_id", None) is None:
            setattr(obj, field, request.user)
        obj.save()
    for obj in formset.deleted_objects:
        obj.delete()
    formset.save_m2m()


@admin.register(ReunionComite)
class ReunionComiteAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("-date",)
    list_display = ("__str__", "date", "programme", "lieu", "nombre_saisines")
    list_filter = ("programme",)
    search_fields = ("lieu", "ordre_du_jour", "compte_rendu")
    date_hierarchy = "date"
    list_select_related = ("programme",)
    # The minutes file is uploaded through the committee page (checked by core.uploads), never here.
    readonly_fields = ("compte_rendu_fichier", "created_at", "updated_at")
    inlines = (SaisineInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_saisines=per_row(Saisine.objects.all(), "reunion"))

    @admin.display(description=_("dossiers soumis"), ordering="_nombre_saisines")
    def nombre_saisines(self, obj: ReunionComite) -> int:
        return getattr(obj, "_nombre_saisines", 0)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        _save_with_author(request, formset, "saisi_par")


class AvisInline(admin.TabularInline):
    model = Avis
    extra = 0
    fields = ("membre", "sens", "commentaire", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("membre",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("membre")


@admin.register(Saisine)
class SaisineAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("-created_at",)
    list_display = (
        "candidature",
        related_column("candidature__etat", _("état du dossier")),
        "reunion",
        saisi_par,
        "created_at",
        "nombre_avis",
    )
    list_filter = ("candidature__programme", "reunion")
    search_fields = ("candidature__reference", "candidature__structure__raison_sociale", "question")
    date_hierarchy = "created_at"
    list_select_related = ("candidature", "reunion", "saisi_par")
    autocomplete_fields = ("candidature", "reunion")
    readonly_fields = (saisi_par, "created_at")
    inlines = (AvisInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_avis=per_row(Avis.objects.all(), "saisine"))

    @admin.display(description=_("avis"), ordering="_nombre_avis")
    def nombre_avis(self, obj: Saisine) -> int:
        return getattr(obj, "_nombre_avis", 0)

    def save_model(self, request: HttpRequest, obj: Saisine, form: Any, change: bool) -> None:
        if not change:
            obj.saisi_par = request.user
        super().save_model(request, obj, form, change)


@admin.register(Avis)
class AvisAdmin(admin.ModelAdmin):
    list_display = ("saisine", "membre", "sens", "created_at")
    list_filter = ("sens", "saisine__reunion", "saisine__candidature__programme")
    search_fields = ("saisine__candidature__reference", "membre__email", "membre__last_name", "commentaire")
    date_hierarchy = "created_at"
    list_select_related = ("saisine__candidature", "membre")
    autocomplete_fields = ("saisine", "membre")
    readonly_fields = ("created_at",)
