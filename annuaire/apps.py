from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from accounts import espace

from .referentiel import referentiel_initialiser


def _load_referentiel(sender, **kwargs):
    referentiel_initialiser()


class AnnuaireConfig(espace.SectionAppConfig):
    name = "annuaire"
    verbose_name = _("Annuaire, référentiel et appariement")

    def ready(self) -> None:
        # A flushed database (a transactional test) loses data migrations' rows: reload them if empty.
        post_migrate.connect(_load_referentiel, sender=self, dispatch_uid="annuaire_referentiel_initial")
        super().ready()
