from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes et structures")

    def ready(self) -> None:
        from core.admin_helpers import register_queryset_scope  # why: the admin scope needs the app registry ready

        from .admin_scope import perimetre_admin

        register_queryset_scope(perimetre_admin)
