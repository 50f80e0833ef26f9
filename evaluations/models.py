from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import NamedState, TimeStampedModel


class Moment(models.TextChoices):
    DEBUT = "debut", _("Au démarrage")
    SORTIE = "sortie", _("À la sortie")
    SIX_MOIS = "six_mois", _("À 6 mois")
    # Once for every accompaniment of a programme run as a cohort (PEER CULTURE), when its period ends.
    FIN_PROGRAMME = "fin_programme", _("À la fin du programme")


# The moments the objectives grid is scored at (the end-of-programme questionnaire scores none).
MOMENTS_MESURES = (Moment.DEBUT, Moment.SORTIE, Moment.SIX_MOIS)


class Repondant(models.TextChoices):
    BENEFICIAIRE = "beneficiaire", _("Bénéficiaire")
    MENTOR = "mentor", _("Personne-ressource")


class EtatEvaluation(models.TextChoices):
    A_VENIR = "a_venir", _("À venir")
    OUVERTE = "ouverte", _("À remplir")
    REPONDUE = "repondue", _("Remplie")
    EXPIREE = "expiree", _("Sans réponse")


class Evaluation(TimeStampedModel):
    """An evaluation questionnaire: at exit (beneficiary and mentor), 6 months later (beneficiary) and at
    the end of the programme's period (beneficiary and mentor)."""

    accompagnement = models.ForeignKey("accompagnements.Accompagnement", on_delete=models.CASCADE, related_name="evaluations")
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    repondant = models.CharField(_("répondant·e"), max_length=20, choices=Repondant.choices)
    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), null=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatEvaluation.choices, default=EtatEvaluation.A_VENIR, db_index=True
    )
    ouverte_le = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    echeance = models.DateField(_("à remplir avant le"), null=True, blank=True)
    repondue_le = models.DateTimeField(_("remplie le"), null=True, blank=True)
    satisfaction_format = models.PositiveSmallIntegerField(_("satisfaction sur le format (1 à 5)"), null=True, blank=True)
    satisfaction_personne = models.PositiveSmallIntegerField(
        _("satisfaction sur la personne-ressource (1 à 5)"), null=True, blank=True
    )
    recommande_suite = models.BooleanField(_("recommande une suite (mentorat)"), default=False)
    reponses = models.JSONField(_("réponses"), default=dict, blank=True)
    # The programme's own questions (questionnaires app): the version answered with, and the answers by code.
    questionnaire_version = models.ForeignKey(
        "questionnaires.QuestionnaireVersion",
        verbose_name=_("version du questionnaire du programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    reponses_programme = models.JSONField(_("réponses aux questions du programme"), default=dict, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["accompagnement", "moment", "repondant"]
        constraints = [
            models.UniqueConstraint(fields=["accompagnement", "moment", "repondant"], name="evaluation_unique"),
            models.CheckConstraint(
                condition=Q(satisfaction_format__isnull=True) | Q(satisfaction_format__gte=1, satisfaction_format__lte=5),
                name="evaluation_satisfaction_format_1_5",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_personne__isnull=True) | Q(satisfaction_personne__gte=1, satisfaction_personne__lte=5),
                name="evaluation_satisfaction_personne_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accompagnement} – {self.get_moment_display()} – {self.get_repondant_display()}"

    # Named states for templates and callers (never compare the state strings in a template).
    est_ouverte = NamedState(EtatEvaluation.OUVERTE)
    est_repondue = NamedState(EtatEvaluation.REPONDUE)
    est_fin_programme = NamedState(Moment.FIN_PROGRAMME, field="moment")
    est_six_mois = NamedState(Moment.SIX_MOIS, field="moment")


class Atteinte(models.TextChoices):
    ATTEINT = "atteint", _("Atteint")
    PARTIEL = "partiel", _("Partiellement atteint")
    NON_ATTEINT = "non_atteint", _("Non atteint")


class MesureIndicateur(models.Model):
    """An indicator of the objectives grid scored at one moment (start, exit, 6 months)."""

    indicateur = models.ForeignKey("accompagnements.Indicateur", on_delete=models.CASCADE, related_name="mesures")
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    valeur = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2, null=True, blank=True)
    niveau = models.PositiveSmallIntegerField(_("appréciation (1 à 5)"), null=True, blank=True)
    atteinte = models.CharField(_("atteinte de l’objectif"), max_length=20, choices=Atteinte.choices, blank=True)
    commentaire = models.TextField(_("commentaire"), blank=True)
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="mesures")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mesure d’indicateur")
        verbose_name_plural = _("mesures d’indicateurs")
        constraints = [
            models.UniqueConstraint(fields=["indicateur", "moment"], name="mesure_unique_par_moment"),
            models.CheckConstraint(condition=Q(niveau__isnull=True) | Q(niveau__gte=1, niveau__lte=5), name="mesure_niveau_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.indicateur} – {self.get_moment_display()}"
