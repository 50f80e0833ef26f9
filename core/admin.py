"""Back office: the access log of personal data (read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccesDonnees


@admin.register(AccesDonnees)
class AccesDonneesAdmin(admin.ModelAdmin):
    """Who opened which personal file or export, and when. Written by the download views only."""

    list_display = ("created_at", "user", "action", "libelle", "objet_type", "objet_id", "adresse_ip")
    list_filter = ("action", "objet_type")
    search_fields = ("user__email", "libelle", "objet_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
