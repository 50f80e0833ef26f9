from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.espace import section_register


class ComiteConfig(AppConfig):
    name = "comite"
    verbose_name = _("Comité technique")

    def ready(self) -> None:
        # The person's space shows this stage's section (accounts/espace.py); imported here because the
        # selectors read the models, which are ready only now.
        from . import selectors

        section_register(app=self.name, context=selectors.espace)

        # "Copy this programme" copies the committee's seats through the programmes' registry (comite is
        # above programmes: programmes never imports it); the copier reads this app's models.
        from programmes.copie import register_copie

        from .services import comite_copier

        register_copie(comite_copier)
