from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        # "Copy this programme" (programmes/copie.py) copies each app's content through a registry; the
        # copier reads this app's models, which are ready only now.
        from programmes.copie import register_copie

        from .services import questionnaires_copier

        register_copie(questionnaires_copier)
