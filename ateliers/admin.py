"""Back office of the ateliers: the coordination schedules them (through the services); registrations,
their history and the members are written by the services (the pages, or the actions here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_colonnes import HistoriqueAdminMixin
from core.admin_helpers import ReadOnlyAdminMixin, ScopedChoicesMixin, ServiceAdminMixin

from . import services
from .models import (
    Adhesion,
    Atelier,
    AtelierEvenement,
    EvaluationAtelier,
    GroupeCodev,
    Immersion,
    ImmersionEvenement,
    Inscription,
    InscriptionEvenement,
    MembreGroupe,
    PresenceGroupe,
    SeanceGroupe,
    SeanceGroupeEvenement,
)


@admin.register(Atelier)
class AtelierAdmin(ServiceAdminMixin, admin.ModelAdmin):
    # Capacity and fee default from the format and are checked by the services (fewer places than
    # registrations are refused; more move the waiting list up).
    service_owned_fields = ("capacite", "participation_non_membre", "etat", "tenu_le")
    service_add = "ateliers.services.atelier_create"
    service_change = "ateliers.services.atelier_update"
    list_display = ("titre", "programme", "format", "debut", "capacite", "personne_ressource", "etat")
    list_filter = ("programme", "etat")
    list_select_related = ("programme", "format", "personne_ressource")
    search_fields = ("titre", "theme")
    date_hierarchy = "debut"
    autocomplete_fields = ("personne_ressource",)
    fields = (
        "programme",
        "format",
        "titre",
        "theme",
        "debut",
        "duree",
        "lieu",
        "lien_visio",
        "personne_ressource",
        "capacite",
        "participation_non_membre",
        "etat",
        "tenu_le",
    )
    # Held (attendance list closed) or cancelled on the atelier's page, through the services.
    readonly_fields = ("etat", "tenu_le")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # Empty: the format's defaults (its participants at most, its fee per unit times the duration).
        for name in ("capacite", "participation_non_membre"):
            form.base_fields[name].required = obj is not None
        form.base_fields["capacite"].help_text = _("Vide : le nombre de participant·es au plus du format.")
        form.base_fields["participation_non_membre"].help_text = _(
            "Vide : la participation du format par unité, multipliée par la durée."
        )
        return form

    def create_with_service(self, request: HttpRequest, obj: Atelier, form: Any) -> Atelier:
        data = form.cleaned_data
        return services.atelier_create(
            programme=data["programme"],
            format=data["format"],
            titre=data["titre"],
            theme=data["theme"],
            debut=data["debut"],
            duree=data["duree"],
            lieu=data["lieu"],
            lien_visio=data["lien_visio"],
            personne_ressource=data["personne_ressource"],
            capacite=data.get("capacite"),
            participation_non_membre=data.get("participation_non_membre"),
            by=request.user,
        )

    def update_with_service(self, request: HttpRequest, obj: Atelier, form: Any) -> Atelier:
        data = form.cleaned_data
        return services.atelier_update(
            atelier=obj, by=request.user, **{name: data[name] for name in services.ATELIER_CHAMPS if name in form.changed_data}
        )


@admin.register(Inscription)
class InscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: registrations, withdrawals, attendance and payments are recorded on the atelier's page."""

    list_display = ("participant", "atelier", "etat", "membre", "participation_due", "participation_payee_le", "demandee_le")
    list_filter = ("etat", "membre", "atelier__programme")
    list_select_related = ("participant", "atelier")
    search_fields = ("participant__email", "atelier__titre")


@admin.register(InscriptionEvenement)
class InscriptionEvenementAdmin(HistoriqueAdminMixin, admin.ModelAdmin):
    sujet = "inscription"
    list_select_related = ("inscription", "actor")


