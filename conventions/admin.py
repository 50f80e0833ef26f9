"""Back office: tripartite conventions and their signatures.

Every field of a convention is written by its services (created when the grid is validated,
generated, signed, finalised, replaced by an avenant): the admin shows it, never edits nor deletes it.
Signatures are evidence: view only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import InlineRelatedMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, per_row, related_column
from programmes.admin import format_filter

from .models import Convention, Signature


class SignatureInline(InlineRelatedMixin, ReadOnlyInlineMixin, admin.TabularInline):
    model = Signature
    inline_select_related = ("signataire",)
    fields = ("partie", "nom_signataire", "signataire", "signee_le", "adresse_ip", "sha256_document")


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
    # Files are shown by name only (see pdf_name); every field is read-only (ReadOnlyAdminMixin).
    readonly_fields = ("pdf_name", "pdf_final_name")
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


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("convention", "partie", "nom_signataire", "signataire", "signee_le", "adresse_ip")
    list_filter = ("partie", "convention__accompagnement__programme")
    search_fields = ("convention__reference", "nom_signataire", "signataire__email", "sha256_document")
    date_hierarchy = "signee_le"
    list_select_related = ("convention", "signataire")
