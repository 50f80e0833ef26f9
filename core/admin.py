"""Back office: the access log of personal data and the background jobs (read only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_helpers import ReadOnlyAdminMixin
from .jobs import jobs_restart
from .models import AccesDonnees, TacheDifferee


@admin.register(AccesDonnees)
class AccesDonneesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened which personal file or export, and when. Written by the download views only."""

    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page

    list_display = ("created_at", "user", "action", "libelle", "objet_type", "objet_id", "adresse_ip")
    list_filter = ("action", "objet_type")
    search_fields = ("user__email", "libelle", "objet_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = list_display


@admin.register(TacheDifferee)
class TacheDiffereeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background jobs (e-mails, PDFs, exports): what waits, what failed and why."""

    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page

    list_display = ("created_at", "tache", "etat", "tentatives", "publiee_le", "terminee_le", "derniere_erreur_courte")
    list_filter = ("etat", "tache")
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
