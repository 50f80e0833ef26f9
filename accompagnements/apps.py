from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class AccompagnementsConfig(AppConfig):
    name = "accompagnements"
    verbose_name = _("Accompagnements et séances")

    def ready(self) -> None:
        # Connects this stage's answers to the earlier stages' domain signals (imported here because
        # the receivers need the models, which are ready only now).
        # The person's space shows this stage's section (accounts/espace.py); imported here because the
        # selectors read the models, which are ready only now.
        from . import (
            receivers,  # noqa: F401
            selectors,
        )

        section_register(app=self.name, context=selectors.espace)
