"""Back office: accompagnements, their objectives grid, sessions, reports and supporting records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from candidatures.models import Etat as EtatCandidature
from core.admin_helpers import (
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ServiceAddAdminMixin,
    per_row,
    reason_action_view,
    related_column,
    state_label,
)
from core.exceptions import DomainError
from programmes.admin import format_filter
from programmes.rules import check_demi_journees

from .models import (
    Accompagnement,
    AccompagnementEvenement,
    CompteRendu,
    EtatAccompagnement,
    FluxCalendrier,
    Indicateur,
    Objectif,
    QuestionSeance,
    Seance,
    SupportTemoin,
)
from .services import accompagnement_create, accompagnement_transition

planifiee_par = related_column("planifiee_par", _("planifiée par"))
ajoute_par = related_column("ajoute_par", _("ajouté par"))

# --- Accompagnement ----------------------------------------------------------------------


class AccompagnementForm(forms.ModelForm):
    """Checks the rules of `accompagnement_create` before saving, so that a refusal is a form error."""

    # Where a rule's `field` points to a differently named form field.
    FIELD_NAMES = {"demi_journees": "demi_journees_prevues", "format": "format", "mentors": "mentors"}

    class Meta:
        model = Accompagnement
        fields = ("candidature", "format", "demi_journees_prevues", "mentors", "suite_de")

    def _add_domain_error(self, error: DomainError) -> None:
        field = self.FIELD_NAMES.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        adding = self.instance.pk is None
        candidature = data.get("candidature") if adding else self.instance.candidature
        mentors = data.get("mentors")
        if candidature is None:
            return data
        if adding and candidature.etat != EtatCandidature.SELECTIONNEE:
            self.add_error("candidature", gettext("Seule une candidature retenue peut donner lieu à un accompagnement."))
        if candidature.structure_id is None:
            self.add_error("candidature", gettext("La candidature n’a pas de structure bénéficiaire."))
            return data
        for mentor in mentors or []:
            if mentor.structure_id == candidature.structure_id:
                self.add_error(
                    "mentors",
                    gettext(
                        "%(mentor)s travaille dans la structure bénéficiaire : choisissez une personne-ressource d’une autre structure."
                    )
                    % {"mentor": mentor},
                )
        format_ = data.get("format")
        demi_journees = data.get("demi_journees_prevues")
        if adding and format_ is not None and demi_journees:
            if format_.programme_id != candidature.programme_id:
                self.add_error("format", gettext("Ce format n’appartient pas au programme de la candidature."))
            else:
                try:
                    check_demi_journees(structure=candidature.structure, format=format_, demi_journees=demi_journees)
                except DomainError as error:
                    self._add_domain_error(error)
        return data


class ObjectifInline(admin.TabularInline):
    model = Objectif
    extra = 0
    fields = ("ordre", "intitule", "critere_reussite", "commentaire_coordination")
    show_change_link = True


class SeanceInline(admin.TabularInline):
    """Sessions of the accompagnement; their state moves only through the session services."""

    model = Seance
    extra = 0
    fields = ("debut", "demi_journees", "modalite", "lieu", "sujet", "etat", "realisee_le", "annulee_le", "comptee")
    readonly_fields = ("etat", "realisee_le", "annulee_le", "comptee")
    show_change_link = True


class AccompagnementEvenementInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = AccompagnementEvenement
    fields = ("created_at", "kind", "transition", "from_state_label", "to_state_label", "reason", "actor")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("état avant"))
    def from_state_label(self, obj: AccompagnementEvenement) -> str:
        return state_label(EtatAccompagnement, obj.from_state) if obj.from_state else "—"

    @admin.display(description=_("état après"))
    def to_state_label(self, obj: AccompagnementEvenement) -> str:
        return state_label(EtatAccompagnement, obj.to_state) if obj.to_state else "—"


@admin.register(Accompagnement)
class AccompagnementAdmin(ServiceAddAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("-created_at",)
    form = AccompagnementForm
    list_display = (
        "reference",
        "etat",
        "beneficiaire",
        "structure_beneficiaire",
        "mentors_display",
        "format_libelle",
        "demi_journees_prevues",
        "demi_journees_comptees",
        "programme",
        "created_at",
        "termine_le",
    )
    list_filter = (
        "etat",
        "programme",
        format_filter("format"),
        "structure_beneficiaire__departement",
        "structure_beneficiaire__type_structure",
    )
    search_fields = (
        "reference",
        "candidature__reference",
        "beneficiaire__email",
        "beneficiaire__last_name",
        "structure_beneficiaire__raison_sociale",
        "structure_beneficiaire__siret",
        "mentors__nom",
        "mentors__email",
    )
    date_hierarchy = "created_at"
    list_select_related = ("programme", "beneficiaire", "structure_beneficiaire", "format")
    autocomplete_fields = ("candidature", "format", "mentors", "suite_de")
    add_fieldsets = ((None, {"fields": ("candidature", "format", "demi_journees_prevues", "mentors", "suite_de")}),)
    fieldsets = (
        (None, {"fields": ("reference", "etat", "programme", "candidature", "suite_de")}),
        (_("Parties"), {"fields": ("beneficiaire", "structure_beneficiaire", "mentors")}),
        (_("Format"), {"fields": ("format", "demi_journees_prevues")}),
        (
            _("Suivi"),
            {"fields": ("grille_validee_beneficiaire_le", "grille_validee_mentor_le", "termine_le", "created_at", "updated_at")},
        ),
    )
    change_readonly_fields = (
        "reference",
        "etat",
        "programme",
        "candidature",
        "beneficiaire",
        "structure_beneficiaire",
        "format",
        "demi_journees_prevues",
        "grille_validee_beneficiaire_le",
        "grille_validee_mentor_le",
        "termine_le",
        "created_at",
        "updated_at",
    )
    inlines = (ObjectifInline, SeanceInline, AccompagnementEvenementInline)
    actions = ("action_abandonner",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("mentors")
            .annotate(_demi_journees_comptees=per_row(Seance.objects.comptees(), "accompagnement", Sum("demi_journees")))
        )

    def get_fieldsets(self, request: HttpRequest, obj: Accompagnement | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Accompagnement | None = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Accompagnement | None) -> Any:
        return () if obj is None else self.inlines

    @admin.display(description=_("personnes-ressources"))
    def mentors_display(self, obj: Accompagnement) -> str:
        return ", ".join(str(mentor) for mentor in obj.mentors.all()) or "—"

    @admin.display(description=_("format"), ordering="format__libelle")
    def format_libelle(self, obj: Accompagnement) -> str:
        return obj.format.libelle

    @admin.display(description=_("demi-journées planifiées ou consommées"), ordering="_demi_journees_comptees")
    def demi_journees_comptees(self, obj: Accompagnement) -> int:
        return getattr(obj, "_demi_journees_comptees", None) or 0

    def create_with_service(self, request: HttpRequest, obj: Accompagnement, form: Any) -> Accompagnement:
        data = form.cleaned_data
        return accompagnement_create(
            candidature=data["candidature"],
            format=data["format"],
            demi_journees=data["demi_journees_prevues"],
            mentors=data["mentors"],
            by=request.user,
            suite_de=data.get("suite_de"),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Seance:
            for seance in formset.save(commit=False):
                if seance.pk is None:
                    seance.planifiee_par = request.user
                seance.save()
            for seance in formset.deleted_objects:
                seance.delete()
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Abandonner l’accompagnement (avec motif)"), permissions=["change"])
    def action_abandonner(self, request: HttpRequest, queryset: Any) -> Any:
        def abandon(accompagnement: Accompagnement, reason: str) -> None:
            with transaction.atomic():
                accompagnement_transition(accompagnement=accompagnement, name="abandonner", by=request.user, reason=reason)

        return reason_action_view(
            self,
            request,
            queryset,
            title=_("Abandonner l’accompagnement"),
            intro=_(
                "Les demi-journées non consommées redeviennent disponibles pour la structure. Le motif est gardé dans l’historique."
            ),
            submit_label=_("Abandonner"),
            apply=abandon,
            success=lambda n: (
                ngettext("%(count)d accompagnement abandonné.", "%(count)d accompagnements abandonnés.", n) % {"count": n}
            ),
        )


@admin.register(AccompagnementEvenement)
class AccompagnementEvenementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("created_at", "accompagnement", "kind", "transition", "from_state_label", "to_state_label", "actor", "reason")
    list_filter = ("kind", "transition", "accompagnement__programme")
    search_fields = ("accompagnement__reference", "reason", "actor__email")
    date_hierarchy = "created_at"
    list_select_related = ("accompagnement", "actor")

    @admin.display(description=_("état avant"))
    def from_state_label(self, obj: AccompagnementEvenement) -> str:
        return state_label(EtatAccompagnement, obj.from_state) if obj.from_state else "—"

    @admin.display(description=_("état après"))
    def to_state_label(self, obj: AccompagnementEvenement) -> str:
        return state_label(EtatAccompagnement, obj.to_state) if obj.to_state else "—"


# --- Objectives grid ---------------------------------------------------------------------


class IndicateurInline(admin.TabularInline):
    model = Indicateur
    extra = 1
    fields = ("type_indicateur", "libelle", "description", "unite", "valeur_initiale", "cible")


@admin.register(Objectif)
class ObjectifAdmin(admin.ModelAdmin):
    # Explicit: the default ordering is dropped by Django on annotated (GROUP BY) querysets.
    ordering = ("accompagnement", "ordre", "id")
    list_display = (
        "intitule",
        "accompagnement",
        related_column("accompagnement__etat", _("état de l’accompagnement")),
        "ordre",
        "nombre_indicateurs",
        "updated_at",
    )
    list_filter = ("accompagnement__programme", "accompagnement__etat")
    search_fields = ("intitule", "critere_reussite", "accompagnement__reference")
    list_select_related = ("accompagnement",)
    autocomplete_fields = ("accompagnement",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (IndicateurInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(_nombre_indicateurs=per_row(Indicateur.objects.all(), "objectif"))

    @admin.display(description=_("indicateurs"), ordering="_nombre_indicateurs")
    def nombre_indicateurs(self, obj: Objectif) -> int:
        return getattr(obj, "_nombre_indicateurs", 0)


@admin.register(Indicateur)
class IndicateurAdmin(admin.ModelAdmin):
    list_display = (
        "libelle",
        "type_indicateur",
        "objectif",
        related_column("objectif__accompagnement", _("accompagnement")),
        "unite",
        "valeur_initiale",
        "cible",
    )
    list_filter = ("type_indicateur", "objectif__accompagnement__programme")
    search_fields = ("libelle", "description", "objectif__intitule", "objectif__accompagnement__reference")
    list_select_related = ("objectif__accompagnement",)
    autocomplete_fields = ("objectif",)


# --- Sessions ----------------------------------------------------------------------------


class RedigeParLabelMixin:
    """`redige_par` has no French label on the model: give it one in the form."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "redige_par":
            kwargs["label"] = _("Rédigé par")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class CompteRenduInline(RedigeParLabelMixin, admin.StackedInline):
    model = CompteRendu
    extra = 0
    max_num = 1
    can_delete = False
    fields = (
        "redige_par",
        "travaux",
        "outils",
        "progres",
        "prochaines_etapes",
        "soumis_le",
        "commentaire_beneficiaire",
        "commente_le",
    )
    autocomplete_fields = ("redige_par",)


