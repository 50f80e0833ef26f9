from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.models import EventBase, NamedState, TimeStampedModel, actor_fk
from programmes.selectors import filtre_programmes


class Etat(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    SOUMISE = "soumise", _("Déposée, à vérifier")
    A_CORRIGER = "a_corriger", _("À compléter par le·la candidat·e")
    RECEVABLE = "recevable", _("Recevable, diagnostic à planifier")
    IRRECEVABLE = "irrecevable", _("Non recevable")
    DIAGNOSTIC_PLANIFIE = "diagnostic_planifie", _("Entretien diagnostic planifié")
    DIAGNOSTIC_REALISE = "diagnostic_realise", _("Diagnostic réalisé")
    EN_ATTENTE_DECISION = "en_attente_decision", _("En attente de décision")
    SELECTIONNEE = "selectionnee", _("Retenue")
    REFUSEE = "refusee", _("Non retenue")
    REORIENTEE = "reorientee", _("Réorientée vers un autre dispositif")
    RETIREE = "retiree", _("Retirée par le·la candidat·e")


ETATS_FINAUX = {Etat.IRRECEVABLE, Etat.REFUSEE, Etat.REORIENTEE, Etat.RETIREE}
ETATS_MODIFIABLES = {Etat.BROUILLON, Etat.A_CORRIGER}


class StatutDemandeur(models.TextChoices):
    SALARIE = "salarie", _("Salarié·e en charge du développement d’un projet ou d’une activité")
    DIRIGEANT_BENEVOLE = "benevole", _("Dirigeant·e bénévole régulier·e de la structure")


def recu_upload_to(instance, filename):
    return f"candidatures/{instance.pk}/recus/{filename}"


class CandidatureQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """The files `user` may open: their own for an applicant, their pilots' programmes' for coordination,
        those put to the committee of a programme they sit on for a committee member."""
        if roles.is_coordination(user):
            return self.filter(filtre_programmes(user))
        if roles.is_comite(user):
            return self.filter(saisines__isnull=False, programme_id__in=roles.programmes_comite(user)).distinct()
        return self.filter(candidat=user)

    def soumises(self):
        return self.exclude(etat=Etat.BROUILLON)


class Candidature(TimeStampedModel):
    """An application to a programme, from the online questionnaire (seed 000)."""

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="candidatures"
    )
    candidat = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("candidat·e"), on_delete=models.PROTECT, related_name="candidatures"
    )
    reference = models.CharField(_("référence"), max_length=30, blank=True)
    etat = models.CharField(_("état"), max_length=30, choices=Etat.choices, default=Etat.BROUILLON, db_index=True)
    etape = models.CharField(_("dernière étape enregistrée"), max_length=30, blank=True)

    # The applicant (présentation du demandeur, dont activité).
    statut_demandeur = models.CharField(_("statut dans la structure"), max_length=20, choices=StatutDemandeur.choices, blank=True)
    fonction = models.CharField(_("fonction"), max_length=200, blank=True)
    presentation = models.TextField(_("présentation et activité"), blank=True)
    # The structure: the reference row, linked at the structure step.
    structure = models.ForeignKey(
        "programmes.Structure",
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidatures",
    )
    # Situation, problem, objectives (seed 000 "Modalités de réponse").
    situation = models.TextField(_("situation de la structure ou du projet"), blank=True)
    problematique = models.TextField(_("problématique dans laquelle s’inscrit le besoin"), blank=True)
    objectifs = models.TextField(_("objectifs de la transmission du savoir-faire"), blank=True)
    competences_souhaitees = models.ManyToManyField(
        "annuaire.Competence", verbose_name=_("compétences recherchées"), blank=True, related_name="candidatures"
    )
    besoins_precisions = models.TextField(_("précisions sur les besoins"), blank=True)
    personne_ressource_pressentie = models.ForeignKey(
        "annuaire.PersonneRessource",
        verbose_name=_("personne-ressource pressentie (annuaire)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidatures_pressenties",
    )
    personne_ressource_pressentie_texte = models.CharField(_("personne-ressource pressentie"), max_length=255, blank=True)
    consentement_donnees = models.BooleanField(_("consentement au traitement des données"), default=False)
    consentement_le = models.DateTimeField(_("consentement donné le"), null=True, blank=True)

    soumise_le = models.DateTimeField(_("déposée le"), null=True, blank=True, db_index=True)
    precheck = models.JSONField(_("pré-contrôle d’éligibilité"), default=dict, blank=True)
    # What the applicant typed at each step, as posted (valid or not), so that nothing is lost
    # on a validation error and the draft can be resumed on another device.
    brouillon = models.JSONField(_("réponses saisies (brouillon)"), default=dict, blank=True)
    # The questionnaire version the file is answered with (set when the draft starts): a submitted file
    # keeps it, and its free answers (`reponses`, by question code) read with that version's labels.
    questionnaire_version = models.ForeignKey(
        "questionnaires.QuestionnaireVersion",
        verbose_name=_("version du questionnaire"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidatures",
    )
    reponses = models.JSONField(_("réponses aux questions du programme"), default=dict, blank=True)
    recu_pdf = models.FileField(_("accusé de réception (PDF)"), upload_to=recu_upload_to, blank=True, max_length=255)
    motif_decision = models.TextField(_("motif de la dernière décision"), blank=True)

    # Decision after the diagnostic: the format(s) and half-days retained.
    format_retenu = models.ForeignKey(
        "programmes.Format", verbose_name=_("format retenu"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    demi_journees_retenues = models.PositiveSmallIntegerField(_("demi-journées retenues"), null=True, blank=True)
    format_suite = models.ForeignKey(
        "programmes.Format",
        verbose_name=_("format retenu ensuite"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Pour « TSF puis mentorat »."),
    )
    demi_journees_suite = models.PositiveSmallIntegerField(_("demi-journées ensuite"), null=True, blank=True)

    objects = CandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-soumise_le", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], condition=~Q(reference=""), name="candidature_reference_unique"),
            models.CheckConstraint(
                condition=Q(demi_journees_retenues__isnull=True) | Q(demi_journees_retenues__gte=1),
                name="candidature_demi_journees_positives",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "etat"]),
            # The default order (the admin list's): a page read backwards from the index, the drafts (no
            # submission date) by creation date, instead of sorting every candidature (issue 14).
            models.Index(fields=["soumise_le", "created_at"]),
            # The coordinator's desk (issue 14) reads the submitted files only, the drafts (half of the rows,
            # without a submission date, first in a descending order) left out by the indexes' condition:
            # its page, newest submission first, is the index's first rows instead of a scan past every draft;
            # its count by stage reads the submitted files through the index instead of the whole table.
            models.Index(
                fields=["programme", "-soumise_le", "-id"], condition=~Q(etat="brouillon"), name="candidature_bureau_page"
            ),
            models.Index(fields=["programme", "etat"], condition=~Q(etat="brouillon"), name="candidature_bureau_etapes"),
        ]

    def __str__(self) -> str:
        return self.reference or _("Brouillon n°%(pk)s") % {"pk": self.pk}

    modifiable = NamedState(*ETATS_MODIFIABLES)


class CandidatureEvenement(EventBase):
    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement du dossier")
        verbose_name_plural = _("historique du dossier")
        # A file's last change of state (how long it waits, candidatures.selectors._attente_depuis), read for
        # every waiting file of the coordinator's desk: one index probe each instead of all the file's events.
        indexes = [models.Index(fields=["candidature", "kind", "created_at", "id"], name="candevt_dernier_par_type")]


class TypePiece(models.TextChoices):
    STATUTS = "statuts", _("Statuts de la structure")
    KBIS_INSEE = "insee", _("Avis de situation INSEE / extrait Kbis")
    BUDGET = "budget", _("Dernier budget ou bilan")
    CV = "cv", _("CV du·de la demandeur·euse")
    PROJET = "projet", _("Présentation du projet")
    AUTRE = "autre", _("Autre document")


class ScanStatus(models.TextChoices):
    NON_CONFIGURE = "non_configure", _("Pas d’antivirus configuré")
    EN_ATTENTE = "en_attente", _("En attente d’analyse")
    SAIN = "sain", _("Analysé, sain")
    INFECTE = "infecte", _("Refusé par l’antivirus")


def piece_upload_to(instance, filename):
    # The stored name is generated by the upload service; `filename` is already safe.
    return f"candidatures/{instance.candidature_id}/{filename}"


class PieceJointe(models.Model):
    candidature = models.ForeignKey(Candidature, verbose_name=_("candidature"), on_delete=models.CASCADE, related_name="pieces")
    type_piece = models.CharField(_("type de document"), max_length=20, choices=TypePiece.choices, default=TypePiece.AUTRE)
    fichier = models.FileField(_("fichier"), upload_to=piece_upload_to, max_length=255)
    nom_original = models.CharField(_("nom du fichier envoyé"), max_length=255)
    taille = models.PositiveIntegerField(_("taille (octets)"))
    type_mime = models.CharField(_("type de contenu"), max_length=100)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    scan = models.CharField(_("analyse antivirus"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.NON_CONFIGURE)
    demande = models.ForeignKey(
        "DemandePiece",
        verbose_name=_("en réponse à la demande"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pieces",
    )
    ajoute_par = actor_fk()
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.nom_original

    # Named scan states for templates (never compare the state strings in a template).
    @property
    def analyse_en_cours(self) -> bool:
        return self.scan == ScanStatus.EN_ATTENTE

    @property
    def infectee(self) -> bool:
        return self.scan == ScanStatus.INFECTE


class DemandePiece(models.Model):
    """A document the coordinator asks for after submission; the applicant can upload just that."""

    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="demandes_pieces")
    type_piece = models.CharField(_("type de document"), max_length=20, choices=TypePiece.choices, default=TypePiece.AUTRE)
    message = models.TextField(_("précisions"), blank=True)
    demandee_par = actor_fk()
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    fournie_le = models.DateTimeField(_("fourni le"), null=True, blank=True)

    class Meta:
        verbose_name = _("document demandé")
        verbose_name_plural = _("documents demandés")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_type_piece_display()} – {self.candidature}"


class Modalite(models.TextChoices):
    PRESENTIEL = "presentiel", _("En présentiel")
    DISTANCE = "distance", _("À distance")


class EntretienDiagnostic(TimeStampedModel):
    """The diagnostic interview: when and where, then the needs and the recommended format."""

    candidature = models.OneToOneField(
        Candidature, verbose_name=_("candidature"), on_delete=models.CASCADE, related_name="diagnostic"
    )
    debut = models.DateTimeField(_("date et heure"))
    duree_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    modalite = models.CharField(_("modalité"), max_length=20, choices=Modalite.choices, default=Modalite.DISTANCE)
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    conduit_par = actor_fk(_("conduit par"))
    realise_le = models.DateTimeField(_("réalisé le"), null=True, blank=True)
    format_recommande = models.ForeignKey(
        "programmes.Format",
        verbose_name=_("format recommandé"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    demi_journees = models.PositiveSmallIntegerField(_("demi-journées recommandées"), null=True, blank=True)
    format_suite = models.ForeignKey(
        "programmes.Format", verbose_name=_("puis"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    demi_journees_suite = models.PositiveSmallIntegerField(_("demi-journées ensuite"), null=True, blank=True)
    notes = models.TextField(_("notes de l’entretien"), blank=True)

    class Meta:
        verbose_name = _("entretien diagnostic")
        verbose_name_plural = _("entretiens diagnostic")
        ordering = ["debut"]
        indexes = [models.Index(fields=["debut"])]  # the agendas list the interviews by date

    def __str__(self) -> str:
        return _("Diagnostic de %(candidature)s") % {"candidature": self.candidature}


class Priorite(models.IntegerChoices):
    HAUTE = 3, _("Prioritaire")
    MOYENNE = 2, _("Importante")
    BASSE = 1, _("Secondaire")


class Besoin(models.Model):
    """A need identified at the diagnostic, as a competence of the référentiel."""

    diagnostic = models.ForeignKey(EntretienDiagnostic, on_delete=models.CASCADE, related_name="besoins")
    competence = models.ForeignKey(
        "annuaire.Competence", verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="besoins"
    )
    priorite = models.PositiveSmallIntegerField(_("priorité"), choices=Priorite.choices, default=Priorite.MOYENNE)
    precision = models.CharField(_("précision"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("besoin identifié")
        verbose_name_plural = _("besoins identifiés")
        ordering = ["-priorite", "competence__nom"]
        constraints = [models.UniqueConstraint(fields=["diagnostic", "competence"], name="besoin_unique_par_diagnostic")]

    def __str__(self) -> str:
        return f"{self.competence} ({self.get_priorite_display()})"


class Message(models.Model):
    """One message of the thread between an applicant and the coordination team."""

    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="messages")
    auteur = actor_fk()
    de_la_coordination = models.BooleanField(_("envoyé par la coordination"), default=False)
    texte = models.TextField(_("message"))
    piece = models.ForeignKey(PieceJointe, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lu_le = models.DateTimeField(_("lu le"), null=True, blank=True)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.texte[:60]


class Etiquette(models.Model):
    nom = models.CharField(_("nom"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class NoteInterne(models.Model):
    """A private note of the coordination team: never shown to applicants, mentors or the committee."""

    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="notes_internes")
    auteur = actor_fk()
    texte = models.TextField(_("note"))
    created_at = models.DateTimeField(_("écrite le"), auto_now_add=True)

    class Meta:
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.texte[:60]


class EtiquetteCandidature(models.Model):
    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="etiquettes_liens")
    etiquette = models.ForeignKey(Etiquette, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["candidature", "etiquette"], name="etiquette_unique_par_candidature")]


class EmailEnvoye(models.Model):
    """An e-mail sent about a file, kept on the file as it was sent."""

    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="emails")
    destinataire = models.EmailField(_("destinataire"))
    sujet = models.CharField(_("objet"), max_length=255)
    corps = models.TextField(_("texte"))
    envoye_par = actor_fk(blank=True)
    envoye_le = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail envoyé")
        verbose_name_plural = _("e-mails envoyés")
        ordering = ["envoye_le"]

    def __str__(self) -> str:
        return self.sujet
