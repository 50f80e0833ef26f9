from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_last_app(sender, **kwargs):
    # post_migrate fires once per app that has models; permissions of every app exist only after the last one.
    if sender is [config for config in apps.get_app_configs() if config.models_module is not None][-1]:
        # Imported here: accounts.services imports auth models, which this module (loaded before the
        # app registry is ready) cannot.
        from .services import roles_sync

        roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et rôles")

    def ready(self) -> None:
        post_migrate.connect(_sync_after_last_app, dispatch_uid="accounts_roles_sync")
        # Imported in ready(), Django's place for connecting receivers (once, every app loaded): the
        # receiver starts the staff idle clock at login.
        from . import signals  # noqa: F401
