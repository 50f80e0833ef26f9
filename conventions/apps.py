from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Conventions")

    def ready(self) -> None:
        # Connects this stage's answers to the earlier stages' domain signals (imported here because
        # the receivers need the models, which are ready only now).
        from . import receivers  # noqa: F401
