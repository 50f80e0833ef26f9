"""Questionnaires as versioned data per programme (issue 16).

A programme has one questionnaire per kind (application, exit / end / 6-month evaluations) and public
(beneficiary, personne-ressource). Its content lives in versions: steps (`Etape`) made of questions
(`Question`). A version is frozen as soon as an answer references it (`gelee_le`); the services then
make every change on a new version, which becomes the current one: past answers keep the labels they
were given with.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from programmes.models import DEPARTEMENTS_OCCITANIE


class Nature(models.TextChoices):
    CANDIDATURE = "candidature", _("Candidature")
    EVALUATION_SORTIE = "evaluation_sortie", _("Évaluation de sortie")
    EVALUATION_FIN = "evaluation_fin", _("Évaluation de fin de programme")
    EVALUATION_6MOIS = "evaluation_6mois", _("Évaluation à 6 mois")
    EVALUATION_ATELIER = "evaluation_atelier", _("Évaluation d’atelier")


class Public(models.TextChoices):
    TOUS = "", _("Tous")
    BENEFICIAIRE = "beneficiaire", _("Bénéficiaire")
    PERSONNE_RESSOURCE = "personne_ressource", _("Personne-ressource")


class Bloc(models.TextChoices):
    """The built-in steps of the application form, which write the file's own fields."""

    DEMANDEUR = "demandeur", _("Vous et votre statut (intégré)")
    STRUCTURE = "structure", _("Structure (intégré)")
    SITUATION = "situation", _("Situation (intégré)")
    PROBLEMATIQUE = "problematique", _("Problématique (intégré)")
    OBJECTIFS = "objectifs", _("Objectifs (intégré)")
    BESOINS = "besoins", _("Besoins (intégré)")
    PERSONNE_RESSOURCE = "personne_ressource", _("Personne-ressource pressentie (intégré)")
    PIECES = "pieces", _("Pièces jointes (intégré)")
    CONSENTEMENT = "consentement", _("Consentement (intégré)")


class TypeQuestion(models.TextChoices):
    TEXTE = "texte", _("Texte court")
    TEXTE_LONG = "texte_long", _("Texte long")
    CHOIX = "choix", _("Choix unique")
    CHOIX_MULTIPLE = "choix_multiple", _("Choix multiple")
    NOMBRE = "nombre", _("Nombre")
    DATE = "date", _("Date")
    FICHIER = "fichier", _("Fichier")


class Questionnaire(TimeStampedModel):
    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="questionnaires"
    )
    nature = models.CharField(_("questionnaire"), max_length=30, choices=Nature.choices, default=Nature.CANDIDATURE)
    public = models.CharField(_("public"), max_length=30, choices=Public.choices, default=Public.TOUS, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["programme", "nature", "public"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "nature", "public"], name="questionnaire_unique_par_programme"),
        ]

    def __str__(self) -> str:
        public = f" ({self.get_public_display()})" if self.public else ""
        return f"{self.get_nature_display()}{public} – {self.programme}"

    def version_courante(self) -> QuestionnaireVersion | None:
        return self.versions.order_by("-numero").first()


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="versions"
    )
    numero = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    gelee_le = models.DateTimeField(
        _("figée le"),
        null=True,
        blank=True,
        help_text=_(
            "Une version à laquelle une réponse se rapporte ne change plus : une modification crée une nouvelle version."
        ),
    )

    class Meta:
        verbose_name = _("version de questionnaire")
        verbose_name_plural = _("versions de questionnaire")
        ordering = ["questionnaire", "-numero"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "numero"], name="questionnaire_version_unique"),
        ]

    def __str__(self) -> str:
        return _("%(questionnaire)s, version %(numero)s") % {"questionnaire": self.questionnaire, "numero": self.numero}

    @property
    def gelee(self) -> bool:
        return self.gelee_le is not None


class Etape(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="etapes")
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    slug = models.SlugField(_("identifiant"), max_length=50)
    titre = models.CharField(_("titre"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    bloc = models.CharField(
        _("bloc intégré"),
        max_length=30,
        choices=Bloc.choices,
        blank=True,
        help_text=_("Une étape intégrée reprend le formulaire de la plateforme ; sinon, l’étape pose ses propres questions."),
    )

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["version", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "slug"], name="etape_slug_unique_par_version"),
        ]

    def __str__(self) -> str:
        return f"{self.titre} ({self.version})"


