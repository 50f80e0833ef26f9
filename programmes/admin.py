"""Back office: programmes (with their formats; the budget stage adds the envelope) and structures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import (
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ScopedChoicesMixin,
    ServiceAdminMixin,
    form_action_view,
)
from core.admin_imports import ImportAdminMixin
from core.permissions import may
from core.uploads import check_upload

from . import contenus
from .imports import StructureImporter
from .models import POIDS_FIELDS, Clause, Format, ModeleEmail, Programme, Structure, StructurePilote, VersionClauses
from .selectors import pilotes_de
from .services import clauses_enregistrer, modele_email_enregistrer, programme_copier, structure_enregistrer
from .signals import CHAMPS_FORMAT, CHAMPS_PROGRAMME, CHAMPS_REGROUPES, references_modifiees_signaler


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


def duree_filter(path: str, titre: Any, plafond: Callable[[], int]) -> type[admin.SimpleListFilter]:
    """A list filter on a duration counted in whole units of its format, its choices 1 .. `plafond()`.

    Django's all-values filter found its choices with a SELECT DISTINCT over every row of the list (30 000
    sessions: 9 ms on every page, growing with the history); the programme's rules bound them, without
    reading the list. Same parameter (`path`) and same labels (the figures) as Django's, so that saved
    links keep working.
    """

    class DureeFilter(admin.SimpleListFilter):
        title = titre
        parameter_name = path

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(str(n), str(n)) for n in range(1, plafond() + 1)]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            value = self.value()
            if value is None:
                return queryset
            if not value.isdigit():  # what Django's filter answered: the list, with an error flag
                raise IncorrectLookupParameters(value)
            return queryset.filter(**{path: int(value)})

    return DureeFilter


def seance_duree_max() -> int:
    """The longest session any format allows, in its unit (half-days, or hours): one aggregate over the formats."""
    return Format.objects.aggregate(plus_longue=Max("seance_duree_max"))["plus_longue"] or 1


class FormatInline(ScopedChoicesMixin, admin.TabularInline):
    model = Format
    extra = 0
    fields = (
        "ordre",
        "code",
        "libelle",
        "demi_journees_min",
        "demi_journees_max",
        "duree_max_avec_prolongation",
        "seance_duree_max",
        "ecart_max_jours",
        "nature",
        "unite",
        "personne_ressource_remuneree",
        "taux_par_unite",
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
    readonly_fields = ("created_at", "updated_at", "textes")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any) -> Any:
        if db_field.name == "pilote" and request is not None:
            # A coordinator puts a programme under one of their pilots only.
            kwargs["queryset"] = pilotes_de(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The budget stage adds the envelope's inline and columns (budget/admin.py).
    inlines: tuple[type[admin.options.InlineModelAdmin], ...] = (FormatInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The budget's summary prices the delivered days and counts the hours of this programme by its
        # rate, its hours per half-day and its formats' units and rates: a change of one is told to it.
        formats = [
            inline_form
            for formset in formsets
            if formset.model is Format
            for inline_form in formset.forms
            if set(inline_form.changed_data) & set(CHAMPS_FORMAT)
        ]
        if change and self._refused(request) is None and (set(form.changed_data) & set(CHAMPS_PROGRAMME) or formats):
            references_modifiees_signaler([form.instance.pk])

    actions = ("action_copier",)
    fieldsets = (
        (None, {"fields": ("nom", "slug", "pilote", "description", "appel_ouvert", "textes")}),
        (
            _("Période et règles"),
            {
                "fields": (
                    "date_debut",
                    "date_fin",
                    "taux_journalier",
                    "jours_minimum",
                    "prefixe_reference",
                    "nom_comite",
                    "reunions_comite_minimum",
                )
            },
        ),
        (
            _("Appariement"),
            {
                "fields": (*POIDS_FIELDS, "missions_max_par_mentor", "heures_par_demi_journee"),
                "classes": ("collapse",),
            },
        ),
        (
            _("Suivi et relances"),
            {
                "fields": (
                    "delai_avant_seance_heures",
                    "delai_compte_rendu_jours",
                    "alerte_dossier_jours",
                    "relance_six_mois_premiere_jours",
                    "relance_six_mois_seconde_jours",
                    "relance_brouillon_jours",
                    "relances_desactivees",
                ),
                "classes": ("collapse",),
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("Textes du programme"))
    def textes(self, obj: Programme) -> str:
        if obj.pk is None:
            return "—"
        emails = reverse("admin:programmes_modeleemail_changelist") + "?" + urlencode({"programme__id__exact": obj.pk})
        clauses = reverse("admin:programmes_versionclauses_add") + "?" + urlencode({"programme": obj.pk})
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            emails,
            gettext("Modèles d’e-mails"),
            clauses,
            gettext("Clauses de la convention (nouvelle version)"),
        )

    @admin.action(description=_("Copier ce programme (l’année suivante)"))
    def action_copier(self, request: HttpRequest, queryset: Any) -> TemplateResponse | None:
        if not may(request.user, "programme.contenus").allowed:
            self.message_user(request, gettext("Seule la coordination copie un programme."), messages.ERROR)
            return None
        if queryset.count() != 1:
            self.message_user(request, gettext("Choisissez un seul programme à copier."), messages.ERROR)
            return None
        return form_action_view(
            self,
            request,
            queryset,
            form_class=CopieProgrammeForm,
            title=_("Copier ce programme"),
            intro=_(
                "Le nouveau programme reprend les réglages, les formats, les modèles d’e-mails et les clauses de "
                "celui-ci (leurs versions en vigueur), sans les dossiers ni les fichiers. Son appel est fermé."
            ),
            submit_label=_("Copier"),
            apply=lambda obj, data: programme_copier(source=obj, par=request.user, **data),
            success=lambda n: ngettext("%(n)s programme copié.", "%(n)s programmes copiés.", n) % {"n": n},
        )


class CopieProgrammeForm(forms.Form):
    nom = forms.CharField(label=_("Nom du nouveau programme"), max_length=200)
    slug = forms.SlugField(label=_("Identifiant"), max_length=50)
    date_debut = forms.DateField(label=_("Début de la période"))
    date_fin = forms.DateField(label=_("Fin de la période"))

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Programme.objects.filter(slug=slug).exists():
            raise ValidationError(_("Un programme porte déjà cet identifiant."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_debut") and data.get("date_fin") and data["date_fin"] < data["date_debut"]:
            self.add_error("date_fin", _("La fin de la période doit suivre son début."))
        return data


# --- A programme's own texts: e-mail templates and convention clauses, in versions ----------------


class ModeleEmailForm(forms.ModelForm):
    cle = forms.ChoiceField(label=_("e-mail"), choices=())

    class Meta:
        model = ModeleEmail
        fields = ("programme", "cle", "sujet", "corps")
        help_texts = {
            "corps": _(
                "Texte de l’e-mail, avec des valeurs nommées comme {{ candidature.reference }} ; les valeurs "
                "possibles sont celles de l’e-mail d’origine (la liste s’affiche si vous en écrivez une inconnue)."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cle"].choices = [(c, c) for c in contenus.cles_email()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cle") and "sujet" in data and "corps" in data:
            try:
                contenus.verifier_email(cle=data["cle"], sujet=data["sujet"], corps=data["corps"])
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    for e in errors:
                        self.add_error(field if field in self.fields else None, e)
        return data


class ContenuAdminMixin(ServiceAdminMixin):
    """Versions are never changed nor deleted: a new version is added, past ones stay readable."""

    service_owned_fields: tuple[str, ...] | str | None = ("version", "cree_par", "cree_le")
    only_services_create = True
    only_services_delete = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(may(request.user, "programme.contenus").allowed)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModeleEmail)
class ModeleEmailAdmin(ContenuAdminMixin, admin.ModelAdmin):
    form = ModeleEmailForm
    service_add = "programmes.services.modele_email_enregistrer"
    list_display = ("cle", "programme", "version", "sujet", "cree_le", "cree_par")
    list_filter = ("programme", "cle")
    search_fields = ("cle", "sujet", "corps", "programme__nom")
    list_select_related = ("programme", "cree_par")
    readonly_fields = ("version", "cree_le", "cree_par", "liens")
    fields = ("programme", "cle", "sujet", "corps", "version", "cree_le", "cree_par", "liens")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("programme", "cle", "sujet", "corps")
        return self.fields

    @admin.display(description=_("Actions"))
    def liens(self, obj: ModeleEmail) -> str:
        nouvelle = reverse("admin:programmes_modeleemail_add") + "?" + urlencode({"depuis": obj.pk})
        apercu = reverse("admin:programmes_modeleemail_apercu", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            apercu,
            gettext("Aperçu avec un dossier du programme"),
            nouvelle,
            gettext("Écrire une nouvelle version à partir de celle-ci"),
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        raw = request.GET.get("depuis", "")
        depuis = ModeleEmail.objects.filter(pk=raw).first() if raw.isdigit() else None
        if depuis is not None:
            initial.update(programme=depuis.programme_id, cle=depuis.cle, sujet=depuis.sujet, corps=depuis.corps)
        return initial

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> ModeleEmail:
        data = form.cleaned_data
        return modele_email_enregistrer(
            programme=data["programme"], cle=data["cle"], sujet=data["sujet"], corps=data["corps"], par=request.user
        )

    def get_urls(self) -> list[Any]:
        return [
            # Staff only like every admin page (others go to the admin's login), then the coordination's rule (403).
            path(
                "<int:pk>/apercu/",
                self.admin_site.admin_view(self.apercu_view),
                name="programmes_modeleemail_apercu",
            ),
            *super().get_urls(),
        ]

    def apercu_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The template rendered with the programme's latest file: the coordination only."""
        if not may(request.user, "programme.contenus").allowed:
            raise PermissionDenied
        modele = get_object_or_404(ModeleEmail.objects.select_related("programme"), pk=pk)
        context = contenus.contexte_apercu(programme=modele.programme, cle=modele.cle)
        rendered = contenus.rendre_email(
            modele, {"site_url": settings.SITE_URL, "pilot": modele.programme.pilote.identite(), **context}
        )
        manquants = [root for root, value in context.items() if value is None]
        return TemplateResponse(
            request,
            "admin/programmes/modeleemail_apercu.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Aperçu : %(modele)s") % {"modele": modele},
                "modele": modele,
                "rendu": rendered,
                "manquants": manquants,
            },
        )


