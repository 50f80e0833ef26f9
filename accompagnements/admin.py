"""Back office: accompagnements, their objectives grid, sessions, reports and supporting records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from annuaire.models import PersonneRessource
from candidatures.models import Etat as EtatCandidature
from core.admin_colonnes import ComptesParLigneMixin, EtatsLabelsMixin, HistoriqueInlineMixin, colonne_compte
from core.admin_helpers import (
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ServiceAdminMixin,
    ServiceInlineMixin,
    per_row,
    reason_action_view,
    related_column,
)
from core.admin_imports import ImportAdminMixin
from core.admin_rows import CaseActionMixin, FastRowsMixin
from core.exceptions import DomainError, RuleViolation
from programmes.admin import duree_filter, format_filter, seance_duree_max
from programmes.rules import check_demi_journees

from .imports import AccompagnementHistoriqueImporter
from .models import (
    Accompagnement,
    AccompagnementEvenement,
    AccompagnementHistorique,
    CompteRendu,
    ConfirmationSeance,
    Creneau,
    EtatAccompagnement,
    EtatSeance,
    FluxCalendrier,
    Indicateur,
    Objectif,
    PartieTerminee,
    QuestionSeance,
    Seance,
    SupportTemoin,
    TypeSupport,
)
from .services import (
    accompagnement_create,
    accompagnement_transition,
    flux_calendrier_revoke,
    objectif_commenter,
    seance_cancel,
    seance_plan,
    seance_reschedule,
    support_add_grille,
    support_add_link,
)

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


# The grid is written by the mentor and the beneficiary (objectif_* services, which re-open a validated
# grid); the coordination only comments, through objectif_commenter.
OBJECTIF_GRID_FIELDS = ("accompagnement", "ordre", "intitule", "critere_reussite")


class ObjectifInline(ServiceInlineMixin, admin.TabularInline):
    model = Objectif
    extra = 0
    can_delete = False
    fields = ("ordre", "intitule", "critere_reussite", "commentaire_coordination")
    readonly_fields = ("ordre", "intitule", "critere_reussite")
    show_change_link = True
    service_change = "accompagnements.services.objectif_commenter"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def update_with_service(self, request: HttpRequest, parent: Accompagnement, obj: Objectif, form: Any) -> Objectif:
        return objectif_commenter(
            objectif=obj, commentaire=form.cleaned_data.get("commentaire_coordination", ""), by=request.user
        )


# The planning of a session: checked by seance_plan / seance_reschedule (half-days of the convention and
# of the programme, place or video link), written only by them.
SEANCE_PLANNING_FIELDS = ("debut", "demi_journees", "modalite", "lieu", "lien_visio", "sujet")
SEANCE_STATE_FIELDS = (
    "etat",
    "realisee_le",
    "annulee_le",
    "motif_annulation",
    "motif_valable",
    "comptee",
    "sequence",
    "service_fait",
)


def _seance_plan_from_form(request: HttpRequest, accompagnement: Accompagnement, form: Any) -> Seance:
    data = form.cleaned_data
    return seance_plan(
        accompagnement=accompagnement,
        debut=data["debut"],
        demi_journees=data["demi_journees"],
        modalite=data["modalite"],
        lieu=data.get("lieu") or "",
        lien_visio=data.get("lien_visio") or "",
        sujet=data.get("sujet") or "",
        by=request.user,
    )


def _seance_reschedule_from_form(request: HttpRequest, seance: Seance, form: Any) -> Seance:
    """Move the session through the service if its planning changed (the form already set the new values on `seance`)."""
    if not set(form.changed_data) & set(SEANCE_PLANNING_FIELDS):
        return seance
    current = Seance.objects.select_related("accompagnement").get(pk=seance.pk)
    return seance_reschedule(
        seance=current,
        debut=seance.debut,
        demi_journees=seance.demi_journees,
        modalite=seance.modalite,
        lieu=seance.lieu,
        lien_visio=seance.lien_visio,
        sujet=seance.sujet,
        by=request.user,
    )


class SeanceInline(ServiceInlineMixin, admin.TabularInline):
    """Sessions of the accompagnement: planned and moved through the session services, never deleted here."""

    model = Seance
    extra = 0
    can_delete = False
    fields = ("debut", "demi_journees", "modalite", "lieu", "lien_visio", "sujet", "etat", "realisee_le", "annulee_le", "comptee")
    readonly_fields = ("etat", "realisee_le", "annulee_le", "comptee")
    show_change_link = True
    service_add = "accompagnements.services.seance_plan"
    service_change = "accompagnements.services.seance_reschedule"

    def create_with_service(self, request: HttpRequest, parent: Accompagnement, obj: Seance, form: Any) -> Seance:
        return _seance_plan_from_form(request, parent, form)

    def update_with_service(self, request: HttpRequest, parent: Accompagnement, obj: Seance, form: Any) -> Seance:
        return _seance_reschedule_from_form(request, obj, form)


class AccompagnementEvenementInline(HistoriqueInlineMixin, admin.TabularInline):
    model = AccompagnementEvenement
    etats = EtatAccompagnement


@admin.register(Accompagnement)
class AccompagnementAdmin(FastRowsMixin, CaseActionMixin, ServiceAdminMixin, admin.ModelAdmin):
    # Created by accompagnement_create (rules of the format and the structure, reference, history); its
    # state moves by transitions; the parties and the half-days are those of the convention.
    service_owned_fields = (
        "reference",
        "etat",
        "programme",
        "candidature",
        "beneficiaire",
        "structure_beneficiaire",
        "format",
        "demi_journees_prevues",
        "mentors",
        "suite_de",
        "grille_validee_beneficiaire_le",
        "grille_validee_mentor_le",
        "termine_le",
    )
    service_add = "accompagnements.services.accompagnement_create"
    only_services_create = True
    only_services_delete = True
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
    change_readonly_fields = (*service_owned_fields, "created_at", "updated_at")
    inlines = (ObjectifInline, SeanceInline, AccompagnementEvenementInline)
    actions = ("action_abandonner",)

    def page_rows(self, queryset: Any) -> Any:
        # What the columns, the rows' names (reference) and the related rows' names read; the mentors' names.
        return (
            queryset.only(
                "reference",
                "etat",
                "demi_journees_prevues",
                "created_at",
                "termine_le",
                "programme__nom",
                "beneficiaire__first_name",
                "beneficiaire__last_name",
                "beneficiaire__email",
                "structure_beneficiaire__raison_sociale",
                "structure_beneficiaire__commune",
                "format__libelle",
            )
            .prefetch_related(None)
            .prefetch_related(Prefetch("mentors", queryset=PersonneRessource.objects.only("prenom", "nom")))
        )

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

    def has_delete_permission(self, request: HttpRequest, obj: Accompagnement | None = None) -> bool:
        # Its history, sessions, conventions and ledger lines hang on it: it is abandoned, never deleted.
        return False

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
class AccompagnementEvenementAdmin(EtatsLabelsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    etats = EtatAccompagnement
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("created_at", "accompagnement", "kind", "transition", "from_state_label", "to_state_label", "actor", "reason")
    list_filter = ("kind", "transition", "accompagnement__programme")
    search_fields = ("accompagnement__reference", "reason", "actor__email")
    date_hierarchy = "created_at"
    list_select_related = ("accompagnement", "actor")


# --- Objectives grid ---------------------------------------------------------------------


class IndicateurInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Indicators are part of the grid the mentor and the beneficiary write (indicateur_* services)."""

    model = Indicateur
    fields = ("type_indicateur", "libelle", "description", "unite", "valeur_initiale", "cible")


