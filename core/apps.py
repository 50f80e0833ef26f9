from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle commun")

    def ready(self) -> None:
        # Connects the Celery signal that records each beat task's run (the worker loads the apps too).
        from . import health  # noqa: F401
