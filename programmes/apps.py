from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes et structures")

    def ready(self) -> None:
        # The programme's own e-mail templates come before the files (core.emails asks its sources).
        from core.emails import register_email_source

        from .contenus import source_email

        register_email_source(source_email)

        from core.admin_helpers import register_queryset_scope  # why: the admin scope needs the app registry ready

        from .admin_scope import perimetre_admin

        register_queryset_scope(perimetre_admin)
