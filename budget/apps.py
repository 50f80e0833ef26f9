from django.utils.translation import gettext_lazy as _

from accounts import espace


class BudgetConfig(espace.SectionAppConfig):
    name = "budget"
    verbose_name = _("Budget")

    def ready(self) -> None:
        # Connects this stage's answers to the earlier stages' domain signals (imported here because
        # the receivers need the models, which are ready only now).
        from . import receivers  # noqa: F401

        super().ready()