@admin.register(Objectif)
class ObjectifAdmin(ComptesParLigneMixin, ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = (*OBJECTIF_GRID_FIELDS, "commentaire_coordination")
    service_change = "accompagnements.services.objectif_commenter"
    only_services_create = True
    only_services_delete = True
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
    readonly_fields = (*OBJECTIF_GRID_FIELDS, "created_at", "updated_at")
    inlines = (IndicateurInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Objectif | None = None) -> bool:
        return False

    def update_with_service(self, request: HttpRequest, obj: Objectif, form: Any) -> Objectif:
        if "commentaire_coordination" not in form.changed_data:
            return obj
        current = Objectif.objects.get(pk=obj.pk)
        return objectif_commenter(objectif=current, commentaire=form.cleaned_data["commentaire_coordination"], by=request.user)

    comptes_par_ligne = {"_nombre_indicateurs": (Indicateur, "objectif")}
    nombre_indicateurs = colonne_compte("_nombre_indicateurs", _("indicateurs"))


@admin.register(Indicateur)
class IndicateurAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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


class CompteRenduInline(ReadOnlyInlineMixin, admin.StackedInline):
    """Written by the mentor (compte_rendu_submit) and commented by the beneficiary: shown, not edited."""

    model = CompteRendu
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


class QuestionSeanceInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Asked by the beneficiary or the mentor (question_seance_add), up to the programme's delay before the session."""

    model = QuestionSeance
    fields = ("texte", "auteur", "created_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("auteur")


SUPPORT_FILE_FIELDS = ("nom_original", "taille", "type_mime", "sha256")


def _support_add(request: HttpRequest, seance: Seance, form: Any) -> SupportTemoin:
    """A link or an observation grid, through its service; files only through the upload page (checks, antivirus)."""
    data = form.cleaned_data
    type_support = data.get("type_support")
    if type_support == TypeSupport.LIEN:
        return support_add_link(seance=seance, titre=data.get("titre") or "", url=data.get("url") or "", by=request.user)
    if type_support == TypeSupport.GRILLE:
        return support_add_grille(seance=seance, titre=data.get("titre") or "", grille=data.get("grille") or {}, by=request.user)
    raise RuleViolation(gettext("Un fichier se dépose depuis la page de la séance, où il est vérifié."), field="type_support")


class SupportTemoinInline(ServiceInlineMixin, admin.TabularInline):
    """Links and observation grids can be added here through their services; files come through the upload page."""

    model = SupportTemoin
    extra = 0
    can_delete = False
    fields = ("type_support", "titre", "url", "grille", *SUPPORT_FILE_FIELDS, ajoute_par, "created_at")
    readonly_fields = (*SUPPORT_FILE_FIELDS, ajoute_par, "created_at")
    service_add = ("accompagnements.services.support_add_link", "accompagnements.services.support_add_grille")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, parent: Seance, obj: SupportTemoin, form: Any) -> SupportTemoin:
        return _support_add(request, parent, form)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("ajoute_par")


@admin.register(Seance)
class SeanceAdmin(FastRowsMixin, CaseActionMixin, ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ("accompagnement", *SEANCE_PLANNING_FIELDS, *SEANCE_STATE_FIELDS, "planifiee_par")
    service_add = "accompagnements.services.seance_plan"
    service_change = "accompagnements.services.seance_reschedule"
    only_services_create = True
    only_services_delete = True
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
        duree_filter("demi_journees", Seance._meta.get_field("demi_journees").verbose_name, seance_duree_max),
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
        "service_fait",
        planifiee_par,
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("accompagnement", "debut", "demi_journees", "modalite", "lieu", "lien_visio", "sujet")}),
        (
            _("État"),
            {"fields": ("etat", "realisee_le", "annulee_le", "motif_annulation", "motif_valable", "comptee", "service_fait")},
        ),
        (_("Coordination"), {"fields": ("note_coordination", planifiee_par, "created_at", "updated_at")}),
    )
    inlines = (CompteRenduInline, QuestionSeanceInline, SupportTemoinInline)
    actions = ("action_annuler",)

    def page_rows(self, queryset: Any) -> Any:
        # What the columns and the rows' names (the accompagnement's reference, the date) read.
        return queryset.only(
            "debut",
            "demi_journees",
            "modalite",
            "etat",
            "comptee",
            "lieu",
            "accompagnement__reference",
            "accompagnement__programme__nom",
            "compte_rendu__soumis_le",
        )

    @admin.display(description=_("compte-rendu remis"), boolean=True)
    def compte_rendu_remis(self, obj: Seance) -> bool:
        compte_rendu = getattr(obj, "compte_rendu", None)
        return bool(compte_rendu and compte_rendu.soumis_le)

    def get_readonly_fields(self, request: HttpRequest, obj: Seance | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        readonly = ("accompagnement", *self.readonly_fields)
        if obj.etat != EtatSeance.PLANIFIEE:
            # Only a planned session moves (seance_reschedule); a held or cancelled one keeps its planning.
            readonly = (*SEANCE_PLANNING_FIELDS, *readonly)
        return readonly

    def has_delete_permission(self, request: HttpRequest, obj: Seance | None = None) -> bool:
        # A session is cancelled (seance_cancel, with its reason and whether it counts), never deleted.
        return False

    def create_with_service(self, request: HttpRequest, obj: Seance, form: Any) -> Seance:
        seance = _seance_plan_from_form(request, form.cleaned_data["accompagnement"], form)
        if form.cleaned_data.get("note_coordination"):
            seance.note_coordination = form.cleaned_data["note_coordination"]
            seance.save(update_fields=["note_coordination", "updated_at"])
        return seance

    def update_with_service(self, request: HttpRequest, obj: Seance, form: Any) -> Seance:
        seance = _seance_reschedule_from_form(request, obj, form)
        if "note_coordination" in form.changed_data:
            Seance.objects.filter(pk=obj.pk).update(note_coordination=form.cleaned_data["note_coordination"])
        return seance

    @admin.action(description=_("Annuler la séance (avec motif)"), permissions=["change"])
    def action_annuler(self, request: HttpRequest, queryset: Any) -> Any:
        return reason_action_view(
            self,
            request,
            queryset,
            title=_("Annuler la séance"),
            intro=_("Le motif est gardé dans l’historique de l’accompagnement ; les participants sont prévenus."),
            submit_label=_("Annuler la séance"),
            apply=lambda seance, reason: seance_cancel(seance=seance, motif=reason, by=request.user),
            success=lambda n: ngettext("%(count)d séance annulée.", "%(count)d séances annulées.", n) % {"count": n},
        )


@admin.register(CompteRendu)
class CompteRenduAdmin(FastRowsMixin, ReadOnlyAdminMixin, RedigeParLabelMixin, admin.ModelAdmin):
    """Written by the mentor (compte_rendu_submit), commented by the beneficiary: shown here."""

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


@admin.register(QuestionSeance)
class QuestionSeanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Asked by the beneficiary or the mentor (question_seance_add): shown here."""

    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("apercu", "seance", "auteur", "created_at")
    list_filter = ("seance__accompagnement__programme",)
    search_fields = ("texte", "seance__accompagnement__reference", "auteur__email")
    date_hierarchy = "created_at"
    list_select_related = ("seance__accompagnement", "auteur")

    @admin.display(description=_("question"))
    def apercu(self, obj: QuestionSeance) -> str:
        return obj.texte[:80]


@admin.register(SupportTemoin)
class SupportTemoinAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Links and grids added through their services; files through the session page (checks, antivirus)."""

    service_owned_fields = "__all__"
    service_add = ("accompagnements.services.support_add_link", "accompagnements.services.support_add_grille")
    only_services_create = True
    only_services_delete = True
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("titre", "type_support", "seance", "nom_original", "taille", ajoute_par, "created_at")
    list_filter = ("type_support", "seance__accompagnement__programme")
    search_fields = ("titre", "nom_original", "url", "seance__accompagnement__reference")
    date_hierarchy = "created_at"
    list_select_related = ("seance__accompagnement", "ajoute_par")
    autocomplete_fields = ("seance",)
    fields = ("seance", "type_support", "titre", "url", "grille", *SUPPORT_FILE_FIELDS, ajoute_par, "created_at")
    readonly_fields = (*SUPPORT_FILE_FIELDS, ajoute_par, "created_at")

    def has_change_permission(self, request: HttpRequest, obj: SupportTemoin | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SupportTemoin | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: SupportTemoin, form: Any) -> SupportTemoin:
        return _support_add(request, form.cleaned_data["seance"], form)


@admin.register(FluxCalendrier)
class FluxCalendrierAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Private calendar feeds: the secret token is never shown; deleting a feed revokes it (flux_calendrier_revoke)."""

    service_owned_fields = "__all__"
    only_services_create = True
    only_services_delete = True
    service_delete = "accompagnements.services.flux_calendrier_revoke"

    list_display = ("user", "created_at")
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FluxCalendrier | None = None) -> bool:
        return False

    def delete_with_service(self, request: HttpRequest, obj: FluxCalendrier) -> None:
        flux_calendrier_revoke(user=obj.user)


@admin.register(Creneau)
class CreneauAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Availability slots: published by the mentor (creneaux_publish), booked by the beneficiary or the
    coordination from the accompagnement's page (creneau_book): shown here."""

    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = ("debut", "demi_journees", "mentor", "modalite", "lieu", "seance")
    list_filter = (
        ("seance", admin.EmptyFieldListFilter),
        "modalite",
        # A half-day or a day: the model's check constraint (creneau_demi_journee_ou_journee).
        duree_filter("demi_journees", Creneau._meta.get_field("demi_journees").verbose_name, lambda: 2),
    )
    search_fields = ("mentor__nom", "mentor__prenom", "mentor__email", "lieu", "seance__accompagnement__reference")
    date_hierarchy = "debut"
    list_select_related = ("mentor", "seance__accompagnement")


@admin.register(ConfirmationSeance)
class ConfirmationSeanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Service fait: each party's answer (seance_confirmer) is part of the record: view only here."""

    list_display = ("seance", "partie", "personne", "tenue", "created_at")
    list_filter = ("partie", "tenue")
    search_fields = ("seance__accompagnement__reference", "personne__email")
    list_select_related = ("seance__accompagnement", "personne")


@admin.register(AccompagnementHistorique)
class AccompagnementHistoriqueAdmin(ImportAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Past accompaniments from the coordination's records: brought in by the « Importer » page only
    (accompagnement_historique_importer), then read-only."""

    importer_class = AccompagnementHistoriqueImporter
    list_display = (
        "reference",
        "programme",
        "format",
        "structure_beneficiaire",
        "beneficiaire_nom",
        "date_debut",
        "date_fin",
        "demi_journees",
        "montant",
    )
    list_filter = ("programme", format_filter("format"))
    search_fields = ("reference", "reference_origine", "structure_beneficiaire__raison_sociale", "beneficiaire_nom")
    list_select_related = ("programme", "format", "structure_beneficiaire")
    date_hierarchy = "date_debut"
    readonly_fields = (
        "reference",
        "reference_origine",
        "programme",
        "format",
        "structure_beneficiaire",
        "beneficiaire_nom",
        "beneficiaire_email",
        "mentors",
        "date_debut",
        "date_fin",
        "demi_journees",
        "montant",
        "importe_par",
        "created_at",
    )


@admin.register(PartieTerminee)
class PartieTermineeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by personne_ressource_terminer from the accompaniment's page: shown here, never edited."""

    list_display = ("accompagnement", "personne_ressource", "par", "created_at")
    list_select_related = ("accompagnement", "personne_ressource", "par")
