"""Back office: the référentiel de compétences, the directory of personnes-ressources, pairings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from candidatures.models import Candidature
from core.admin_colonnes import ComptesParLigneMixin, EtatsLabelsMixin, HistoriqueInlineMixin, colonne_compte
from core.admin_helpers import (
    InlineRelatedMixin,
    LongListMixin,
    ReadOnlyAdminMixin,
    ScopedChoicesMixin,
    ServiceAdminMixin,
    counted,
    reason_action_view,
    related_column,
    run_service_on_each,
)
from core.admin_imports import ImportAdminMixin
from programmes.signals import references_modifiees_signaler

from .imports import PersonneRessourceImporter
from .models import (
    Competence,
    CompetencePersonneRessource,
    Domaine,
    EtatPersonneRessource,
    PersonneRessource,
    PersonneRessourceEvenement,
    Proposition,
)
from .services import personne_ressource_refuse, personne_ressource_validate, proposition_send


def _programmes_cherchant(**competences: Any) -> list[int]:
    """The programmes whose files sought these competences (one query): the budget's summary of each
    counts its accompagnements by the domain of the competences sought, with the domain's name and order."""
    return list(
        Candidature.objects.filter(**{f"competences_souhaitees__{k}": v for k, v in competences.items()})
        .order_by()
        .values_list("programme_id", flat=True)
        .distinct()
    )


class CompetenceInline(ScopedChoicesMixin, admin.TabularInline):
    model = Competence
    extra = 0
    fields = ("nom", "description", "active", "issue_d_un_diagnostic")
    show_change_link = True


