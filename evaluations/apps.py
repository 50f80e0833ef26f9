from django.utils.translation import gettext_lazy as _

from accounts import espace


class EvaluationsConfig(espace.SectionAppConfig):
    name = "evaluations"
    verbose_name = _("Évaluations")
