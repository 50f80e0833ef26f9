"""The coordination edits its programmes' questionnaires here. Every write goes through the services:
a version an answer refers to never changes — the edit is made on a new version, which becomes current."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_helpers import ReadOnlyInlineMixin, ServiceAdminMixin, ServiceInlineMixin
from programmes.models import Departement, TypeStructure

from . import services
from .models import Eligibilite, Etape, Question, Questionnaire, QuestionnaireVersion
from .services import ELIGIBILITE_CHAMPS, ETAPE_CHAMPS, QUESTION_CHAMPS


def _donnees(form: Any, champs: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name in champs}


def _signaler_nouvelle_version(modeladmin: Any, request: HttpRequest, avant_id: int, apres: QuestionnaireVersion) -> None:
    if apres.pk != avant_id:
        modeladmin.message_user(
            request,
            _(
                "Des réponses ont déjà été données avec la version modifiée : elle est conservée telle quelle, et la "
                "modification est enregistrée dans la version %(numero)s, désormais utilisée."
            )
            % {"numero": apres.numero},
            messages.WARNING,
        )


# The row a copy-on-write edit moved to, for the redirect after saving (set on the request, read by response_change).
_SUIVIE = "_questionnaire_ligne_suivie"


def _suivre(request: HttpRequest, ligne: Any) -> None:
    setattr(request, _SUIVIE, ligne)


def _vers_la_ligne_suivie(request: HttpRequest) -> HttpResponseRedirect | None:
    """After "save and continue", open the row in the new version (Django would reopen the kept one)."""
    ligne = getattr(request, _SUIVIE, None)
    if ligne is None or "_continue" not in request.POST:
        return None
    return HttpResponseRedirect(reverse(f"admin:{ligne._meta.app_label}_{ligne._meta.model_name}_change", args=[ligne.pk]))


class _PartieServices:
    """How the admin writes a part of a version (a step of a version, a question of a step): through the three
    services declared on the class (`service_add`, `service_change`, `service_delete`), which copy an answered
    version before changing it. The services are looked up when called: the declaration is the call."""

    service_add: str | tuple[str, ...] | None = None
    service_change: str | tuple[str, ...] | None = None
    service_delete: str | tuple[str, ...] | None = None
    champs: tuple[str, ...] = ()
    conteneur = ""  # the row the part is created in: the creating service's keyword
    nom = ""  # the changing and deleting services' keyword for the part
    version_de = ""  # the path from the part to its version

    def _version(self, partie: Any) -> QuestionnaireVersion:
        for name in self.version_de.split("__"):
            partie = getattr(partie, name)
        return partie

    @staticmethod
    def _service(declared: str | tuple[str, ...] | None) -> Any:
        return import_string(str(declared))  # each part declares its one service by name

    def _creer(self, conteneur: Any, form: Any) -> Any:
        return self._service(self.service_add)(**{self.conteneur: conteneur, "donnees": _donnees(form, self.champs)})

    def _modifier(self, partie: Any, form: Any) -> Any:
        return self._service(self.service_change)(**{self.nom: partie, "donnees": _donnees(form, self.champs)})

    def _supprimer(self, partie: Any) -> None:
        self._service(self.service_delete)(**{self.nom: partie})


class _PartieInline(_PartieServices, ServiceInlineMixin):
    def create_with_service(self, request: HttpRequest, parent: Any, obj: Any, form: Any) -> Any:
        return self._creer(parent, form)

    def update_with_service(self, request: HttpRequest, parent: Any, obj: Any, form: Any) -> Any:
        return self._modifier(obj, form)

    def delete_with_service(self, request: HttpRequest, parent: Any, obj: Any) -> None:
        self._supprimer(obj)


class _PartieAdmin(_PartieServices, ServiceAdminMixin):
    """A part's own page: its container is fixed once created; an edit moved to a new version is said."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (self.conteneur,) if obj is not None else ()

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        return self._creer(form.cleaned_data[self.conteneur], form)

    def update_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        avant = self._version(obj).pk
        partie = self._modifier(obj, form)
        _signaler_nouvelle_version(self, request, avant, self._version(partie))
        return partie

    def delete_with_service(self, request: HttpRequest, obj: Any) -> None:
        self._supprimer(obj)


class VersionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = QuestionnaireVersion
    fields = ("numero", "created_at", "gelee_le")
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "programme", "nature", "public")
    list_filter = ("programme", "nature")
    list_select_related = ("programme",)
    fields = ("programme", "nature", "public")
    inlines = [VersionInline]
    # Which questionnaire a programme has is fixed at creation (the service creates its first version).
    service_owned_fields = ("programme", "nature", "public")
    service_add = "questionnaires.services.questionnaire_creer"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("programme", "nature", "public") if obj is not None else ()

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        return services.questionnaire_creer(
            programme=form.cleaned_data["programme"], nature=form.cleaned_data["nature"], public=form.cleaned_data["public"]
        )


