from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class RelancesConfig(AppConfig):
    name = "relances"
    verbose_name = _("Relances")

    def ready(self) -> None:
        # The person's space shows their messages from the coordination (accounts/espace.py); imported
        # here because the selectors read the models, which are ready only now.
        from . import selectors

        section_register(app=self.name, context=selectors.espace)
