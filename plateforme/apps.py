from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlateformeConfig(AppConfig):
    """The top layer: what spans every stage of the lifecycle (personal-data retention, demo data)."""

    name = "plateforme"
    verbose_name = _("Plateforme")