class ClausesForm(forms.ModelForm):
    articles = forms.CharField(
        label=_("Articles"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        help_text=_(
            "Chaque article commence par une ligne « ## Titre ». Dans le texte : une ligne vide sépare les "
            "paragraphes, « ### » un intertitre, « - » un élément de liste ; [calendrier], [objectifs] ou "
            "[signatures] seuls sur une ligne placent les données de la convention ; les valeurs nommées "
            "s’écrivent {{ programme.nom }}."
        ),
    )

    class Meta:
        model = VersionClauses
        fields = ("programme",)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "articles" in data:
            try:
                articles = contenus.articles_depuis_texte(data["articles"])
                contenus.verifier_clauses(articles)
            except ValidationError as error:
                self.add_error("articles", error)
            else:
                data["liste_articles"] = articles
        return data


class ClauseInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Clause
    fields = ("ordre", "titre", "texte")


@admin.register(VersionClauses)
class VersionClausesAdmin(ContenuAdminMixin, admin.ModelAdmin):
    form = ClausesForm
    service_add = "programmes.services.clauses_enregistrer"
    list_display = ("programme", "version", "cree_le", "cree_par")
    list_filter = ("programme",)
    search_fields = ("programme__nom",)
    list_select_related = ("programme", "cree_par")
    readonly_fields = ("version", "cree_le", "cree_par", "liens")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("programme", "articles")
        return ("programme", "version", "cree_le", "cree_par", "liens")

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return (ClauseInline,) if obj is not None else ()

    @admin.display(description=_("Actions"))
    def liens(self, obj: VersionClauses) -> str:
        nouvelle = reverse("admin:programmes_versionclauses_add") + "?" + urlencode({"depuis": obj.pk})
        return format_html('<a href="{}">{}</a>', nouvelle, gettext("Écrire une nouvelle version à partir de celle-ci"))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        raw = request.GET.get("depuis", "")
        depuis = VersionClauses.objects.filter(pk=raw).first() if raw.isdigit() else None
        if depuis is None and str(initial.get("programme", "")).isdigit():
            depuis = VersionClauses.objects.filter(programme=initial["programme"]).order_by("-version").first()
        if depuis is not None:
            initial["programme"] = depuis.programme_id
            initial["articles"] = contenus.texte_depuis_articles((c.titre, c.texte) for c in depuis.clauses.all())
        else:
            initial["articles"] = contenus.texte_depuis_articles(contenus.CLAUSES_PAR_DEFAUT)
        return initial

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> VersionClauses:
        data = form.cleaned_data
        return clauses_enregistrer(programme=data["programme"], articles=data["liste_articles"], par=request.user)


@admin.register(Clause)
class ClauseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The articles of a version of the clauses, written with their version (VersionClausesAdmin)."""

    list_display = ("titre", "ordre", "version")
    list_select_related = ("version__programme",)
    search_fields = ("titre", "texte")


@admin.register(Format)
class FormatAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    # A format's half-day limits are the programme's rules: data that the coordination sets here.
    # Its kind, unit, capacity and non-members' fee are the same: rules as data (issue 16).
    # Its durations (in its unit), ceiling with extension, longest session and the mentor's pay per unit too.
    admin_owned_fields = (
        "demi_journees_min",
        "demi_journees_max",
        "duree_max_avec_prolongation",
        "seance_duree_max",
        "participation_non_membre",
        "taux_par_unite",
        "personne_ressource_remuneree",
    )

    def save_model(self, request: HttpRequest, obj: Format, form: Any, change: bool) -> None:
        # The budget's summaries count the hours and price the delivered days by the format's unit and
        # rate: a change of one is told to it, for the programme it belonged to and the one it belongs to.
        avant = Format.objects.filter(pk=obj.pk).values_list("programme_id", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & set(CHAMPS_FORMAT):
            references_modifiees_signaler([avant, obj.programme_id])

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
class StructureAdmin(ImportAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    # The département and the kind key the budget's summaries of the programmes the structure is a
    # beneficiary in: the service that saves them has those recomputed (programmes/signals.py).
    service_owned_fields = CHAMPS_REGROUPES
    service_add = "programmes.services.structure_enregistrer"
    service_change = "programmes.services.structure_enregistrer"

    def create_with_service(self, request: HttpRequest, obj: Structure, form: Any) -> Structure:
        return structure_enregistrer(structure=obj, by=request.user)

    def update_with_service(self, request: HttpRequest, obj: Structure, form: Any) -> Structure:
        return structure_enregistrer(structure=obj, by=request.user)

    # The coordination's spreadsheets come in through the « Importer » page (core/admin_imports.py).
    importer_class = StructureImporter
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
