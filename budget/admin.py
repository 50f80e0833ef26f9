"""Back office: the envelope and the budget lines.

Budget lines are immutable: an existing line is shown read-only and never deleted (a correction
is a new line). New commitments and other costs, and every change of the envelope's amount, go
through `budget.services`, which lock the envelope row. The add forms check the same rules first
so that a refusal shows on the form; if the envelope changed in between, the service's refusal
is shown as an error message and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ateliers.models import Atelier
from core.admin_helpers import (
    LongListMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ServiceAdminMixin,
    ServiceInlineMixin,
    related_column,
    scoped_queryset,
)
from core.admin_rows import FastRowsMixin
from core.exceptions import DomainError
from core.money import format_euros
from core.uploads import check_upload
from programmes.admin import ProgrammeAdmin as BaseProgrammeAdmin
from programmes.models import Programme
from programmes.rules import check_montant_positif

from .models import (
    AutreDepense,
    Contribution,
    Engagement,
    Enveloppe,
    Export,
    Facture,
    FactureAtelier,
    FactureEvenement,
    FactureSeance,
    Financeur,
    Imputation,
    Paiement,
    ResumeProgramme,
)
from .services import (
    TermesContribution,
    autre_depense_create,
    contribution_create,
    contribution_update,
    engagement_create,
    enveloppe_set,
    financeur_create,
    regle_repartition_set,
)


def euros_column(field: str, description: str) -> Callable[[Any, Any], str]:
    """A ModelAdmin column (a method: list it by its attribute name) showing a money field in euros."""

    @admin.display(description=description, ordering=field)
    def column(model_admin: Any, obj: Any) -> str:
        return format_euros(getattr(obj, field))

    return column


def _check_envelope_capacity(*, programme_id: int, montant: Decimal, what: str) -> None:
    """Form-level preview of the services' envelope rule (read without lock; the service re-checks)."""
    enveloppe = Enveloppe.objects.filter(programme_id=programme_id).first()
    if enveloppe is None:
        raise forms.ValidationError(gettext("Ce programme n’a pas encore d’enveloppe budgétaire."))
    if montant > 0 and enveloppe.engage + enveloppe.autres_depenses + montant > enveloppe.montant:
        raise forms.ValidationError(
            gettext("L’enveloppe ne peut pas porter %(what)s de %(montant)s : il reste %(reste)s disponibles sur %(total)s.")
            % {
                "what": what,
                "montant": format_euros(montant),
                "reste": format_euros(enveloppe.disponible),
                "total": format_euros(enveloppe.montant),
            }
        )
    if montant < 0 and enveloppe.engage + montant < 0:
        raise forms.ValidationError(gettext("Cette correction rendrait le total engagé négatif."))


class ImmutableLineAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """An existing line is view-only; no line is ever deleted."""

    # A ledger line: every field is the service's, written once; a correction is a new line.
    service_owned_fields = "__all__"
    only_services_create = True
    only_services_delete = True

    add_form: type[forms.ModelForm] | None = None
    add_fields: tuple[str, ...] = ()
    view_fields: tuple[str, ...] = ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fields if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.view_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None and self.add_form is not None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    montant_euros = euros_column("montant", _("montant"))


# --- Envelope ----------------------------------------------------------------------------


class EnveloppeForm(forms.ModelForm):
    class Meta:
        model = Enveloppe
        fields = ("programme", "montant", "regle_repartition")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out, the rule stays as it is (it only matters once the programme has contributions).
        self.fields["regle_repartition"].required = False

    def clean_montant(self) -> Decimal:
        montant = self.cleaned_data["montant"]
        if self.instance.pk is not None:
            used = self.instance.engage + self.instance.autres_depenses
            if montant < used:
                raise forms.ValidationError(
                    gettext("L’enveloppe ne peut pas être inférieure à ce qui est déjà engagé et dépensé (%(used)s).")
                    % {"used": format_euros(used)}
                )
        return montant


