"""Back office: reminders. They are rows written and sent by the reminder scan: view only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyAdminMixin

from .models import Relance


@admin.register(Relance)
class RelanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # a second COUNT(*) of the whole table on every filtered page
    list_display = (
        "type_relance",
        "destinataire",
        "objet_concerne",
        "rang",
        "echeance",
        "etat",
        "envoyee_le",
        "tentatives",
        "programme",
    )
    list_filter = ("etat", "type_relance", "programme", "content_type")
    search_fields = ("destinataire__email", "destinataire__last_name", "derniere_erreur")
    date_hierarchy = "echeance"
    list_select_related = ("destinataire", "programme", "content_type")
    fields = (
        "programme",
        "type_relance",
        "destinataire",
        "objet_concerne",
        "rang",
        "echeance",
        "etat",
        "reservee_le",
        "envoyee_le",
        "tentatives",
        "derniere_erreur",
        "created_at",
    )

    @admin.display(description=_("concerne"))
    def objet_concerne(self, obj: Relance) -> str:
        # Type and id only: loading each generic object would cost one query per row.
        return f"{obj.content_type.name} n°{obj.object_id}"
