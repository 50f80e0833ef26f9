"""Collective workshops (ateliers) of a programme, the registrations to them and the members of a programme.

An atelier belongs to a format of kind "collectif" (programmes.Format): its capacity and the fee a
non-member pays come from the format as defaults, and are the atelier's own once it is created.
A registration (Inscription) is confirmed while places are left, waits otherwise, and moves up in
the order of arrival when a confirmed participant withdraws (ateliers/services.py).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import EventBase, NamedState, TimeStampedModel, actor_fk


class EtatAtelier(models.TextChoices):
    """An atelier is scheduled, then held (its attendance list closed by the coordination) or cancelled."""

    PROGRAMME = "programme", _("Programmé")
    TENU = "tenu", _("Tenu (liste de présence close)")
    ANNULE = "annule", _("Annulé")


class Atelier(TimeStampedModel):
    """One session of a collective format: a date, a place or a link, a personne-ressource who leads it."""

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="ateliers"
    )
    format = models.ForeignKey("programmes.Format", verbose_name=_("format"), on_delete=models.PROTECT, related_name="ateliers")
    titre = models.CharField(_("titre"), max_length=200)
    theme = models.TextField(_("thème et contenu"), blank=True)
    debut = models.DateTimeField(_("début"), db_index=True)
    duree = models.PositiveSmallIntegerField(_("durée (dans l’unité du format)"), validators=[MinValueValidator(1)])
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    personne_ressource = models.ForeignKey(
        "annuaire.PersonneRessource",
        verbose_name=_("personne-ressource qui l’anime"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ateliers",
    )
    capacite = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    participation_non_membre = models.DecimalField(
        _("participation d’un·e non-membre (€)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    etat = models.CharField(_("état"), max_length=20, choices=EtatAtelier.choices, default=EtatAtelier.PROGRAMME, db_index=True)
    tenu_le = models.DateTimeField(_("liste de présence close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["debut", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacite__gte=1), name="atelier_capacite_positive"),
            models.CheckConstraint(condition=Q(duree__gte=1), name="atelier_duree_positive"),
            models.CheckConstraint(condition=Q(participation_non_membre__gte=0), name="atelier_participation_positive"),
        ]

    def __str__(self) -> str:
        return self.titre

    # Named states for templates and rules (a template never compares the state strings).
    est_programme = NamedState(EtatAtelier.PROGRAMME)
    est_tenu = NamedState(EtatAtelier.TENU)
    est_annule = NamedState(EtatAtelier.ANNULE)

    # The viewer's own registration, from the calendar's `mon_etat` annotation (ateliers.selectors.calendrier).
    @property
    def je_suis_inscrit(self) -> bool:
        return getattr(self, "mon_etat", None) == EtatInscription.INSCRITE

    @property
    def je_suis_en_attente(self) -> bool:
        return getattr(self, "mon_etat", None) == EtatInscription.EN_ATTENTE


class AtelierEvenement(EventBase):
    """The history of an atelier: its attendance list closed (held) or its cancellation."""

    atelier = models.ForeignKey(Atelier, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement d’un atelier")
        verbose_name_plural = _("historique des ateliers")


class EtatInscription(models.TextChoices):
    INSCRITE = "inscrite", _("Inscrit·e")
    EN_ATTENTE = "en_attente", _("En liste d’attente")
    DESISTEE = "desistee", _("Désisté·e")
    PRESENTE = "presente", _("Présent·e")
    ABSENTE = "absente", _("Absent·e")


# A registration that holds a place: confirmed, then marked present or absent.
ETATS_CONFIRMES = (EtatInscription.INSCRITE, EtatInscription.PRESENTE, EtatInscription.ABSENTE)
ETATS_ACTIFS = (*ETATS_CONFIRMES, EtatInscription.EN_ATTENTE)


class Inscription(TimeStampedModel):
    """A person's registration to an atelier, with the fee a non-member owes for it.

    The waiting list is ordered by `demandee_le` (then the row's id): first come, first served.
    `membre` is the person's membership of the programme when they registered (Adhesion), and
    `participation_due` what they owe: nothing for a member.
    """

    atelier = models.ForeignKey(Atelier, verbose_name=_("atelier"), on_delete=models.CASCADE, related_name="inscriptions")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("participant·e"), on_delete=models.PROTECT, related_name="inscriptions_ateliers"
    )
    etat = models.CharField(_("état"), max_length=20, choices=EtatInscription.choices, default=EtatInscription.INSCRITE)
    demandee_le = models.DateTimeField(_("demandée le"), db_index=True)
    membre = models.BooleanField(_("membre du programme"), default=False)
    participation_due = models.DecimalField(_("participation due (€)"), max_digits=8, decimal_places=2, default=Decimal("0.00"))
    participation_payee_le = models.DateTimeField(_("participation payée le"), null=True, blank=True)
    inscrite_par = actor_fk(_("inscrit·e par"), blank=True)

    class Meta:
        verbose_name = _("inscription à un atelier")
        verbose_name_plural = _("inscriptions aux ateliers")
        ordering = ["demandee_le", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["atelier", "participant"],
                condition=~Q(etat=EtatInscription.DESISTEE),
                name="inscription_unique_par_atelier",
            ),
            models.CheckConstraint(condition=Q(participation_due__gte=0), name="inscription_participation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.atelier}"

    est_en_attente = NamedState(EtatInscription.EN_ATTENTE)

    @property
    def participation_exigible(self) -> bool:
        """A fee is owed for a confirmed place only (not while waiting, nor after a withdrawal)."""
        return self.participation_due > 0 and self.etat in ETATS_CONFIRMES

    @property
    def participation_a_payer(self) -> bool:
        return self.participation_exigible and self.participation_payee_le is None


class InscriptionEvenement(EventBase):
    inscription = models.ForeignKey(Inscription, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement d’une inscription")
        verbose_name_plural = _("historique des inscriptions")


class Adhesion(TimeStampedModel):
    """A person's membership of a programme's pilot association (e.g. PEER CULTURE's cooperating members):
    a member pays no participation to its ateliers. Recorded by the coordination."""

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="adhesions"
    )
    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="adhesions"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        constraints = [models.UniqueConstraint(fields=["programme", "personne"], name="adhesion_unique_par_programme")]

    def __str__(self) -> str:
        return f"{self.personne} – {self.programme}"


# --- Evaluation of a workshop by its participants -----------------------------------------------------


class EtatEvaluationAtelier(models.TextChoices):
    A_REMPLIR = "a_remplir", _("À remplir")
    REMPLIE = "remplie", _("Remplie")


class EvaluationAtelier(TimeStampedModel):
    """What a participant noted present thinks of a held workshop: opened when the coordination closes
    the attendance list, answered once from their space with the programme's workshop evaluation
    questionnaire (questionnaires app, nature « Évaluation d’atelier »). The version answered with is
    kept (and frozen): later edits of the questionnaire do not change how past answers read."""

    inscription = models.OneToOneField(
        Inscription, verbose_name=_("inscription"), on_delete=models.CASCADE, related_name="evaluation"
    )
    etat = models.CharField(
        _("état"),
        max_length=20,
        choices=EtatEvaluationAtelier.choices,
        default=EtatEvaluationAtelier.A_REMPLIR,
        db_index=True,
    )
    questionnaire_version = models.ForeignKey(
        "questionnaires.QuestionnaireVersion",
        verbose_name=_("version du questionnaire"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations_ateliers",
    )
    reponses = models.JSONField(_("réponses (par code de question)"), default=dict, blank=True)
    # The answer to the satisfaction question (1 to 5), kept apart so the workshop's average is one query.
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1 à 5)"), null=True, blank=True)
    repondue_le = models.DateTimeField(_("remplie le"), null=True, blank=True)

    class Meta:
        verbose_name = _("évaluation d’un atelier")
        verbose_name_plural = _("évaluations des ateliers")
        ordering = ["inscription"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="evaluation_atelier_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=(Q(etat="remplie") & Q(repondue_le__isnull=False)) | (~Q(etat="remplie") & Q(repondue_le__isnull=True)),
                name="evaluation_atelier_remplie_datee",
            ),
        ]

    def __str__(self) -> str:
        return _("Évaluation de %(inscription)s") % {"inscription": self.inscription}

    est_a_remplir = NamedState(EtatEvaluationAtelier.A_REMPLIR)
    est_remplie = NamedState(EtatEvaluationAtelier.REMPLIE)


# --- Immersion days ("Vis ma vie", seed 003) --------------------------------------------------------


class EtatImmersion(models.TextChoices):
    EN_PREPARATION = "en_preparation", _("En préparation (objectifs à remplir)")
    PREVUE = "prevue", _("Prévue")
    CLOSE = "close", _("Close (comptes rendus remis)")
    ANNULEE = "annulee", _("Annulée")


class Immersion(TimeStampedModel):
    """One working day a mentee shares with a volunteer mentor (unpaid: no line in the budget).

    The mentee states their objectives before (a short questionnaire); after the day each of the two
    writes their own report from their space; the immersion closes when both are in.
    """

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="immersions"
    )
    format = models.ForeignKey("programmes.Format", verbose_name=_("format"), on_delete=models.PROTECT, related_name="immersions")
    mentore = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentoré·e"), on_delete=models.PROTECT, related_name="immersions_suivies"
    )
    mentor = models.ForeignKey(
        "annuaire.PersonneRessource", verbose_name=_("mentor·e"), on_delete=models.PROTECT, related_name="immersions"
    )
    jour = models.DateField(_("jour de l’immersion"))
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatImmersion.choices, default=EtatImmersion.EN_PREPARATION, db_index=True
    )
    objectifs = models.TextField(_("objectifs de la journée"), blank=True)
    objectifs_le = models.DateTimeField(_("objectifs remplis le"), null=True, blank=True)
    rapport_mentore = models.TextField(_("compte rendu du·de la mentoré·e"), blank=True)
    rapport_mentore_le = models.DateTimeField(_("compte rendu du·de la mentoré·e remis le"), null=True, blank=True)
    rapport_mentor = models.TextField(_("compte rendu du·de la mentor·e"), blank=True)
    rapport_mentor_le = models.DateTimeField(_("compte rendu du·de la mentor·e remis le"), null=True, blank=True)
    creee_par = actor_fk(_("créée par"), blank=True)

    class Meta:
        verbose_name = _("immersion")
        verbose_name_plural = _("immersions")
        ordering = ["jour", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(etat="close") | (Q(rapport_mentore_le__isnull=False) & Q(rapport_mentor_le__isnull=False)),
                name="immersion_close_avec_deux_rapports",
            ),
        ]

    def __str__(self) -> str:
        return _("Immersion de %(mentore)s chez %(mentor)s") % {"mentore": self.mentore, "mentor": self.mentor}

    est_close = NamedState(EtatImmersion.CLOSE)
    attend_objectifs = NamedState(EtatImmersion.EN_PREPARATION)
    attend_rapports = NamedState(EtatImmersion.PREVUE)


class ImmersionEvenement(EventBase):
    immersion = models.ForeignKey(Immersion, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement d’une immersion")
        verbose_name_plural = _("historique des immersions")


# --- Co-développement groups (Payette & Champagne, seed 003) -----------------------------------------


class GroupeCodev(TimeStampedModel):
    """A stable group of the programme's beneficiaries, led by a personne-ressource, meeting several times;
    each meeting works on one member's problem (the session's « client »)."""

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="groupes_codev"
    )
    format = models.ForeignKey(
        "programmes.Format", verbose_name=_("format"), on_delete=models.PROTECT, related_name="groupes_codev"
    )
    nom = models.CharField(_("nom du groupe"), max_length=200)
    animateur = models.ForeignKey(
        "annuaire.PersonneRessource",
        verbose_name=_("personne-ressource qui anime"),
        on_delete=models.PROTECT,
        related_name="groupes_codev",
    )

    class Meta:
        verbose_name = _("groupe de co-développement")
        verbose_name_plural = _("groupes de co-développement")
        ordering = ["programme", "nom", "pk"]

    def __str__(self) -> str:
        return self.nom


class MembreGroupe(models.Model):
    groupe = models.ForeignKey(GroupeCodev, verbose_name=_("groupe"), on_delete=models.CASCADE, related_name="membres")
    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.PROTECT, related_name="groupes_codev"
    )
    ajoute_le = models.DateTimeField(_("ajouté·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre d’un groupe de co-développement")
        verbose_name_plural = _("membres des groupes de co-développement")
        ordering = ["groupe", "ajoute_le", "pk"]
        constraints = [models.UniqueConstraint(fields=["groupe", "personne"], name="membre_groupe_unique")]

    def __str__(self) -> str:
        return f"{self.personne} – {self.groupe}"


class EtatSeanceGroupe(models.TextChoices):
    PLANIFIEE = "planifiee", _("Planifiée")
    TENUE = "tenue", _("Tenue")
    ANNULEE = "annulee", _("Annulée")


class SeanceGroupe(TimeStampedModel):
    """One meeting of a group: a date, the member whose problem the group works on, the attendance."""

    groupe = models.ForeignKey(GroupeCodev, verbose_name=_("groupe"), on_delete=models.CASCADE, related_name="seances")
    debut = models.DateTimeField(_("début"), db_index=True)
    duree = models.PositiveSmallIntegerField(_("durée (dans l’unité du format)"), validators=[MinValueValidator(1)])
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    client = models.ForeignKey(
        MembreGroupe,
        verbose_name=_("membre dont la problématique est travaillée"),
        on_delete=models.PROTECT,
        related_name="seances_client",
    )
    problematique = models.TextField(_("problématique"), blank=True)
    etat = models.CharField(_("état"), max_length=20, choices=EtatSeanceGroupe.choices, default=EtatSeanceGroupe.PLANIFIEE)

    class Meta:
        verbose_name = _("séance de co-développement")
        verbose_name_plural = _("séances de co-développement")
        ordering = ["groupe", "debut", "pk"]
        constraints = [models.CheckConstraint(condition=Q(duree__gte=1), name="seance_groupe_duree_positive")]

    def __str__(self) -> str:
        return f"{self.groupe} – {self.debut:%d/%m/%Y}"

    est_planifiee = NamedState(EtatSeanceGroupe.PLANIFIEE)
    est_tenue = NamedState(EtatSeanceGroupe.TENUE)


class PresenceGroupe(models.Model):
    """Whether a member attended one meeting of their group (recorded by the facilitator or the coordination)."""

    seance = models.ForeignKey(SeanceGroupe, verbose_name=_("séance"), on_delete=models.CASCADE, related_name="presences")
    membre = models.ForeignKey(MembreGroupe, verbose_name=_("membre"), on_delete=models.CASCADE, related_name="presences")
    present = models.BooleanField(_("présent·e"))

    class Meta:
        verbose_name = _("présence à une séance de co-développement")
        verbose_name_plural = _("présences aux séances de co-développement")
        ordering = ["seance", "membre"]
        constraints = [models.UniqueConstraint(fields=["seance", "membre"], name="presence_groupe_unique")]

    def __str__(self) -> str:
        return f"{self.membre} – {self.seance}"


class SeanceGroupeEvenement(EventBase):
    seance = models.ForeignKey(SeanceGroupe, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement d’une séance de co-développement")
        verbose_name_plural = _("historique des séances de co-développement")
