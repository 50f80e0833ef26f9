from django.utils.translation import gettext_lazy as _

from accounts import espace


class RelancesConfig(espace.SectionAppConfig):
    """The person's space shows their messages from the coordination (relances.selectors.espace)."""

    name = "relances"
    verbose_name = _("Relances")