class QuestionSeanceInline(admin.TabularInline):
    model = QuestionSeance
    extra = 0
    fields = ("texte", "auteur", "created_at")
    readonly_fields = ("auteur", "created_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("auteur")


SUPPORT_FILE_FIELDS = ("nom_original", "taille", "type_mime", "sha256")


class SupportTemoinInline(admin.TabularInline):
    """Links and observation grids can be added here; files come through the upload service."""

    model = SupportTemoin
    extra = 0
    fields = ("type_support", "titre", "url", "grille", *SUPPORT_FILE_FIELDS, ajoute_par, "created_at")
    readonly_fields = (*SUPPORT_FILE_FIELDS, ajoute_par, "created_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("ajoute_par")


@admin.register(Seance)
class SeanceAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "__str__",
        "debut",
        "demi_journees",
        "modalite",
        "etat",
        "comptee",
        "compte_rendu_remis",
        related_column("accompagnement__programme", _("programme")),
        "lieu",
    )
    list_filter = (
        "etat",
        "modalite",
        "comptee",
        "demi_journees",
        "accompagnement__programme",
        format_filter("accompagnement__format"),
    )
    search_fields = (
        "accompagnement__reference",
        "sujet",
        "lieu",
        "accompagnement__beneficiaire__email",
        "accompagnement__mentors__nom",
    )
    date_hierarchy = "debut"
    list_select_related = ("accompagnement__programme", "compte_rendu")
    autocomplete_fields = ("accompagnement",)
    readonly_fields = (
        "etat",
        "realisee_le",
        "annulee_le",
        "motif_annulation",
        "motif_valable",
        "comptee",
        planifiee_par,
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("accompagnement", "debut", "demi_journees", "modalite", "lieu", "lien_visio", "sujet")}),
        (_("État"), {"fields": ("etat", "realisee_le", "annulee_le", "motif_annulation", "motif_valable", "comptee")}),
        (_("Coordination"), {"fields": ("note_coordination", planifiee_par, "created_at", "updated_at")}),
    )
    inlines = (CompteRenduInline, QuestionSeanceInline, SupportTemoinInline)

    @admin.display(description=_("compte-rendu remis"), boolean=True)
    def compte_rendu_remis(self, obj: Seance) -> bool:
        compte_rendu = getattr(obj, "compte_rendu", None)
        return bool(compte_rendu and compte_rendu.soumis_le)

    def save_model(self, request: HttpRequest, obj: Seance, form: Any, change: bool) -> None:
        if not change:
            obj.planifiee_par = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model in (QuestionSeance, SupportTemoin):
            author_field = "auteur" if formset.model is QuestionSeance else "ajoute_par"
            for obj in formset.save(commit=False):
                if obj.pk is None:
                    setattr(obj, author_field, request.user)
                obj.save()
            for obj in formset.deleted_objects:
                obj.delete()
            return
        super().save_formset(request, form, formset, change)


