from django.utils.translation import gettext_lazy as _

from accounts import espace


class PlateformeConfig(espace.SectionAppConfig):
    """The top layer: what spans every stage of the lifecycle (health, personal-data retention, demo data)."""

    name = "plateforme"
    verbose_name = _("Plateforme")

    def ready(self) -> None:
        # Connects the Celery signal that records each beat task's run (the worker loads the apps too);
        # imported here because the health module reads the models, which are ready only now.
        # Connects the receiver of the mail provider's tracking webhooks (anymail's signal).
        from . import (
            health,  # noqa: F401
            suivi_emails,  # noqa: F401
        )

        super().ready()
