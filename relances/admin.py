"""Back office: reminders. They are rows written and sent by the reminder scan: view only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import LongListMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin
from core.admin_rows import FastRowsMixin

from .models import DestinataireMessage, MessageGroupe, Relance


@admin.register(Relance)
class RelanceAdmin(FastRowsMixin, LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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


class DestinataireMessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = DestinataireMessage
    fields = ("personne", "sujet", "etat", "envoye_le", "tentatives", "lu_le")
    readonly_fields = fields
    show_change_link = True


@admin.register(MessageGroupe)
class MessageGroupeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Messages of the coordination to a group: written by the group-message page's service only."""

    list_display = ("created_at", "sujet", "auteur", "filtres_libelle", "nombre_destinataires")
    search_fields = ("sujet", "corps")
    date_hierarchy = "created_at"
    list_select_related = ("auteur",)
    readonly_fields = ("created_at", "auteur", "sujet", "corps", "filtres_libelle", "filtres", "nombre_destinataires")
    inlines = [DestinataireMessageInline]


@admin.register(DestinataireMessage)
class DestinataireMessageAdmin(LongListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each recipient's copy of a group message and its e-mail's delivery (written by the service and its job)."""

    list_display = ("message", "personne", "etat", "envoye_le", "tentatives", "lu_le")
    list_filter = ("etat",)
    search_fields = ("personne__email", "personne__last_name", "sujet")
    list_select_related = ("message", "personne")
    readonly_fields = ("message", "personne", "sujet", "texte", "etat", "envoye_le", "tentatives", "derniere_erreur", "lu_le")
