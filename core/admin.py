"""Back office: the access log of personal data and the background jobs (read only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_helpers import LongListMixin, ReadOnlyAdminMixin
from .jobs import jobs_restart
from .models import AccesDonnees, Battement, MessageEnvoye, NotificationDesactivee, TacheDifferee, VerificationCoherence


@admin.register(AccesDonnees)
class AccesDonneesAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened which personal file or export, and when. Written by the download views only."""

    list_display = ("created_at", "user", "action", "libelle", "objet_type", "objet_id", "adresse_ip")
    list_filter = ("action", "objet_type")
    search_fields = ("user__email", "libelle", "objet_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = list_display


@admin.register(TacheDifferee)
class TacheDiffereeAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background jobs (e-mails, PDFs, exports): what waits, what failed and why."""

    list_display = ("created_at", "tache", "etat", "tentatives", "publiee_le", "terminee_le", "derniere_erreur_courte")
    list_filter = ("etat", "tache")
    # The request id of a log line finds the jobs the request asked for.
    search_fields = ("request_id",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in TacheDifferee._meta.fields]
    actions = ["relancer"]

    @admin.display(description=_("dernière erreur"))
    def derniere_erreur_courte(self, obj: TacheDifferee) -> str:
        return obj.derniere_erreur[:120]

    @admin.action(description=_("Relancer les tâches sélectionnées en échec"))
    def relancer(self, request: HttpRequest, queryset: QuerySet[TacheDifferee]) -> None:
        n = jobs_restart(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d tâche remise en file.", "%(n)d tâches remises en file.", n) % {"n": n},
            messages.SUCCESS,
        )


@admin.register(Battement)
class BattementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last run of each periodic task (written by the worker; see the status page /sante/detail/)."""

    list_display = ["nom", "vu_le", "reussi"]
    readonly_fields = [f.name for f in Battement._meta.fields]


@admin.register(MessageEnvoye)
class MessageEnvoyeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every e-mail sent and what the mail provider said of it (tracking webhook)."""

    list_display = ("envoye_le", "destinataire", "sujet", "statut", "updated", "message_id")
    list_filter = ("statut",)
    search_fields = ("destinataire", "sujet", "message_id", "reference")
    date_hierarchy = "envoye_le"
    readonly_fields = (
        "envoye_le",
        "destinataire",
        "personne",
        "sujet",
        "message_id",
        "reference",
        "modele",
        "modele_version",
        "modele_pk",
        "statut",
        "detail",
        "updated",
    )


@admin.register(VerificationCoherence)
class VerificationCoherenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Runs of the invariants (core/invariants.py); written by the nightly task and the coordination's page only."""

    list_display = ("ran_at", "violations", "duration", "alerte_envoyee")
    list_filter = ("alerte_envoyee",)
    date_hierarchy = "ran_at"
    readonly_fields = [f.name for f in VerificationCoherence._meta.fields]


@admin.register(NotificationDesactivee)
class NotificationDesactiveeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The kinds of notification each person switched off; each person sets theirs in their space only."""

    list_display = ("personne", "notification", "created_at")
    list_filter = ("notification",)
    search_fields = ("personne__email", "personne__last_name")
    list_select_related = ("personne",)
    readonly_fields = ("personne", "notification", "created_at")
