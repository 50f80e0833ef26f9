from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidaturesConfig(AppConfig):
    name = "candidatures"
    verbose_name = _("Candidatures")

    def ready(self) -> None:
        # Imported once the app registry is ready (the invariants query the models): registers this
        # app's invariants in core.invariants (checked by verifier_coherence).
        from . import invariants  # noqa: F401
