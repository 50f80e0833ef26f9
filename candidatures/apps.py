from django.utils.translation import gettext_lazy as _

from accounts import espace


class CandidaturesConfig(espace.SectionAppConfig):
    name = "candidatures"
    verbose_name = _("Candidatures")
