"""Back office: meetings of the comité technique, files put to it, and its opinions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_colonnes import ComptesParLigneMixin, colonne_compte
from core.admin_helpers import AppendOnlyInlineMixin, InlineRelatedMixin, ServiceAdminMixin, ServiceInlineMixin, related_column

from .models import Avis, MembreComite, ReunionComite, Saisine
from .services import avis_give, membre_comite_set, saisine_create

saisi_par = related_column("saisi_par", _("soumis par"))


class SaisineInline(InlineRelatedMixin, ServiceInlineMixin, AppendOnlyInlineMixin, admin.TabularInline):
    """Files put on this meeting's agenda through saisine_create (timeline of the file); shown once put."""

    model = Saisine
    inline_select_related = ("candidature", "saisi_par")
    service_add = "comite.services.saisine_create"
    fields = ("candidature", "question", saisi_par, "created_at")
    readonly_fields = (saisi_par, "created_at")
    autocomplete_fields = ("candidature",)
    show_change_link = True

    def create_with_service(self, request: HttpRequest, parent: ReunionComite, obj: Saisine, form: Any) -> Saisine:
        data = form.cleaned_data
        return saisine_create(
            candidature=data["candidature"], by=request.user, question=data.get("question") or "", reunion=parent
        )


@admin.register(ReunionComite)
class ReunionComiteAdmin(ComptesParLigneMixin, ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ("compte_rendu_fichier",)
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

    comptes_par_ligne = {"_nombre_saisines": (Saisine, "reunion")}
    nombre_saisines = colonne_compte("_nombre_saisines", _("dossiers soumis"))


def _avis_give(request: HttpRequest, saisine: Saisine, form: Any) -> Avis:
    data = form.cleaned_data
    return avis_give(saisine=saisine, membre=data["membre"], sens=data["sens"], commentaire=data.get("commentaire") or "")


class AvisInline(InlineRelatedMixin, ServiceInlineMixin, admin.TabularInline):
    """Opinions recorded on behalf of a member through avis_give (checks, timeline of the file)."""

    model = Avis
    inline_select_related = ("membre",)
    extra = 0
    can_delete = False
    fields = ("membre", "sens", "commentaire", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("membre",)
    service_add = "comite.services.avis_give"
    service_change = "comite.services.avis_give"

    def create_with_service(self, request: HttpRequest, parent: Saisine, obj: Avis, form: Any) -> Avis:
        return _avis_give(request, parent, form)

    def update_with_service(self, request: HttpRequest, parent: Saisine, obj: Avis, form: Any) -> Avis:
        return _avis_give(request, parent, form)


@admin.register(Saisine)
class SaisineAdmin(ComptesParLigneMixin, ServiceAdminMixin, admin.ModelAdmin):
    # Put to the committee by saisine_create (documents of the file only, meeting of the same programme, timeline).
    service_owned_fields = ("candidature", "reunion", "pieces", "saisi_par")
    service_add = "comite.services.saisine_create"
    only_services_create = True
    only_services_delete = True
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
    fields = ("candidature", "reunion", "question", "pieces", saisi_par, "created_at")
    readonly_fields = (saisi_par, "created_at")
    inlines = (AvisInline,)

    comptes_par_ligne = {"_nombre_avis": (Avis, "saisine")}
    nombre_avis = colonne_compte("_nombre_avis", _("avis"))

    def get_readonly_fields(self, request: HttpRequest, obj: Saisine | None = None) -> Any:
        return self.readonly_fields if obj is None else ("candidature", "reunion", "pieces", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Saisine | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Saisine, form: Any) -> Saisine:
        data = form.cleaned_data
        return saisine_create(
            candidature=data["candidature"],
            by=request.user,
            question=data.get("question") or "",
            pieces=data.get("pieces") or (),
            reunion=data.get("reunion"),
        )


@admin.register(Avis)
class AvisAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ("saisine", "membre", "sens", "commentaire")
    service_add = "comite.services.avis_give"
    service_change = "comite.services.avis_give"
    only_services_create = True
    only_services_delete = True
    list_display = ("saisine", "membre", "sens", "created_at")
    list_filter = ("sens", "saisine__reunion", "saisine__candidature__programme")
    search_fields = ("saisine__candidature__reference", "membre__email", "membre__last_name", "commentaire")
    date_hierarchy = "created_at"
    list_select_related = ("saisine__candidature", "membre")
    autocomplete_fields = ("saisine", "membre")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Avis | None = None) -> Any:
        return self.readonly_fields if obj is None else ("saisine", "membre", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Avis | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Avis, form: Any) -> Avis:
        return _avis_give(request, form.cleaned_data["saisine"], form)

    def update_with_service(self, request: HttpRequest, obj: Avis, form: Any) -> Avis:
        return avis_give(
            saisine=obj.saisine,
            membre=obj.membre,
            sens=form.cleaned_data["sens"],
            commentaire=form.cleaned_data.get("commentaire") or "",
        )


@admin.register(MembreComite)
class MembreComiteAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Who sits on which programme's committee: seated, changed or closed through membre_comite_set
    (which gives the comité role); a seat is closed (inactive), never deleted, to keep who gave which opinion."""

    service_owned_fields = ("programme", "user", "qualite", "actif")
    service_add = "comite.services.membre_comite_set"
    service_change = "comite.services.membre_comite_set"
    only_services_create = True
    only_services_delete = True
    list_display = ("user", "programme", "qualite", "actif")
    list_filter = ("programme", "actif")
    search_fields = ("user__email", "user__first_name", "user__last_name", "qualite")
    list_select_related = ("user", "programme")
    autocomplete_fields = ("user",)
    fields = ("programme", "user", "qualite", "actif", "created_at")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: MembreComite | None = None) -> Any:
        return self.readonly_fields if obj is None else ("programme", "user", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: MembreComite | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: MembreComite, form: Any) -> MembreComite:
        data = form.cleaned_data
        return membre_comite_set(
            programme=data["programme"],
            user=data["user"],
            by=request.user,
            qualite=data.get("qualite") or "",
            actif=data.get("actif", True),
        )

    def update_with_service(self, request: HttpRequest, obj: MembreComite, form: Any) -> MembreComite:
        return membre_comite_set(
            programme=obj.programme,
            user=obj.user,
            by=request.user,
            qualite=form.cleaned_data.get("qualite") or "",
            actif=form.cleaned_data.get("actif", False),
        )
