"""Back office: tripartite conventions and their signatures.

A convention signed by the three parties is frozen: the admin shows it read-only and never
deletes it; a change is a new version (avenant). Signatures are evidence: view only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyAdminMixin, ReadOnlyInlineMixin, per_row, related_column
from programmes.admin import format_filter

from .models import Convention, EtatConvention, Signature


class SignatureInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Signature
    fields = ("partie", "nom_signataire", "signataire", "signee_le", "adresse_ip", "sha256_document")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("signataire")


def _is_frozen(convention: Convention | None) -> bool:
    return convention is not None and convention.pk is not None and convention.etat == EtatConvention.SIGNEE


@admin.register(Convention)
class ConventionAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("accompagnement", "version")
    list_display = (
        "reference",
        "version",
        "etat",
        "accompagnement",
        related_column("accompagnement__beneficiaire", _("bénéficiaire")),
        related_column("accompagnement__programme", _("programme")),
        "demi_journees",
        "montant",
        "nombre_signatures",
        "signee_le",
        "created_at",
    )
    list_filter = ("etat", "accompagnement__programme", "scan_papier", format_filter("accompagnement__format"))
    search_fields = (
        "reference",
        "accompagnement__reference",
        "accompagnement__beneficiaire__email",
        "accompagnement__beneficiaire__last_name",
        "accompagnement__structure_beneficiaire__raison_sociale",
        "accompagnement__structure_beneficiaire__siret",
    )
    date_hierarchy = "created_at"
    list_select_related = ("accompagnement__beneficiaire", "accompagnement__programme")
    autocomplete_fields = ("accompagnement", "remplace")
    # The state, the generated documents and their fingerprints come from the convention services.
    readonly_fields = (
        "etat",
        "pdf_name",
        "pdf_sha256",
        "pdf_final_name",
        "pdf_final_sha256",
        "signee_le",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "accompagnement", "version", "remplace", "etat")}),
        (_("Engagement"), {"fields": ("demi_journees", "montant")}),
        (
            _("Documents et signature"),
            {"fields": ("pdf_name", "pdf_sha256", "pdf_final_name", "pdf_final_sha256", "scan_papier", "signee_le")},
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = (SignatureInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_signatures=per_row(Signature.objects.all(), "convention"))

    @admin.display(description=_("signatures"), ordering="_nombre_signatures")
    def nombre_signatures(self, obj: Convention) -> str:
        return f"{getattr(obj, '_nombre_signatures', 0)}/3"

    @admin.display(description=_("document à signer"))
    def pdf_name(self, obj: Convention) -> str:
        # Documents are personal data served by permission-checked views, never by a media URL.
        return obj.pdf.name.rsplit("/", 1)[-1] if obj.pdf else "—"

    @admin.display(description=_("document signé"))
    def pdf_final_name(self, obj: Convention) -> str:
        return obj.pdf_final.name.rsplit("/", 1)[-1] if obj.pdf_final else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Convention | None = None) -> Any:
        if _is_frozen(obj):
            return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Convention | None = None) -> bool:
        if _is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Convention | None = None) -> bool:
        if obj is not None and (_is_frozen(obj) or obj.signatures.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        # A bulk delete would skip Convention.delete(), which refuses signed conventions.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("convention", "partie", "nom_signataire", "signataire", "signee_le", "adresse_ip")
    list_filter = ("partie", "convention__accompagnement__programme")
    search_fields = ("convention__reference", "nom_signataire", "signataire__email", "sha256_document")
    date_hierarchy = "signee_le"
    list_select_related = ("convention", "signataire")