@admin.register(Enveloppe)
class EnveloppeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    # `engage` and `autres_depenses` only move with the budget lines; the amount through enveloppe_set (locks).
    service_owned_fields = ("programme", "montant", "engage", "autres_depenses", "regle_repartition")
    service_add = ("budget.services.enveloppe_set", "budget.services.regle_repartition_set")
    service_change = ("budget.services.enveloppe_set", "budget.services.regle_repartition_set")
    only_services_delete = True
    form = EnveloppeForm
    list_display = ("programme", "montant_euros", "engage_euros", "autres_depenses_euros", "disponible_euros", "taux_utilisation")
    list_filter = ("programme__appel_ouvert",)
    search_fields = ("programme__nom", "programme__slug")
    list_select_related = ("programme",)
    fields = ("programme", "montant", "regle_repartition", "engage", "autres_depenses", "disponible_euros")

    def get_readonly_fields(self, request: HttpRequest, obj: Enveloppe | None = None) -> Any:
        # `engage` and `autres_depenses` only move with the budget lines that cause them.
        readonly = ["engage", "autres_depenses", "disponible_euros"]
        return readonly if obj is None else ["programme", *readonly]

    def has_delete_permission(self, request: HttpRequest, obj: Enveloppe | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Enveloppe, form: Any) -> Enveloppe:
        return self._save(request, form.cleaned_data["programme"], form)

    def update_with_service(self, request: HttpRequest, obj: Enveloppe, form: Any) -> Enveloppe:
        return self._save(request, obj.programme, form)

    def _save(self, request: HttpRequest, programme: Programme, form: Any) -> Enveloppe:
        enveloppe = enveloppe_set(programme=programme, montant=form.cleaned_data["montant"])
        if form.cleaned_data.get("regle_repartition"):
            enveloppe = regle_repartition_set(programme=programme, regle=form.cleaned_data["regle_repartition"], by=request.user)
        return enveloppe

    montant_euros = euros_column("montant", _("enveloppe"))
    engage_euros = euros_column("engage", _("engagé"))
    autres_depenses_euros = euros_column("autres_depenses", _("autres dépenses"))

    @admin.display(description=_("disponible"))
    def disponible_euros(self, obj: Enveloppe) -> str:
        return format_euros(obj.disponible) if obj.pk else "—"

    @admin.display(description=_("utilisé"))
    def taux_utilisation(self, obj: Enveloppe) -> str:
        if not obj.montant:
            return "—"
        return f"{(obj.engage + obj.autres_depenses) * 100 / obj.montant:.0f} %"


# --- Commitments -------------------------------------------------------------------------


class EngagementAddForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ("accompagnement", "convention", "montant", "libelle", "note")
        help_texts = {"montant": _("Un montant négatif est un ajustement (avenant qui réduit la convention).")}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        accompagnement = data.get("accompagnement")
        convention = data.get("convention")
        montant = data.get("montant")
        if accompagnement is not None and convention is not None and convention.accompagnement_id != accompagnement.pk:
            self.add_error("convention", gettext("Cette convention ne concerne pas l’accompagnement choisi."))
        if montant is not None and montant == 0:
            self.add_error("montant", gettext("Le montant d’un engagement doit être un montant en euros non nul."))
        elif accompagnement is not None and montant is not None:
            try:
                _check_envelope_capacity(
                    programme_id=accompagnement.programme_id, montant=montant, what=gettext("cet engagement")
                )
            except forms.ValidationError as error:
                self.add_error("montant", error)
        return data


@admin.register(Engagement)
class EngagementAdmin(FastRowsMixin, LongListMixin, ImmutableLineAdmin):
    service_add = "budget.services.engagement_create"
    add_form = EngagementAddForm
    add_fields = ("accompagnement", "convention", "montant", "libelle", "note")
    view_fields = ("programme", "accompagnement", "convention", "montant", "libelle", "note", "created_by", "created_at")
    list_display = ("created_at", "libelle", "accompagnement", "convention", "programme", "montant_euros", "created_by")
    list_filter = ("programme", ("convention", admin.EmptyFieldListFilter))
    search_fields = ("libelle", "note", "accompagnement__reference", "convention__reference")
    date_hierarchy = "created_at"
    list_select_related = ("programme", "accompagnement", "convention", "created_by")
    autocomplete_fields = ("accompagnement", "convention")

    def create_with_service(self, request: HttpRequest, obj: Engagement, form: Any) -> Engagement:
        data = form.cleaned_data
        return engagement_create(
            accompagnement=data["accompagnement"],
            montant=data["montant"],
            libelle=data["libelle"],
            by=request.user,
            convention=data.get("convention"),
            note=data.get("note", ""),
        )


