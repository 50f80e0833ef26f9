"""Back office: applications, their documents, timeline, thread and diagnostic interview.

A file's state (`etat`) is never edited here: it moves only through the services of
`candidatures.services`, offered as admin actions on the list of files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_colonnes import EtatsLabelsMixin, HistoriqueInlineMixin
from core.admin_helpers import (
    AppendOnlyInlineMixin,
    InlineRelatedMixin,
    LongListMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ScopedChoicesMixin,
    ServiceAdminMixin,
    ServiceInlineMixin,
    counted,
    form_action_view,
    reason_action_view,
    related_column,
    run_service_on_each,
)
from core.admin_rows import CaseActionMixin, FastRowsMixin
from core.exceptions import RuleViolation
from programmes.admin import format_filter
from programmes.models import Format
from programmes.signals import references_modifiees_signaler

from . import services
from .admin_actions import mark_eligible, send_missing_document_reminder
from .models import (
    Besoin,
    Candidature,
    CandidatureEvenement,
    DemandePiece,
    EmailEnvoye,
    EntretienDiagnostic,
    Etat,
    Etiquette,
    EtiquetteCandidature,
    Message,
    NoteInterne,
    PieceJointe,
)

demandee_par = related_column("demandee_par", _("demandé par"))
envoye_par = related_column("envoye_par", _("envoyé par"))

# --- Inlines of a file -------------------------------------------------------------------


class PieceJointeInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Documents arrive through the upload service (checks, antivirus): shown here, not added."""

    model = PieceJointe
    fk_name = "candidature"
    fields = ("type_piece", "nom_original", "taille", "type_mime", "scan", "created_at")
    verbose_name_plural = _("pièces jointes")


class DemandePieceInline(InlineRelatedMixin, ReadOnlyInlineMixin, admin.TabularInline):
    model = DemandePiece
    inline_select_related = ("demandee_par",)
    fields = ("type_piece", "message", demandee_par, "created_at", "fournie_le")


class CandidatureEvenementInline(HistoriqueInlineMixin, admin.TabularInline):
    """The file's timeline: who did what, when, from which state to which, and why."""

    model = CandidatureEvenement
    etats = Etat
    ordering = ("created_at", "id")


class NoteInterneInline(InlineRelatedMixin, ServiceInlineMixin, AppendOnlyInlineMixin, admin.TabularInline):
    """Private notes of the coordination team (never shown to applicants), written through note_interne_add."""

    model = NoteInterne
    inline_select_related = ("auteur",)
    fields = ("texte", "auteur", "created_at")
    readonly_fields = ("auteur", "created_at")
    service_add = "candidatures.services.note_interne_add"

    def create_with_service(self, request: HttpRequest, parent: Candidature, obj: NoteInterne, form: Any) -> NoteInterne:
        return services.note_interne_add(candidature=parent, by=request.user, texte=form.cleaned_data.get("texte", ""))


class MessageInline(InlineRelatedMixin, ServiceInlineMixin, AppendOnlyInlineMixin, admin.TabularInline):
    """The thread with the applicant: the coordination may write (message_send: e-mail, timeline); sent messages never change."""

    model = Message
    inline_select_related = ("auteur",)
    fields = ("created_at", "auteur", "de_la_coordination", "texte", "lu_le")
    readonly_fields = ("created_at", "auteur", "de_la_coordination", "lu_le")
    service_add = "candidatures.services.message_send"

    def create_with_service(self, request: HttpRequest, parent: Candidature, obj: Message, form: Any) -> Message:
        return services.message_send(candidature=parent, auteur=request.user, texte=form.cleaned_data.get("texte", ""))


class EmailEnvoyeInline(InlineRelatedMixin, ReadOnlyInlineMixin, admin.TabularInline):
    model = EmailEnvoye
    inline_select_related = ("envoye_par",)
    fields = ("envoye_le", "destinataire", "sujet", "corps", envoye_par)


