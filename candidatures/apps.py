from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidaturesConfig(AppConfig):
    name = "candidatures"
    verbose_name = _("Candidatures")

    def ready(self) -> None:
        # Registers this app's invariants in core.invariants (checked by verifier_coherence).
        from . import invariants  # noqa: F401
