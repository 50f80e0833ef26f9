from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelancesConfig(AppConfig):
    name = "relances"
    verbose_name = _("Relances")

    def ready(self) -> None:
        # Registers this app's invariants in core.invariants (checked by verifier_coherence).
        from . import invariants  # noqa: F401