class EtapeInline(_PartieInline, admin.TabularInline):
    model = Etape
    extra = 0
    fields = ("ordre", "slug", "titre", "intro", "bloc")
    show_change_link = True
    service_add = "questionnaires.services.etape_creer"
    service_change = "questionnaires.services.etape_modifier"
    service_delete = "questionnaires.services.etape_supprimer"
    champs, conteneur, nom, version_de = ETAPE_CHAMPS, "version", "etape", "version"


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "numero", "created_at", "gelee_le")
    list_filter = ("questionnaire__programme", "questionnaire__nature")
    list_select_related = ("questionnaire__programme",)
    fields = ("questionnaire", "numero", "created_at", "gelee_le")
    readonly_fields = ("questionnaire", "numero", "created_at", "gelee_le")
    inlines = [EtapeInline]
    # Versions are created by the services (first version, copy-on-write) and never deleted: answers refer to them.
    service_owned_fields = "__all__"
    only_services_create = True
    only_services_delete = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        avant = formset.instance
        super().save_formset(request, form, formset, change)
        courante = avant.questionnaire.version_courante()
        if courante is not None:
            _signaler_nouvelle_version(self, request, avant.pk, courante)
            if courante.pk != avant.pk:
                _suivre(request, courante)

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        return _vers_la_ligne_suivie(request) or super().response_change(request, obj)


class QuestionInline(_PartieInline, admin.StackedInline):
    model = Question
    extra = 0
    fields = (("ordre", "code", "type", "obligatoire"), "libelle", "aide", "choix", "champ")
    service_add = "questionnaires.services.question_creer"
    service_change = "questionnaires.services.question_modifier"
    service_delete = "questionnaires.services.question_supprimer"
    champs, conteneur, nom, version_de = QUESTION_CHAMPS, "etape", "question", "etape__version"


@admin.register(Etape)
class EtapeAdmin(_PartieAdmin, admin.ModelAdmin):
    list_display = ("titre", "version", "ordre", "bloc")
    list_filter = ("version__questionnaire__programme",)
    list_select_related = ("version__questionnaire__programme",)
    fields = ("version", "ordre", "slug", "titre", "intro", "bloc")
    inlines = [QuestionInline]
    service_owned_fields = "__all__"
    service_add = "questionnaires.services.etape_creer"
    service_change = "questionnaires.services.etape_modifier"
    service_delete = "questionnaires.services.etape_supprimer"
    champs, conteneur, nom, version_de = ETAPE_CHAMPS, "version", "etape", "version"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        avant = formset.instance.version
        super().save_formset(request, form, formset, change)
        courante = avant.questionnaire.version_courante()
        if courante is not None and courante.pk != avant.pk:
            # A question edited on an answered version: the step now lives in a new version, under the same slug.
            _signaler_nouvelle_version(self, request, avant.pk, courante)
            _suivre(request, courante.etapes.filter(slug=formset.instance.slug).first())

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        return _vers_la_ligne_suivie(request) or super().response_change(request, obj)


@admin.register(Question)
class QuestionAdmin(_PartieAdmin, admin.ModelAdmin):
    list_display = ("libelle", "code", "type", "obligatoire", "etape")
    list_filter = ("etape__version__questionnaire__programme", "type")
    list_select_related = ("etape__version__questionnaire__programme",)
    search_fields = ("libelle", "code")
    fields = ("etape", "ordre", "code", "libelle", "aide", "type", "obligatoire", "choix", "champ")
    service_owned_fields = "__all__"
    service_add = "questionnaires.services.question_creer"
    service_change = "questionnaires.services.question_modifier"
    service_delete = "questionnaires.services.question_supprimer"
    champs, conteneur, nom, version_de = QUESTION_CHAMPS, "etape", "question", "etape__version"


class EligibiliteForm(forms.ModelForm):
    departements = forms.MultipleChoiceField(
        label=gettext_lazy("départements acceptés"), choices=Departement.choices, widget=forms.CheckboxSelectMultiple
    )
    types_structure = forms.MultipleChoiceField(
        label=gettext_lazy("types de structure acceptés"),
        choices=TypeStructure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Aucun coché : tous les types."),
    )

    class Meta:
        model = Eligibilite
        fields = ("programme", *ELIGIBILITE_CHAMPS)


@admin.register(Eligibilite)
class EligibiliteAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = EligibiliteForm
    list_display = ("programme", "territoire", "part_activite_min")
    list_select_related = ("programme",)
    service_owned_fields = "__all__"
    service_add = "questionnaires.services.eligibilite_enregistrer"
    service_change = "questionnaires.services.eligibilite_enregistrer"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("programme",) if obj is not None else ()

    def _enregistrer(self, programme: Any, form: Any) -> Any:
        donnees = {k: v for k, v in form.cleaned_data.items() if k != "programme"}
        return services.eligibilite_enregistrer(programme=programme, donnees=donnees)

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        return self._enregistrer(form.cleaned_data["programme"], form)

    def update_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        return self._enregistrer(obj.programme, form)
