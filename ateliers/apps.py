from django.utils.translation import gettext_lazy as _

from accounts import espace


class AteliersConfig(espace.SectionAppConfig):
    name = "ateliers"
    verbose_name = _("Ateliers collectifs")

    def ready(self) -> None:
        super().ready()
        # The pre-check of an application reads the memberships recorded here (candidatures sits below);
        # imported here because candidatures.eligibility and the selectors read models, ready only now.
        from candidatures.eligibility import register_adhesion

        from . import selectors

        register_adhesion(selectors.est_adherent)
