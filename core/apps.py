from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle commun")

    def ready(self) -> None:
        # Every app's rules register in core.permissions when its `permissions` module is imported;
        # core imports them by name (as the admin does its `admin` modules), never the other way round.
        autodiscover_modules("permissions")
        # Likewise every app's invariants register in core.invariants when its `invariants` module is
        # imported (checked by verifier_coherence): one place imports them all, once the models are ready.
        autodiscover_modules("invariants")
        # Imported once the models are loaded (core.tasks reaches them through core.jobs): it registers
        # the outbox's task, which core.jobs hands over by name so that it never imports core.tasks.
        from . import tasks  # noqa: F401
