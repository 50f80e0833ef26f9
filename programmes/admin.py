"""Back office: programmes (with their formats; the budget stage adds the envelope) and structures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ServiceAdminMixin
from core.uploads import check_upload

from .models import POIDS_FIELDS, Format, Programme, Structure, StructurePilote
from .selectors import pilotes_de


def format_filter(path: str) -> type[admin.SimpleListFilter]:
    """A list filter on the format reached by `path` ("format", "accompagnement__format"…), by code.

    Formats are per programme; filtering by code groups "TSF" across programmes. The choices
    cost one query, whatever the number of rows.
    """

    class FormatFilter(admin.SimpleListFilter):
        title = _("format")
        parameter_name = "format"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            labels: dict[str, str] = {}
            for code, libelle in Format.objects.order_by("ordre", "code").values_list("code", "libelle"):
                labels.setdefault(code, libelle)
            return list(labels.items())

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            if self.value():
                return queryset.filter(**{f"{path}__code": self.value()})
            return queryset

    return FormatFilter


class FormatInline(admin.TabularInline):
    model = Format
    extra = 0
    fields = (
        "ordre",
        "code",
        "libelle",
        "demi_journees_min",
        "demi_journees_max",
        "ecart_max_jours",
        "nature",
        "unite",
        "participants_max",
        "participation_non_membre",
        "actif",
    )
    show_change_link = True


LOGO_TYPES = ("image/png", "image/jpeg")


class StructurePiloteForm(forms.ModelForm):
    class Meta:
        model = StructurePilote
        fields = (
            "nom",
            "siret",
            "logo",
            "adresse",
            "code_postal",
            "commune",
            "email",
            "telephone",
            "representant_nom",
            "representant_qualite",
            "coordinateurs",
        )

    def clean_logo(self) -> Any:
        """The logo goes through the checks of every upload (content, size), must be a PNG or JPEG image,
        and is stored under a server-generated name (nothing of the sender's name reaches the disk)."""
        upload = self.cleaned_data.get("logo")
        if not upload or not hasattr(upload, "content_type"):
            return upload  # unchanged, or cleared
        checked = check_upload(upload)
        if checked.content_type not in LOGO_TYPES:
            raise ValidationError(_("Le logo doit être une image PNG ou JPEG."), code="logo_type")
        return checked.stored_file()


@admin.register(StructurePilote)
class StructurePiloteAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The pilot structures: their identity (conventions, CERFA, e-mails, site) and their coordinators,
    who see these structures' programmes and only those (programmes/selectors.py)."""

    form = StructurePiloteForm
    service_owned_fields = ()
    list_display = ("nom", "commune", "email", "representant_nom")
    search_fields = ("nom", "commune", "email", "siret")
    filter_horizontal = ("coordinateurs",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("nom", "siret", "logo")}),
        (_("Adresse et contact"), {"fields": ("adresse", "code_postal", "commune", "email", "telephone")}),
        (_("Représentant·e"), {"fields": ("representant_nom", "representant_qualite")}),
        (_("Coordination"), {"fields": ("coordinateurs",)}),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any) -> Any:
        if db_field.name == "coordinateurs":
            # Only members of the coordination can be a pilot's coordinators.
            kwargs["queryset"] = db_field.related_model.objects.filter(groups__name="coordination").order_by("email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Programme)
class ProgrammeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    # The programme's rules (daily rate, period, limits) are data that the coordination sets here.
    admin_owned_fields = ("taux_journalier",)
    list_display = (
        "nom",
        "pilote",
        "date_debut",
        "date_fin",
        "appel_ouvert",
        "taux_journalier",
        "jours_minimum",
    )
    list_filter = ("appel_ouvert", "pilote")
    list_select_related = ("pilote",)
    search_fields = ("nom", "slug", "description")
    date_hierarchy = "date_debut"
    prepopulated_fields = {"slug": ("nom",)}
    readonly_fields = ("created_at", "updated_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any) -> Any:
        if db_field.name == "pilote" and request is not None:
            # A coordinator puts a programme under one of their pilots only.
            kwargs["queryset"] = pilotes_de(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The budget stage adds the envelope's inline and columns (budget/admin.py).
    inlines: tuple[type[admin.options.InlineModelAdmin], ...] = (FormatInline,)
    fieldsets = (
        (None, {"fields": ("nom", "slug", "pilote", "description", "appel_ouvert")}),
        (
            _("Période et règles"),
            {"fields": ("date_debut", "date_fin", "taux_journalier", "jours_minimum", "reunions_comite_minimum")},
        ),
        (
            _("Appariement"),
            {
                "fields": (*POIDS_FIELDS, "missions_max_par_mentor"),
                "classes": ("collapse",),
            },
        ),
        (
            _("Suivi et relances"),
            {"fields": ("delai_compte_rendu_jours", "alerte_dossier_jours", "relances_desactivees"), "classes": ("collapse",)},
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Format)
class FormatAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    # A format's half-day limits are the programme's rules: data that the coordination sets here.
    # Its kind, unit, capacity and non-members' fee are the same: rules as data (issue 16).
    admin_owned_fields = ("demi_journees_min", "demi_journees_max", "participation_non_membre")
    list_display = (
        "libelle",
        "code",
        "programme",
        "demi_journees_min",
        "demi_journees_max",
        "ecart_max_jours",
        "nature",
        "unite",
        "participants_max",
        "ordre",
        "actif",
    )
    list_filter = ("programme", "actif", "nature", "code")
    search_fields = ("libelle", "code", "programme__nom")
    list_select_related = ("programme",)
    ordering = ("programme", "ordre", "libelle")


@admin.register(Structure)
class StructureAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    list_display = (
        "raison_sociale",
        "siret",
        "commune",
        "departement",
        "type_structure",
        "forme_juridique",
        "nombre_salaries",
        "tranche_budget",
        "employeuse",
        "en_regle",
    )
    list_filter = (
        "departement",
        "type_structure",
        "forme_juridique",
        "tranche_budget",
        "employeuse",
        "projet_premier_emploi",
        "en_regle",
    )
    search_fields = ("raison_sociale", "siret", "commune", "code_postal")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("raison_sociale", "siret", "forme_juridique", "type_structure", "site_web")}),
        (_("Adresse"), {"fields": ("adresse", "code_postal", "commune", "departement")}),
        (
            _("Activité et taille"),
            {
                "fields": (
                    "part_musiques_actuelles",
                    "employeuse",
                    "projet_premier_emploi",
                    "nombre_salaries",
                    "tranche_budget",
                    "en_regle",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )
