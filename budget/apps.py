from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "budget"
    verbose_name = _("Budget")

    def ready(self) -> None:
        # Connects this stage's answers to the earlier stages' domain signals (imported here because
        # the receivers need the models, which are ready only now).
        # Registers this app's invariants in core.invariants (checked by verifier_coherence).
        from . import (
            invariants,  # noqa: F401
            receivers,  # noqa: F401
        )