@admin.register(Domaine)
class DomaineAdmin(ComptesParLigneMixin, ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("ordre", "nom")
    list_display = ("nom", "slug", "ordre", "nombre_competences")
    search_fields = ("nom", "slug")
    prepopulated_fields = {"slug": ("nom",)}
    inlines = (CompetenceInline,)

    comptes_par_ligne = {"_nombre_competences": (Competence, "domaine")}
    nombre_competences = colonne_compte("_nombre_competences", _("compétences"))

    def save_model(self, request: HttpRequest, obj: Domaine, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"nom", "ordre"} & set(form.changed_data):
            references_modifiees_signaler(_programmes_cherchant(domaine=obj))


@admin.register(Competence)
class CompetenceAdmin(ComptesParLigneMixin, ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("domaine__ordre", "nom")
    list_display = ("nom", "domaine", "active", "issue_d_un_diagnostic", "nombre_personnes_ressources", "created_at")
    list_filter = ("domaine", "active", "issue_d_un_diagnostic")
    search_fields = ("nom", "description", "domaine__nom")
    list_select_related = ("domaine",)
    readonly_fields = ("created_at",)

    comptes_par_ligne = {"_nombre_pr": (CompetencePersonneRessource, "competence")}
    nombre_personnes_ressources = colonne_compte("_nombre_pr", _("personnes-ressources"))

    def save_model(self, request: HttpRequest, obj: Competence, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "domaine" in form.changed_data:
            references_modifiees_signaler(_programmes_cherchant(pk=obj.pk))

    def delete_model(self, request: HttpRequest, obj: Competence) -> None:
        # Read before the delete: the files' links to the competence go with it.
        programmes = _programmes_cherchant(pk=obj.pk)
        super().delete_model(request, obj)
        references_modifiees_signaler(programmes)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        programmes = _programmes_cherchant(pk__in=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        references_modifiees_signaler(programmes)


class CompetencePersonneRessourceInline(InlineRelatedMixin, ScopedChoicesMixin, admin.TabularInline):
    model = CompetencePersonneRessource
    inline_select_related = ("competence",)
    extra = 1
    autocomplete_fields = ("competence",)


class PersonneRessourceEvenementInline(HistoriqueInlineMixin, admin.TabularInline):
    model = PersonneRessourceEvenement
    etats = EtatPersonneRessource


@admin.register(PersonneRessource)
class PersonneRessourceAdmin(LongListMixin, ImportAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    # The directory kept in spreadsheets since 2022 comes in through the « Importer » page.
    importer_class = PersonneRessourceImporter
    # The state moves by validation or refusal (history, e-mail, account); the account and the
    # suggesting person are set by those services.
    service_owned_fields = ("etat", "user", "suggeree_par")
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
    autocomplete_fields = ("structure",)
    readonly_fields = ("etat", "user", "suggeree_par", "created_at", "updated_at")
    inlines = (CompetencePersonneRessourceInline, PersonneRessourceEvenementInline)
    actions = ("action_valider", "action_refuser")
    fieldsets = (
        (None, {"fields": ("prenom", "nom", "email", "telephone", "user", "etat")}),
        (_("Structure et parcours"), {"fields": ("structure", "fonction", "presentation", "ancien_beneficiaire")}),
        (
            _("Territoire et disponibilité"),
            {"fields": ("departement", "mobilite", "disponibilite_demi_journees", "types_projets", "tailles_projets")},
        ),
        (_("Origine et dates"), {"fields": ("suggeree_par", "created_at", "updated_at")}),
    )

    @admin.action(description=_("Valider le profil (entrée dans l’annuaire)"), permissions=["change"])
    def action_valider(self, request: HttpRequest, queryset: Any) -> None:
        run_service_on_each(
            self,
            request,
            queryset.select_related("structure"),
            lambda pr: personne_ressource_validate(personne_ressource=pr, by=request.user),
            success=counted(ngettext_lazy("%(count)d profil validé.", "%(count)d profils validés.", "count")),
        )

    @admin.action(description=_("Refuser le profil (avec motif)"), permissions=["change"])
    def action_refuser(self, request: HttpRequest, queryset: Any) -> Any:
        return reason_action_view(
            self,
            request,
            queryset,
            title=_("Refuser le profil"),
            intro=_("Le motif est communiqué à la personne et gardé dans l’historique du profil."),
            submit_label=_("Refuser"),
            apply=lambda pr, reason: personne_ressource_refuse(personne_ressource=pr, by=request.user, reason=reason),
            success=counted(ngettext_lazy("%(count)d profil refusé.", "%(count)d profils refusés.", "count")),
        )


@admin.register(CompetencePersonneRessource)
class CompetencePersonneRessourceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    list_display = ("personne_ressource", "competence", related_column("competence__domaine", _("domaine")), "niveau")
    list_filter = ("niveau", "competence__domaine", "personne_ressource__departement")
    search_fields = ("personne_ressource__nom", "personne_ressource__prenom", "personne_ressource__email", "competence__nom")
    list_select_related = ("personne_ressource", "competence__domaine")
    autocomplete_fields = ("personne_ressource", "competence")


@admin.register(PersonneRessourceEvenement)
class PersonneRessourceEvenementAdmin(LongListMixin, EtatsLabelsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    etats = EtatPersonneRessource
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


proposee_par = related_column("proposee_par", _("proposée par"))


@admin.register(Proposition)
class PropositionAdmin(LongListMixin, ServiceAdminMixin, admin.ModelAdmin):
    """A proposal is sent through proposition_send (ranking, e-mail to the mentor, timeline), then answered by the mentor."""

    service_owned_fields = "__all__"
    service_add = "annuaire.services.proposition_send"
    only_services_create = True
    only_services_delete = True
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
    # The state, the score and its explanation come from the matching services, never typed in.
    readonly_fields = (
        "etat",
        "score",
        "detail_score",
        "rang",
        proposee_par,
        "envoyee_le",
        "repondue_le",
        "motif_refus",
        "created_at",
        "updated_at",
    )
    fields = ("candidature", "personne_ressource", "justification", *readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Proposition | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Proposition | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Proposition, form: Any) -> Proposition:
        data = form.cleaned_data
        return proposition_send(
            candidature=data["candidature"],
            personne_ressource=data["personne_ressource"],
            by=request.user,
            justification=data.get("justification") or "",
        )