@admin.register(Adhesion)
class AdhesionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The programme's members: they pay no participation to its ateliers (from their next registration)."""

    service_owned_fields = ("programme", "personne")
    only_services_create = True
    service_add = "ateliers.services.adhesion_record"
    list_display = ("personne", "programme", "note", "created_at")
    list_filter = ("programme",)
    list_select_related = ("personne", "programme")
    search_fields = ("personne__email", "note")
    autocomplete_fields = ("personne",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("programme", "personne") if obj is not None else ()

    def create_with_service(self, request: HttpRequest, obj: Adhesion, form: Any) -> Adhesion:
        data = form.cleaned_data
        return services.adhesion_record(
            programme=data["programme"], personne=data["personne"], note=data["note"], by=request.user
        )


@admin.register(Immersion)
class ImmersionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Immersion days: the coordination pairs a mentee and a volunteer mentor here (immersion_create);
    the objectives and the two reports are written by the pair from their space."""

    service_owned_fields = "__all__"
    only_services_create = True
    only_services_delete = True
    service_add = "ateliers.services.immersion_create"
    list_display = ("mentore", "mentor", "jour", "programme", "etat")
    list_filter = ("etat", "programme")
    list_select_related = ("mentore", "mentor", "programme")
    search_fields = ("mentore__email", "mentor__nom")
    autocomplete_fields = ("mentore", "mentor")
    fields = ("programme", "format", "mentore", "mentor", "jour", "lieu")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (
            *self.fields,
            "etat",
            "objectifs",
            "objectifs_le",
            "rapport_mentore",
            "rapport_mentore_le",
            "rapport_mentor",
            "rapport_mentor_le",
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj) if obj is not None else self.fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Immersion, form: Any) -> Immersion:
        data = form.cleaned_data
        return services.immersion_create(
            programme=data["programme"],
            format=data["format"],
            mentore=data["mentore"],
            mentor=data["mentor"],
            jour=data["jour"],
            lieu=data["lieu"],
            by=request.user,
        )


@admin.register(ImmersionEvenement)
class ImmersionEvenementAdmin(HistoriqueAdminMixin, admin.ModelAdmin):
    sujet = "immersion"
    list_select_related = ("immersion__mentore", "immersion__mentor", "actor")


class MembreGroupeInline(ScopedChoicesMixin, admin.TabularInline):
    model = MembreGroupe
    extra = 0
    fields = ("personne", "ajoute_le")
    readonly_fields = ("personne", "ajoute_le")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GroupeCodev)
class GroupeCodevAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Co-développement groups: created through groupe_create; members are added with the member admin
    (groupe_membre_ajouter), meetings and attendance on the group's page."""

    service_owned_fields = ("programme", "format", "animateur")
    only_services_create = True
    service_add = "ateliers.services.groupe_create"
    list_display = ("nom", "programme", "animateur")
    list_filter = ("programme",)
    list_select_related = ("programme", "animateur")
    search_fields = ("nom",)
    autocomplete_fields = ("animateur",)
    fields = ("programme", "format", "nom", "animateur")
    inlines = (MembreGroupeInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("programme", "format", "animateur") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: GroupeCodev, form: Any) -> GroupeCodev:
        data = form.cleaned_data
        return services.groupe_create(
            programme=data["programme"], format=data["format"], nom=data["nom"], animateur=data["animateur"], by=request.user
        )


@admin.register(MembreGroupe)
class MembreGroupeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ("groupe", "personne", "ajoute_le")
    only_services_create = True
    only_services_delete = True
    service_add = "ateliers.services.groupe_membre_ajouter"
    list_display = ("personne", "groupe", "ajoute_le")
    list_select_related = ("personne", "groupe")
    autocomplete_fields = ("personne",)
    fields = ("groupe", "personne")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("groupe", "personne") if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: MembreGroupe, form: Any) -> MembreGroupe:
        data = form.cleaned_data
        return services.groupe_membre_ajouter(groupe=data["groupe"], personne=data["personne"], by=request.user)


@admin.register(SeanceGroupe)
class SeanceGroupeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Meetings are planned and their attendance recorded on the group's page."""

    list_display = ("groupe", "debut", "client", "etat")
    list_filter = ("etat", "groupe__programme")
    list_select_related = ("groupe", "client__personne")


@admin.register(PresenceGroupe)
class PresenceGroupeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("membre", "seance", "present")
    list_select_related = ("membre__personne", "seance__groupe")


@admin.register(SeanceGroupeEvenement)
class SeanceGroupeEvenementAdmin(HistoriqueAdminMixin, admin.ModelAdmin):
    sujet = "seance"
    list_select_related = ("seance__groupe", "actor")


@admin.register(AtelierEvenement)
class AtelierEvenementAdmin(HistoriqueAdminMixin, admin.ModelAdmin):
    sujet = "atelier"
    list_select_related = ("atelier", "actor")


@admin.register(EvaluationAtelier)
class EvaluationAtelierAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: opened when the attendance list is closed, answered by the participant from their space."""

    list_display = ("inscription", "etat", "satisfaction", "repondue_le", "questionnaire_version")
    list_filter = ("etat", "inscription__atelier__programme")
    list_select_related = ("inscription__participant", "inscription__atelier", "questionnaire_version__questionnaire")
    search_fields = ("inscription__participant__email", "inscription__atelier__titre")