@admin.register(CompteRendu)
class CompteRenduAdmin(RedigeParLabelMixin, admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "__str__",
        related_column("seance__debut", _("séance du")),
        related_column("redige_par", _("rédigé par")),
        "soumis_le",
        "commente_le",
        "updated_at",
    )
    list_filter = (("soumis_le", admin.EmptyFieldListFilter), "seance__accompagnement__programme")
    search_fields = ("seance__accompagnement__reference", "travaux", "redige_par__email")
    date_hierarchy = "soumis_le"
    list_select_related = ("seance__accompagnement", "redige_par")
    autocomplete_fields = ("seance", "redige_par")
    readonly_fields = ("created_at", "updated_at")


@admin.register(QuestionSeance)
class QuestionSeanceAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("apercu", "seance", "auteur", "created_at")
    list_filter = ("seance__accompagnement__programme",)
    search_fields = ("texte", "seance__accompagnement__reference", "auteur__email")
    date_hierarchy = "created_at"
    list_select_related = ("seance__accompagnement", "auteur")
    autocomplete_fields = ("seance",)
    readonly_fields = ("auteur", "created_at")

    @admin.display(description=_("question"))
    def apercu(self, obj: QuestionSeance) -> str:
        return obj.texte[:80]

    def save_model(self, request: HttpRequest, obj: QuestionSeance, form: Any, change: bool) -> None:
        if not change:
            obj.auteur = request.user
        super().save_model(request, obj, form, change)


@admin.register(SupportTemoin)
class SupportTemoinAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("titre", "type_support", "seance", "nom_original", "taille", ajoute_par, "created_at")
    list_filter = ("type_support", "seance__accompagnement__programme")
    search_fields = ("titre", "nom_original", "url", "seance__accompagnement__reference")
    date_hierarchy = "created_at"
    list_select_related = ("seance__accompagnement", "ajoute_par")
    autocomplete_fields = ("seance",)
    fields = ("seance", "type_support", "titre", "url", "grille", *SUPPORT_FILE_FIELDS, ajoute_par, "created_at")
    readonly_fields = (*SUPPORT_FILE_FIELDS, ajoute_par, "created_at")

    def save_model(self, request: HttpRequest, obj: SupportTemoin, form: Any, change: bool) -> None:
        if not change:
            obj.ajoute_par = request.user
        super().save_model(request, obj, form, change)


@admin.register(FluxCalendrier)
class FluxCalendrierAdmin(admin.ModelAdmin):
    """Private calendar feeds: the secret token is never shown; deleting a feed revokes it."""

    list_display = ("user", "created_at")
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FluxCalendrier | None = None) -> bool:
        return False
