from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class CandidaturesConfig(AppConfig):
    name = "candidatures"
    verbose_name = _("Candidatures")

    def ready(self) -> None:
        # The person's space shows this stage's section (accounts/espace.py); imported here because the
        # selectors read the models, which are ready only now.
        from . import selectors

        section_register(app=self.name, context=selectors.espace)
