from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import EventBase, NamedState, TimeStampedModel, actor_fk
from programmes.models import Departement


class Domaine(models.Model):
    """A domain of the référentiel de compétences (communication, gestion…)."""

    nom = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), unique=True)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("domaine de compétences")
        verbose_name_plural = _("domaines de compétences")
        ordering = ["ordre", "nom"]

    def __str__(self) -> str:
        return self.nom


class Competence(models.Model):
    domaine = models.ForeignKey(Domaine, verbose_name=_("domaine"), on_delete=models.PROTECT, related_name="competences")
    nom = models.CharField(_("nom"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    issue_d_un_diagnostic = models.BooleanField(_("ajoutée lors d’un diagnostic"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["domaine__ordre", "nom"]
        constraints = [models.UniqueConstraint(fields=["domaine", "nom"], name="competence_unique_par_domaine")]

    def __str__(self) -> str:
        return self.nom


class EtatPersonneRessource(models.TextChoices):
    SUGGEREE = "suggeree", _("Suggérée (à contacter)")
    CANDIDATE = "candidate", _("Candidature à vérifier")
    VALIDEE = "validee", _("Validée")
    REFUSEE = "refusee", _("Non retenue")
    SUSPENDUE = "suspendue", _("Suspendue")


class Mobilite(models.TextChoices):
    DEPARTEMENT = "departement", _("Dans mon département")
    VOISINS = "voisins", _("Mon département et les départements voisins")
    REGION = "region", _("Toute l’Occitanie")
    DISTANCE = "distance", _("À distance uniquement")


class PersonneRessourceQuerySet(models.QuerySet):
    def validees(self):
        return self.filter(etat=EtatPersonneRessource.VALIDEE)


class PersonneRessource(TimeStampedModel):
    """A mentor of the regional directory, employed by a music structure of Occitanie."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personne_ressource",
    )
    prenom = models.CharField(_("prénom"), max_length=100)
    nom = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"))
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    structure = models.ForeignKey(
        "programmes.Structure",
        verbose_name=_("structure employeuse"),
        on_delete=models.PROTECT,
        related_name="personnes_ressources",
    )
    fonction = models.CharField(_("fonction"), max_length=200, blank=True)
    presentation = models.TextField(_("parcours et expériences"), blank=True)
    departement = models.CharField(_("département"), max_length=3, choices=Departement.choices)
    mobilite = models.CharField(_("déplacements acceptés"), max_length=20, choices=Mobilite.choices, default=Mobilite.VOISINS)
    types_projets = models.JSONField(_("types de projets accompagnés"), default=list, blank=True)
    tailles_projets = models.JSONField(_("tailles de structures connues"), default=list, blank=True)
    disponibilite_demi_journees = models.PositiveSmallIntegerField(
        _("disponibilité (demi-journées par an)"), default=8, validators=[MaxValueValidator(200)]
    )
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatPersonneRessource.choices, default=EtatPersonneRessource.CANDIDATE, db_index=True
    )
    ancien_beneficiaire = models.BooleanField(_("ancien·ne bénéficiaire du programme"), default=False)
    suggeree_par = actor_fk(_("suggérée par"), blank=True)
    competences = models.ManyToManyField(  # type: ignore[var-annotated]
        Competence, through="CompetencePersonneRessource", related_name="personnes_ressources"
    )

    objects = PersonneRessourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("personne-ressource")
        verbose_name_plural = _("personnes-ressources")
        ordering = ["nom", "prenom"]
        indexes = [models.Index(fields=["nom", "prenom"])]  # the directory's default sort

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"


class Niveau(models.IntegerChoices):
    PRATIQUE = 1, _("Pratique régulière")
    CONFIRME = 2, _("Confirmé·e")
    EXPERT = 3, _("Expert·e")


class CompetencePersonneRessource(models.Model):
    personne_ressource = models.ForeignKey(PersonneRessource, on_delete=models.CASCADE, related_name="competences_niveaux")
    competence = models.ForeignKey(Competence, verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    niveau = models.PositiveSmallIntegerField(
        _("niveau"), choices=Niveau.choices, default=Niveau.CONFIRME, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )

    class Meta:
        verbose_name = _("compétence de la personne-ressource")
        verbose_name_plural = _("compétences de la personne-ressource")
        constraints = [
            models.UniqueConstraint(fields=["personne_ressource", "competence"], name="competence_pr_unique"),
            models.CheckConstraint(condition=Q(niveau__gte=1, niveau__lte=3), name="competence_pr_niveau_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.competence} ({self.get_niveau_display()})"


class PersonneRessourceEvenement(EventBase):
    personne_ressource = models.ForeignKey(PersonneRessource, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement de la personne-ressource")
        verbose_name_plural = _("historique de la personne-ressource")


class EtatProposition(models.TextChoices):
    BROUILLON = "brouillon", _("À confirmer par la coordination")
    ENVOYEE = "envoyee", _("Proposée à la personne-ressource")
    ACCEPTEE = "acceptee", _("Acceptée")
    DECLINEE = "declinee", _("Déclinée")
    ANNULEE = "annulee", _("Annulée")


class Proposition(TimeStampedModel):
    """A proposed pairing of a selected file with a personne-ressource, with its explained score."""

    candidature = models.ForeignKey("candidatures.Candidature", on_delete=models.CASCADE, related_name="propositions")
    personne_ressource = models.ForeignKey(PersonneRessource, on_delete=models.PROTECT, related_name="propositions")
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatProposition.choices, default=EtatProposition.BROUILLON, db_index=True
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, default=0)
    detail_score = models.JSONField(_("détail du score"), default=dict, blank=True)
    rang = models.PositiveSmallIntegerField(_("rang dans le classement"), null=True, blank=True)
    justification = models.TextField(_("justification (choix différent de la meilleure proposition)"), blank=True)
    motif_refus = models.TextField(_("motif du refus"), blank=True)
    proposee_par = actor_fk()
    envoyee_le = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    repondue_le = models.DateTimeField(_("réponse le"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposition d’appariement")
        verbose_name_plural = _("propositions d’appariement")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["candidature", "personne_ressource"], name="proposition_unique_par_paire"),
        ]

    def __str__(self) -> str:
        return f"{self.candidature} → {self.personne_ressource}"

    # Named states for templates and callers (never compare the state strings in a template).
    # Sent to the personne-ressource, who has not answered yet.
    attend_reponse = NamedState(EtatProposition.ENVOYEE)
    est_acceptee = NamedState(EtatProposition.ACCEPTEE)
    est_declinee = NamedState(EtatProposition.DECLINEE)