class Question(models.Model):
    etape = models.ForeignKey(Etape, verbose_name=_("étape"), on_delete=models.CASCADE, related_name="questions")
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Identifie la réponse : il reste le même d’une version à l’autre.")
    )
    libelle = models.CharField(_("libellé"), max_length=300)
    aide = models.TextField(_("aide"), blank=True)
    type = models.CharField(_("type de réponse"), max_length=20, choices=TypeQuestion.choices, default=TypeQuestion.TEXTE)
    obligatoire = models.BooleanField(_("obligatoire"), default=False)
    choix = models.TextField(_("choix proposés"), blank=True, help_text=_("Un choix par ligne (questions à choix)."))
    champ = models.CharField(
        _("champ du dossier"),
        max_length=50,
        blank=True,
        help_text=_("Facultatif : la réponse est aussi écrite dans ce champ du dossier (texte)."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["etape", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["etape", "code"], name="question_code_unique_par_etape"),
        ]

    def __str__(self) -> str:
        return self.libelle

    def liste_choix(self) -> list[str]:
        return [ligne.strip() for ligne in self.choix.splitlines() if ligne.strip()]

    def clean(self) -> None:
        if self.type in (TypeQuestion.CHOIX, TypeQuestion.CHOIX_MULTIPLE) and not self.liste_choix():
            raise ValidationError({"choix": _("Une question à choix propose au moins un choix.")})


def _tous_les_departements() -> list[str]:
    # The default territory is Occitanie's (the field's default name): a new programme of another
    # territory ticks its own départements. The name stays: the migrations refer to it.
    return list(DEPARTEMENTS_OCCITANIE)


class Eligibilite(TimeStampedModel):
    """A programme's eligibility rules, as data: its territory, the kinds of structures it takes, the
    share of activity in its field. Checked in the questionnaire (structure step) and by the pre-check."""

    programme = models.OneToOneField(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="eligibilite"
    )
    territoire = models.CharField(
        _("nom du territoire"),
        max_length=100,
        default="Occitanie",
        help_text=_("Par exemple : Occitanie, la métropole de Toulouse."),
    )
    departements = models.JSONField(_("départements acceptés"), default=_tous_les_departements, blank=True)
    communes = models.TextField(
        _("communes acceptées"),
        blank=True,
        help_text=_("Une commune par ligne ; vide : toutes les communes des départements acceptés."),
    )
    types_structure = models.JSONField(
        _("types de structure acceptés"), default=list, blank=True, help_text=_("Aucun coché : tous les types.")
    )
    part_activite_min = models.PositiveSmallIntegerField(
        _("part minimale de l’activité dans le champ du programme (%)"),
        default=50,
        help_text=_("0 : pas de critère sur la part de l’activité."),
    )
    champ_activite = models.CharField(
        _("champ d’activité du programme"),
        max_length=200,
        default="musiques actuelles",
        help_text=_("Tel qu’il se lit dans « une structure de … » : musiques actuelles, culture et création…"),
    )
    adhesion_requise = models.BooleanField(
        _("adhésion requise"),
        default=False,
        help_text=_("Le·la candidat·e doit être membre du programme (adhésion enregistrée par la coordination)."),
    )

    class Meta:
        verbose_name = _("règles d’éligibilité")
        verbose_name_plural = _("règles d’éligibilité")
        constraints = [
            models.CheckConstraint(condition=models.Q(part_activite_min__lte=100), name="eligibilite_part_max_100"),
        ]

    def __str__(self) -> str:
        return _("Éligibilité – %(programme)s") % {"programme": self.programme}

    def liste_communes(self) -> list[str]:
        return [ligne.strip() for ligne in self.communes.splitlines() if ligne.strip()]

    def commune_acceptee(self, commune: str) -> bool:
        communes = {c.casefold() for c in self.liste_communes()}
        return not communes or commune.strip().casefold() in communes