# --- Payments ----------------------------------------------------------------------------


@admin.register(Paiement)
class PaiementAdmin(FastRowsMixin, LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Payments are recorded by the budget service (delivered days, corrections): view only here."""

    list_display = (
        "date_paiement",
        "reference_facture",
        "structure",
        "accompagnement",
        "atelier",
        related_column("accompagnement__programme", _("programme")),
        "montant_euros",
        "corrige",
        "depassement_autorise",
        "created_by",
    )
    list_filter = ("accompagnement__programme", "depassement_autorise", "structure__departement")
    search_fields = (
        "reference_facture",
        "note",
        "accompagnement__reference",
        "atelier__titre",
        "structure__raison_sociale",
        "structure__siret",
    )
    date_hierarchy = "date_paiement"
    list_select_related = ("structure", "accompagnement__programme", "atelier", "corrige", "created_by")
    montant_euros = euros_column("montant", _("montant"))

    def get_queryset(self, request: HttpRequest) -> Any:
        # The scope follows the accompagnement's path to the programme; a workshop's payment has none, so
        # it is scoped by its workshop's programme here.
        ateliers = scoped_queryset(request, Atelier.objects.all())
        return super().get_queryset(request).filter(Q(atelier__isnull=True) | Q(atelier__in=ateliers))


# --- Other costs -------------------------------------------------------------------------


class AutreDepenseAddForm(forms.ModelForm):
    class Meta:
        model = AutreDepense
        fields = ("programme", "categorie", "libelle", "date_depense", "montant", "justificatif", "note")

    checked_upload = None

    def clean_justificatif(self) -> Any:
        """The receipt goes through the same checks as every upload (content, size, type); stored under a server name."""
        upload = self.cleaned_data.get("justificatif")
        if upload:
            self.checked_upload = check_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        programme = data.get("programme")
        montant = data.get("montant")
        if montant is None:
            return data
        try:
            check_montant_positif(montant)
        except DomainError as error:
            self.add_error("montant", error.message)
            return data
        if programme is not None:
            try:
                _check_envelope_capacity(programme_id=programme.pk, montant=montant, what=gettext("cette dépense"))
            except forms.ValidationError as error:
                self.add_error("montant", error)
        return data


@admin.register(AutreDepense)
class AutreDepenseAdmin(LongListMixin, ImmutableLineAdmin):
    service_add = "budget.services.autre_depense_create"
    add_form = AutreDepenseAddForm
    add_fields = ("programme", "categorie", "libelle", "date_depense", "montant", "justificatif", "note")
    view_fields = (
        "programme",
        "categorie",
        "libelle",
        "date_depense",
        "montant",
        "justificatif_nom",
        "corrige",
        "note",
        "created_by",
        "created_at",
    )
    list_display = ("date_depense", "categorie", "libelle", "programme", "montant_euros", "justificatif_nom", "created_by")
    list_filter = ("categorie", "programme")
    search_fields = ("libelle", "note")
    date_hierarchy = "date_depense"
    list_select_related = ("programme", "created_by")

    @admin.display(description=_("justificatif"))
    def justificatif_nom(self, obj: AutreDepense) -> str:
        # Receipts are not served under a public media URL: show the file name only.
        return obj.justificatif.name.rsplit("/", 1)[-1] if obj.justificatif else "—"

    def create_with_service(self, request: HttpRequest, obj: AutreDepense, form: Any) -> AutreDepense:
        data = form.cleaned_data
        return autre_depense_create(
            programme=data["programme"],
            categorie=data["categorie"],
            libelle=data["libelle"],
            date_depense=data["date_depense"],
            montant=data["montant"],
            by=request.user,
            justificatif=form.checked_upload.stored_file() if form.checked_upload else None,
            note=data.get("note", ""),
        )


# --- Funders ------------------------------------------------------------------------------


@admin.register(Financeur)
class FinanceurAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The reference list of funders: names the coordination edits as data."""

    # A name and a display order: plain reference data, no rule beyond a unique name.
    service_owned_fields = ()
    service_add = "budget.services.financeur_create"
    only_services_delete = True
    list_display = ("nom", "ordre")
    search_fields = ("nom",)

    def has_delete_permission(self, request: HttpRequest, obj: Financeur | None = None) -> bool:
        return False  # a funder of a contribution stays in the list (PROTECT)

    def create_with_service(self, request: HttpRequest, obj: Financeur, form: Any) -> Financeur:
        return financeur_create(nom=form.cleaned_data["nom"], ordre=form.cleaned_data["ordre"], by=request.user)


# Every field of a contribution is written through contribution_create / contribution_update
# (the envelope follows the sum of the contributions; the running totals only move with the lines).
CONTRIBUTION_CHAMPS = (
    "montant",
    "reference_convention",
    "date_debut",
    "date_fin",
    "finance_demi_journees",
    "finance_essaimage",
    "finance_autres",
    "priorite",
)


def _termes(data: dict[str, Any]) -> TermesContribution:
    return TermesContribution(**{champ: data[champ] for champ in CONTRIBUTION_CHAMPS})


@admin.register(Contribution)
class ContributionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = "__all__"
    service_add = "budget.services.contribution_create"
    service_change = "budget.services.contribution_update"
    only_services_create = True
    only_services_delete = True
    list_display = ("financeur", "programme", "montant_euros", "engage_euros", "paye_euros", "autres_euros", "priorite")
    list_filter = ("programme", "financeur")
    list_select_related = ("programme", "financeur")
    readonly_fields = ("engage", "paye", "autres")

    def get_fields(self, request: HttpRequest, obj: Contribution | None = None) -> Any:
        return ("programme", "financeur", *CONTRIBUTION_CHAMPS, "engage", "paye", "autres")

    def get_readonly_fields(self, request: HttpRequest, obj: Contribution | None = None) -> Any:
        return ("engage", "paye", "autres") if obj is None else ("programme", "financeur", "engage", "paye", "autres")

    def has_delete_permission(self, request: HttpRequest, obj: Contribution | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Contribution, form: Any) -> Contribution:
        data = form.cleaned_data
        return contribution_create(
            programme=data["programme"], financeur=data["financeur"], termes=_termes(data), by=request.user
        )

    def update_with_service(self, request: HttpRequest, obj: Contribution, form: Any) -> Contribution:
        return contribution_update(contribution=obj, termes=_termes(form.cleaned_data), by=request.user)

    montant_euros = euros_column("montant", _("apporté"))
    engage_euros = euros_column("engage", _("engagé"))
    paye_euros = euros_column("paye", _("payé"))
    autres_euros = euros_column("autres", _("autres dépenses"))


@admin.register(Imputation)
class ImputationAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The parts of each budget line borne by each contribution, written by budget.repartition: view only."""

    list_display = ("created_at", "contribution", "engagement", "paiement", "depense", "montant")
    list_filter = ("contribution__programme", "contribution__financeur")
    list_select_related = ("contribution__programme", "contribution__financeur", "engagement", "paiement", "depense")


@admin.register(Export)
class ExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Exports are produced by the Celery task; the admin only shows them."""

    list_display = ("programme", "type_export", "etat", "progression", "demande_par", "demande_le", "termine_le")
    list_filter = ("type_export", "etat", "programme")
    list_select_related = ("programme", "demande_par")
    date_hierarchy = "demande_le"


class EnveloppeInlineForm(forms.ModelForm):
    class Meta:
        model = Enveloppe
        fields = ("montant",)

    def clean_montant(self) -> Decimal:
        montant = self.cleaned_data["montant"]
        used = (self.instance.engage or Decimal("0")) + (self.instance.autres_depenses or Decimal("0"))
        if self.instance.pk and montant < used:
            raise forms.ValidationError(
                gettext("L’enveloppe ne peut pas être inférieure à ce qui est déjà engagé et dépensé (%(used)s).")
                % {"used": format_euros(used)}
            )
        return montant


class EnveloppeInline(ServiceInlineMixin, admin.StackedInline):
    """The envelope of the programme; its amount is set through `budget.services.enveloppe_set` (locks, never below what is used)."""

    model = Enveloppe
    service_add = "budget.services.enveloppe_set"
    service_change = "budget.services.enveloppe_set"
    form = EnveloppeInlineForm
    extra = 0
    max_num = 1
    can_delete = False
    fields = ("montant", "engage", "autres_depenses", "disponible_display")
    readonly_fields = ("engage", "autres_depenses", "disponible_display")

    def get_extra(self, request: HttpRequest, obj: Programme | None = None, **kwargs: Any) -> int:
        # A programme without an envelope shows an empty one to fill in.
        return 0 if obj is not None and Enveloppe.objects.filter(programme=obj).exists() else 1

    @admin.display(description=_("disponible"))
    def disponible_display(self, obj: Enveloppe) -> str:
        if obj.pk is None:
            return "—"
        return format_euros(obj.disponible)

    def create_with_service(self, request: HttpRequest, parent: Programme, obj: Enveloppe, form: Any) -> Enveloppe:
        return enveloppe_set(programme=parent, montant=form.cleaned_data["montant"])

    def update_with_service(self, request: HttpRequest, parent: Programme, obj: Enveloppe, form: Any) -> Enveloppe:
        return enveloppe_set(programme=parent, montant=form.cleaned_data["montant"])


# The programme's page shows its envelope: the budget stage extends the programme admin that the
# programmes app (an earlier layer, which does not import budget) registers.
admin.site.unregister(Programme)


@admin.register(Programme)
class ProgrammeAdmin(BaseProgrammeAdmin):
    list_display = (*BaseProgrammeAdmin.list_display, "enveloppe_montant", "enveloppe_disponible")
    list_select_related = (*BaseProgrammeAdmin.list_select_related, "enveloppe")
    inlines = (*BaseProgrammeAdmin.inlines, EnveloppeInline)

    @admin.display(description=_("enveloppe"))
    def enveloppe_montant(self, obj: Programme) -> str:
        enveloppe = getattr(obj, "enveloppe", None)
        return format_euros(enveloppe.montant) if enveloppe else "—"

    @admin.display(description=_("disponible"))
    def enveloppe_disponible(self, obj: Programme) -> str:
        enveloppe = getattr(obj, "enveloppe", None)
        return format_euros(enveloppe.disponible) if enveloppe else "—"


@admin.register(ResumeProgramme)
class ResumeProgrammeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The dashboards' summary, kept by the services (budget.resume): shown, never edited."""

    list_display = ("programme", "engage", "paye", "autres", "hj_prevues", "hj_planifiees", "hj_livrees", "recalcule_le")
    list_select_related = ("programme",)


# --- Invoices ----------------------------------------------------------------------------------


class FactureSeanceInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = FactureSeance
    fields = ("seance",)


class FactureAtelierInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = FactureAtelier
    fields = ("atelier",)


@admin.register(Facture)
class FactureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invoices are deposited, checked, returned, approved and paid through the budget services (their
    pages under /budget/factures/): view only here."""

    list_display = ("numero", "structure", "programme", "montant_euros", "etat", "created_at")
    list_filter = ("etat", "programme")
    search_fields = ("numero", "structure__raison_sociale", "structure__siret")
    list_select_related = ("structure", "programme")
    inlines = [FactureSeanceInline, FactureAtelierInline]
    montant_euros = euros_column("montant", _("montant"))


@admin.register(FactureSeance)
class FactureSeanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The sessions an invoice bills (each on one invoice at most): view only here."""

    list_display = ("facture", "seance")
    search_fields = ("facture__numero", "seance__accompagnement__reference")
    list_select_related = ("facture__structure", "seance__accompagnement")


@admin.register(FactureAtelier)
class FactureAtelierAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The held workshops an invoice bills (each on one invoice at most): view only here."""

    list_display = ("facture", "atelier")
    search_fields = ("facture__numero", "atelier__titre")
    list_select_related = ("facture__structure", "atelier")


@admin.register(FactureEvenement)
class FactureEvenementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history of each invoice (deposited, returned, approved, paid): view only here."""

    list_display = ("created_at", "facture", "transition", "from_state", "to_state", "actor", "reason")
    list_filter = ("transition",)
    search_fields = ("facture__numero",)
    list_select_related = ("facture__structure", "actor")
