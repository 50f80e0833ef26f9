from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = _("Ateliers collectifs")

    def ready(self) -> None:
        # Registers this app's invariants in core.invariants (checked by verifier_coherence); imported
        # here because they query the models, which are ready only now.
        # The person's space shows the workshops (accounts/espace.py); the selectors read the models,
        # which are ready only now.
        from . import (
            invariants,  # noqa: F401
            selectors,
        )

        section_register(app=self.name, context=selectors.espace)
        # The pre-check of an application reads the memberships recorded here (candidatures sits below);
        # imported here because candidatures.eligibility reads models, which are ready only now.
        from candidatures.eligibility import register_adhesion

        register_adhesion(selectors.est_adherent)