class EtiquetteCandidatureInline(InlineRelatedMixin, ScopedChoicesMixin, admin.TabularInline):
    model = EtiquetteCandidature
    inline_select_related = ("etiquette",)
    extra = 0
    autocomplete_fields = ("etiquette",)
    verbose_name = _("étiquette")
    verbose_name_plural = _("étiquettes")


class SelectionForm(forms.Form):
    """The decision after the diagnostic: format(s) and half-days (checked by `candidature_select`)."""

    format = forms.ModelChoiceField(queryset=Format.objects.none(), label=_("Format retenu"))
    demi_journees = forms.IntegerField(min_value=1, label=_("Demi-journées retenues"))
    format_suite = forms.ModelChoiceField(
        queryset=Format.objects.none(), required=False, label=_("Puis (pour « TSF puis mentorat »)")
    )
    demi_journees_suite = forms.IntegerField(min_value=1, required=False, label=_("Demi-journées ensuite"))
    motif = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), label=_("Commentaire"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        formats = Format.objects.filter(actif=True).select_related("programme")
        self.fields["format"].queryset = formats
        self.fields["format_suite"].queryset = formats


# --- Applications ------------------------------------------------------------------------


# What the services of the file write: its reference and state, the questionnaire's progress and
# consent, the decision (format and half-days checked against the programme's limits), the receipt.
CANDIDATURE_SERVICE_FIELDS = (
    "reference",
    "etat",
    "etape",
    "soumise_le",
    "motif_decision",
    "precheck",
    "consentement_donnees",
    "consentement_le",
    "format_retenu",
    "demi_journees_retenues",
    "format_suite",
    "demi_journees_suite",
    "brouillon",
    "recu_pdf",
)


def _calling(service: str, *, description: Any, success: Callable[[int], str]) -> Callable[..., Any]:
    """An admin action on files that calls `services.<service>(candidature=…, by=…)` on each (looked up when
    the action runs, so the admin always calls the service); a refusal is reported for that file only."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
        apply = getattr(services, service)
        run_service_on_each(modeladmin, request, queryset, lambda c: apply(candidature=c, by=request.user), success=success)

    return action


def _with_reason(
    service: str, *, description: Any, title: Any, intro: Any, submit_label: Any, success: Callable[[int], str]
) -> Callable[..., Any]:
    """An admin action on files that asks for the reason, then calls `services.<service>(candidature=…,
    by=…, reason=…)` on each (looked up when the action runs, so the admin always calls the service)."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> Any:
        apply = getattr(services, service)
        return reason_action_view(
            modeladmin,
            request,
            queryset,
            title=title,
            intro=intro,
            submit_label=submit_label,
            apply=lambda c, reason: apply(candidature=c, by=request.user, reason=reason),
            success=success,
        )

    return action


@admin.register(Candidature)
class CandidatureAdmin(FastRowsMixin, CaseActionMixin, LongListMixin, ServiceAdminMixin, admin.ModelAdmin):
    # The programme, the applicant and the structure are fixed at the start (the structure's limits are checked on them).
    service_owned_fields = (*CANDIDATURE_SERVICE_FIELDS, "programme", "candidat", "structure")
    # A file is started by its applicant (candidature_start, questionnaire); the admin follows it.
    only_services_create = True
    list_display = (
        "__str__",
        "etat",
        "candidat",
        "structure",
        related_column("structure__departement", _("département")),
        "programme",
        "soumise_le",
        "format_retenu_libelle",
        "demi_journees_retenues",
    )
    list_display_links = ("__str__",)
    list_filter = (
        "etat",
        "programme",
        "structure__departement",
        "statut_demandeur",
        format_filter("format_retenu"),
        "structure__type_structure",
    )
    search_fields = (
        "reference",
        "candidat__email",
        "candidat__first_name",
        "candidat__last_name",
        "structure__raison_sociale",
        "structure__siret",
        "structure__commune",
    )
    date_hierarchy = "soumise_le"
    list_select_related = ("programme", "candidat", "structure", "format_retenu")
    autocomplete_fields = ("candidat", "structure", "personne_ressource_pressentie", "competences_souhaitees")
    readonly_fields = (
        "reference",
        "programme",
        "candidat",
        "structure",
        "etat",
        "etape",
        "soumise_le",
        "motif_decision",
        "precheck",
        "consentement_donnees",
        "consentement_le",
        "format_retenu",
        "demi_journees_retenues",
        "format_suite",
        "demi_journees_suite",
        "diagnostic_link",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "programme", "candidat", "etat", "motif_decision", "soumise_le", "etape")}),
        (_("Demandeur·euse et structure"), {"fields": ("statut_demandeur", "fonction", "presentation", "structure")}),
        (
            _("Besoin"),
            {
                "fields": (
                    "situation",
                    "problematique",
                    "objectifs",
                    "competences_souhaitees",
                    "besoins_precisions",
                    "personne_ressource_pressentie",
                    "personne_ressource_pressentie_texte",
                )
            },
        ),
        (
            _("Décision"),
            {
                "fields": (
                    "precheck",
                    "diagnostic_link",
                    "format_retenu",
                    "demi_journees_retenues",
                    "format_suite",
                    "demi_journees_suite",
                )
            },
        ),
        (_("Consentement et dates"), {"fields": ("consentement_donnees", "consentement_le", "created_at", "updated_at")}),
    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The budget's summary counts the programme's accompagnements by the domains their files sought.
        if change and self._refused(request) is None and "competences_souhaitees" in form.changed_data:
            references_modifiees_signaler([form.instance.programme_id])

    inlines = (
        CandidatureEvenementInline,
        PieceJointeInline,
        DemandePieceInline,
        MessageInline,
        EmailEnvoyeInline,
        NoteInterneInline,
        EtiquetteCandidatureInline,
    )
    # mark_eligible e-mails the applicant like the desk does; the reminder asks again for missing documents.
    actions = (
        mark_eligible,
        send_missing_document_reminder,
        "action_declarer_recevable",
        "action_declarer_irrecevable",
        "action_renvoyer_pour_correction",
        "action_planifier_diagnostic",
        "action_realiser_diagnostic",
        "action_mettre_en_attente",
        "action_retenir",
        "action_refuser",
        "action_reorienter",
        "action_annuler_decision",
    )

    @admin.display(description=_("format retenu"), ordering="format_retenu__libelle")
    def format_retenu_libelle(self, obj: Candidature) -> str:
        return obj.format_retenu.libelle if obj.format_retenu else "—"

    @admin.display(description=_("entretien diagnostic"))
    def diagnostic_link(self, obj: Candidature) -> str:
        diagnostic = EntretienDiagnostic.objects.filter(candidature=obj).only("pk", "debut").first() if obj.pk else None
        if diagnostic is None:
            url = reverse("admin:candidatures_entretiendiagnostic_add")
            return (
                format_html('<a href="{}?candidature={}">{}</a>', url, obj.pk, _("Planifier l’entretien diagnostic"))
                if obj.pk
                else "—"
            )
        url = reverse("admin:candidatures_entretiendiagnostic_change", args=[diagnostic.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Entretien du %(date)s") % {"date": f"{diagnostic.debut:%d/%m/%Y %H:%M}"}
        )

    def get_actions(self, request: HttpRequest) -> Any:
        # A bulk delete would bypass the per-file rule below (only drafts may be deleted).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Candidature | None = None) -> bool:
        if obj is not None and obj.etat != Etat.BROUILLON:
            return False
        return super().has_delete_permission(request, obj)

    # --- Actions: each calls one service; a refusal is reported for that file only. ------

    action_declarer_recevable = _calling(
        "candidature_declare_eligible",
        description=_("Déclarer recevable"),
        success=counted(
            ngettext_lazy("%(count)d candidature déclarée recevable.", "%(count)d candidatures déclarées recevables.", "count")
        ),
    )

    action_declarer_irrecevable = _with_reason(
        "candidature_reject",
        description=_("Déclarer non recevable (avec motif)"),
        title=_("Déclarer non recevable"),
        intro=_("Le motif sera enregistré dans l’historique et communiqué au·à la candidat·e."),
        submit_label=_("Déclarer non recevable"),
        success=counted(
            ngettext_lazy(
                "%(count)d candidature déclarée non recevable.", "%(count)d candidatures déclarées non recevables.", "count"
            )
        ),
    )

    action_renvoyer_pour_correction = _with_reason(
        "candidature_return_for_correction",
        description=_("Renvoyer au·à la candidat·e pour correction (avec motif)"),
        title=_("Renvoyer pour correction"),
        intro=_("Indiquez ce que le·la candidat·e doit compléter ou corriger."),
        submit_label=_("Renvoyer pour correction"),
        success=counted(
            ngettext_lazy(
                "%(count)d candidature renvoyée pour correction.", "%(count)d candidatures renvoyées pour correction.", "count"
            )
        ),
    )

    @admin.action(description=_("Marquer l’entretien diagnostic comme planifié"), permissions=["change"])
    def action_planifier_diagnostic(self, request: HttpRequest, queryset: Any) -> None:
        def plan(candidature: Candidature) -> None:
            if not EntretienDiagnostic.objects.filter(candidature=candidature).exists():
                raise RuleViolation(gettext("créez d’abord l’entretien diagnostic (date, modalité) de ce dossier."))
            services.candidature_plan_diagnostic(candidature=candidature, by=request.user)

        run_service_on_each(
            self,
            request,
            queryset,
            plan,
            success=counted(
                ngettext_lazy(
                    "%(count)d entretien diagnostic marqué planifié.",
                    "%(count)d entretiens diagnostic marqués planifiés.",
                    "count",
                )
            ),
        )

    @admin.action(description=_("Marquer le diagnostic comme réalisé"), permissions=["change"])
    def action_realiser_diagnostic(self, request: HttpRequest, queryset: Any) -> None:
        def complete(candidature: Candidature) -> None:
            if not EntretienDiagnostic.objects.filter(candidature=candidature, realise_le__isnull=False).exists():
                raise RuleViolation(gettext("renseignez d’abord la date de réalisation de l’entretien diagnostic."))
            services.candidature_complete_diagnostic(candidature=candidature, by=request.user)

        run_service_on_each(
            self,
            request,
            queryset,
            complete,
            success=counted(
                ngettext_lazy("%(count)d diagnostic marqué réalisé.", "%(count)d diagnostics marqués réalisés.", "count")
            ),
        )

    action_mettre_en_attente = _calling(
        "candidature_await_decision",
        description=_("Mettre en attente de décision"),
        success=counted(
            ngettext_lazy(
                "%(count)d candidature mise en attente de décision.",
                "%(count)d candidatures mises en attente de décision.",
                "count",
            )
        ),
    )

    @admin.action(description=_("Retenir (format et demi-journées)…"), permissions=["change"])
    def action_retenir(self, request: HttpRequest, queryset: Any) -> Any:
        return form_action_view(
            self,
            request,
            queryset,
            form_class=SelectionForm,
            title=_("Retenir la candidature"),
            intro=_(
                "Le format doit appartenir au programme de chaque dossier ; les limites de demi-journées par "
                "structure bénéficiaire sont vérifiées pour chacun."
            ),
            submit_label=_("Retenir"),
            apply=lambda c, data: services.candidature_select(
                candidature=c,
                by=request.user,
                format=data["format"],
                demi_journees=data["demi_journees"],
                format_suite=data.get("format_suite"),
                demi_journees_suite=data.get("demi_journees_suite"),
                reason=data.get("motif", ""),
            ),
            success=counted(ngettext_lazy("%(count)d candidature retenue.", "%(count)d candidatures retenues.", "count")),
        )

    action_refuser = _with_reason(
        "candidature_refuse",
        description=_("Ne pas retenir (avec motif)"),
        title=_("Ne pas retenir la candidature"),
        intro=_("Le motif sera enregistré dans l’historique et communiqué au·à la candidat·e."),
        submit_label=_("Ne pas retenir"),
        success=counted(ngettext_lazy("%(count)d candidature non retenue.", "%(count)d candidatures non retenues.", "count")),
    )

    action_reorienter = _with_reason(
        "candidature_redirect",
        description=_("Réorienter vers un autre dispositif (avec motif)"),
        title=_("Réorienter vers un autre dispositif"),
        intro=_("Indiquez le dispositif conseillé : le motif est enregistré dans l’historique du dossier."),
        submit_label=_("Réorienter"),
        success=counted(ngettext_lazy("%(count)d candidature réorientée.", "%(count)d candidatures réorientées.", "count")),
    )

    action_annuler_decision = _with_reason(
        "candidature_revert_decision",
        description=_("Annuler la dernière décision (avec motif)"),
        title=_("Annuler la dernière décision"),
        intro=_("Chaque dossier revient à l’état qu’il avait avant sa dernière décision ; l’historique le garde."),
        submit_label=_("Annuler la décision"),
        success=counted(ngettext_lazy("%(count)d décision annulée.", "%(count)d décisions annulées.", "count")),
    )


@admin.register(CandidatureEvenement)
class CandidatureEvenementAdmin(LongListMixin, EtatsLabelsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    etats = Etat
    list_display = ("created_at", "candidature", "kind", "transition", "from_state_label", "to_state_label", "actor", "reason")
    list_filter = ("kind", "transition", "candidature__programme")
    search_fields = ("candidature__reference", "reason", "actor__email", "transition")
    date_hierarchy = "created_at"
    list_select_related = ("candidature", "actor")


@admin.register(PieceJointe)
class PieceJointeAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Uploaded through the applicant's space (size, type and antivirus checks): read-only here."""

    list_display = ("nom_original", "candidature", "type_piece", "taille", "type_mime", "scan", "created_at")
    list_filter = ("type_piece", "scan", "candidature__programme")
    search_fields = ("nom_original", "sha256", "candidature__reference", "candidature__candidat__email")
    date_hierarchy = "created_at"
    list_select_related = ("candidature",)
    exclude = ("fichier",)


@admin.register(DemandePiece)
class DemandePieceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """A request for a document: sent through demande_piece_create (e-mail, timeline), then frozen."""

    service_owned_fields = "__all__"
    service_add = "candidatures.services.demande_piece_create"
    only_services_create = True
    only_services_delete = True
    list_display = ("candidature", "type_piece", "created_at", demandee_par, "fournie_le")
    list_filter = ("type_piece", "candidature__programme", ("fournie_le", admin.EmptyFieldListFilter))
    search_fields = ("candidature__reference", "candidature__candidat__email", "message")
    date_hierarchy = "created_at"
    list_select_related = ("candidature", "demandee_par")
    autocomplete_fields = ("candidature",)
    fields = ("candidature", "type_piece", "message", demandee_par, "created_at", "fournie_le")
    readonly_fields = (demandee_par, "created_at", "fournie_le")

    def has_change_permission(self, request: HttpRequest, obj: DemandePiece | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: DemandePiece | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: DemandePiece, form: Any) -> DemandePiece:
        data = form.cleaned_data
        return services.demande_piece_create(
            candidature=data["candidature"], by=request.user, type_piece=data["type_piece"], message=data.get("message", "")
        )


class BesoinInline(InlineRelatedMixin, ScopedChoicesMixin, admin.TabularInline):
    """The needs found at the interview, as competences of the référentiel."""

    model = Besoin
    inline_select_related = ("competence",)
    extra = 1
    autocomplete_fields = ("competence",)


# Planned (or moved) by entretien_diagnostic_schedule, which moves the file's state and sends the invitation.
DIAGNOSTIC_PLANNING_FIELDS = ("debut", "duree_minutes", "modalite", "lieu", "lien_visio")
# Recorded by entretien_diagnostic_record with the needs (half-days checked against the programme's limits).
DIAGNOSTIC_RESULT_FIELDS = ("realise_le", "format_recommande", "demi_journees", "format_suite", "demi_journees_suite")


@admin.register(EntretienDiagnostic)
class EntretienDiagnosticAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ("candidature", "conduit_par", *DIAGNOSTIC_PLANNING_FIELDS, *DIAGNOSTIC_RESULT_FIELDS)
    service_add = "candidatures.services.entretien_diagnostic_schedule"
    service_change = "candidatures.services.entretien_diagnostic_schedule"
    only_services_create = True
    only_services_delete = True
    list_display = (
        "candidature",
        related_column("candidature__etat", _("état du dossier")),
        "debut",
        "modalite",
        "conduit_par",
        "realise_le",
        "format_recommande_libelle",
        "demi_journees",
    )
    list_filter = (
        "modalite",
        "candidature__programme",
        ("realise_le", admin.EmptyFieldListFilter),
        "candidature__structure__departement",
    )
    search_fields = (
        "candidature__reference",
        "candidature__candidat__email",
        "candidature__candidat__last_name",
        "candidature__structure__raison_sociale",
    )
    date_hierarchy = "debut"
    list_select_related = ("candidature", "conduit_par", "format_recommande")
    autocomplete_fields = ("candidature",)
    readonly_fields = ("conduit_par", *DIAGNOSTIC_RESULT_FIELDS, "created_at", "updated_at")
    inlines = (BesoinInline,)
    fieldsets = (
        (None, {"fields": ("candidature", "debut", "duree_minutes", "modalite", "lieu", "lien_visio", "conduit_par")}),
        (
            _("Résultat"),
            {"fields": ("realise_le", "format_recommande", "demi_journees", "format_suite", "demi_journees_suite", "notes")},
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("format recommandé"), ordering="format_recommande__libelle")
    def format_recommande_libelle(self, obj: EntretienDiagnostic) -> str:
        return obj.format_recommande.libelle if obj.format_recommande else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: EntretienDiagnostic | None = None) -> Any:
        return self.readonly_fields if obj is None else ("candidature", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: EntretienDiagnostic | None = None) -> bool:
        # The file's state and its invitation e-mail depend on it: it is moved, never deleted.
        return False

    def _schedule(self, request: HttpRequest, candidature: Candidature, form: Any) -> EntretienDiagnostic:
        data = form.cleaned_data
        entretien = services.entretien_diagnostic_schedule(
            candidature=candidature,
            by=request.user,
            debut=data["debut"],
            duree_minutes=data["duree_minutes"],
            modalite=data["modalite"],
            lieu=data.get("lieu") or "",
            lien_visio=data.get("lien_visio") or "",
        )
        if "notes" in form.changed_data:
            EntretienDiagnostic.objects.filter(pk=entretien.pk).update(notes=data.get("notes") or "")
            entretien.notes = data.get("notes") or ""
        return entretien

    def create_with_service(self, request: HttpRequest, obj: EntretienDiagnostic, form: Any) -> EntretienDiagnostic:
        return self._schedule(request, form.cleaned_data["candidature"], form)

    def update_with_service(self, request: HttpRequest, obj: EntretienDiagnostic, form: Any) -> EntretienDiagnostic:
        if set(form.changed_data) & set(DIAGNOSTIC_PLANNING_FIELDS):
            return self._schedule(request, obj.candidature, form)
        if "notes" in form.changed_data:
            EntretienDiagnostic.objects.filter(pk=obj.pk).update(notes=form.cleaned_data.get("notes") or "")
        return obj


@admin.register(Besoin)
class BesoinAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    list_display = ("competence", related_column("competence__domaine", _("domaine")), "priorite", "precision", "diagnostic")
    list_filter = ("priorite", "competence__domaine", "diagnostic__candidature__programme")
    search_fields = ("competence__nom", "precision", "diagnostic__candidature__reference")
    list_select_related = ("competence__domaine", "diagnostic__candidature")
    autocomplete_fields = ("diagnostic", "competence")


@admin.register(Message)
class MessageAdmin(LongListMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Messages are a thread: the coordination writes a new one through message_send (e-mail, timeline); a sent message never changes."""

    service_owned_fields = "__all__"
    service_add = "candidatures.services.message_send"
    only_services_create = True
    only_services_delete = True

    list_display = ("created_at", "candidature", "auteur", "de_la_coordination", "apercu", "lu_le")
    list_filter = ("de_la_coordination", ("lu_le", admin.EmptyFieldListFilter), "candidature__programme")
    search_fields = ("texte", "candidature__reference", "auteur__email")
    date_hierarchy = "created_at"
    list_select_related = ("candidature", "auteur")
    autocomplete_fields = ("candidature",)
    fields = ("candidature", "texte", "auteur", "de_la_coordination", "lu_le", "created_at")
    readonly_fields = ("auteur", "de_la_coordination", "lu_le", "created_at")

    @admin.display(description=_("message"))
    def apercu(self, obj: Message) -> str:
        return obj.texte[:80]

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def create_with_service(self, request: HttpRequest, obj: Message, form: Any) -> Message:
        return services.message_send(
            candidature=form.cleaned_data["candidature"], auteur=request.user, texte=form.cleaned_data.get("texte", "")
        )


@admin.register(NoteInterne)
class NoteInterneAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Private notes, written through note_interne_add; the text may be corrected, the file and the author not."""

    service_owned_fields = ("candidature", "auteur", "created_at")
    service_add = "candidatures.services.note_interne_add"
    only_services_create = True
    list_display = ("created_at", "candidature", "auteur", "apercu")
    list_filter = ("candidature__programme",)
    search_fields = ("texte", "candidature__reference", "auteur__email")
    date_hierarchy = "created_at"
    list_select_related = ("candidature", "auteur")
    autocomplete_fields = ("candidature",)
    readonly_fields = ("auteur", "created_at")

    @admin.display(description=_("note"))
    def apercu(self, obj: NoteInterne) -> str:
        return obj.texte[:80]

    def get_readonly_fields(self, request: HttpRequest, obj: NoteInterne | None = None) -> Any:
        return self.readonly_fields if obj is None else ("candidature", *self.readonly_fields)

    def create_with_service(self, request: HttpRequest, obj: NoteInterne, form: Any) -> NoteInterne:
        return services.note_interne_add(
            candidature=form.cleaned_data["candidature"], by=request.user, texte=form.cleaned_data.get("texte", "")
        )


@admin.register(Etiquette)
class EtiquetteAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    list_display = ("nom",)
    search_fields = ("nom",)


@admin.register(EtiquetteCandidature)
class EtiquetteCandidatureAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_owned_fields = ()
    list_display = ("candidature", "etiquette")
    list_filter = ("etiquette", "candidature__programme")
    search_fields = ("candidature__reference", "etiquette__nom")
    list_select_related = ("candidature", "etiquette")
    autocomplete_fields = ("candidature", "etiquette")


@admin.register(EmailEnvoye)
class EmailEnvoyeAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("envoye_le", "destinataire", "sujet", "candidature", envoye_par)
    list_filter = ("candidature__programme",)
    search_fields = ("destinataire", "sujet", "candidature__reference")
    date_hierarchy = "envoye_le"
    list_select_related = ("candidature", "envoye_par")
