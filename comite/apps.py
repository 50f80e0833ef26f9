from django.utils.translation import gettext_lazy as _

from accounts import espace


class ComiteConfig(espace.SectionAppConfig):
    name = "comite"
    verbose_name = _("Comité technique")

    def ready(self) -> None:
        super().ready()
        # "Copy this programme" copies the committee's seats through the programmes' registry (comite is
        # above programmes: programmes never imports it); the copier reads this app's models.
        from programmes.copie import register_copie

        from .services import comite_copier

        register_copie(comite_copier)
