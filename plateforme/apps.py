from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class PlateformeConfig(AppConfig):
    """The top layer: what spans every stage of the lifecycle (health, personal-data retention, demo data)."""

    name = "plateforme"
    verbose_name = _("Plateforme")

    def ready(self) -> None:
        # Connects the Celery signal that records each beat task's run (the worker loads the apps too);
        # imported here because the health module reads the models, which are ready only now.
        # Connects the receiver of the mail provider's tracking webhooks (anymail's signal).
        # The person's space shows this stage's section (accounts/espace.py); imported here because the
        # selectors read the models, which are ready only now.
        from . import (
            health,  # noqa: F401
            selectors,
            suivi_emails,  # noqa: F401
        )

        section_register(app=self.name, context=selectors.espace)
