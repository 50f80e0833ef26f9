from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccompagnementsConfig(AppConfig):
    name = "accompagnements"
    verbose_name = _("Accompagnements et séances")
