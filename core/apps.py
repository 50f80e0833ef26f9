from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle commun")

    def ready(self) -> None:
        # Connects the receiver of the mail provider's tracking webhooks (anymail's signal).
        from . import suivi_emails  # noqa: F401
