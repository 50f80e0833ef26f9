from django.utils.translation import gettext_lazy as _

from accounts import espace


class AccompagnementsConfig(espace.SectionAppConfig):
    name = "accompagnements"
    verbose_name = _("Accompagnements et séances")

    def ready(self) -> None:
        # Connects this stage's answers to the earlier stages' domain signals (imported here because
        # the receivers need the models, which are ready only now).
        from . import receivers  # noqa: F401

        super().ready()
