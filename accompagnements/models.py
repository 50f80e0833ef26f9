import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.models import EventBase, NamedState, TimeStampedModel, actor_fk
from programmes.selectors import filtre_programmes


class EtatAccompagnement(models.TextChoices):
    OBJECTIFS = "objectifs", _("Co-construction des objectifs")
    CONVENTION = "convention", _("Convention à signer")
    EN_COURS = "en_cours", _("En cours")
    TERMINE = "termine", _("Terminé, évaluation de sortie")
    CLOS = "clos", _("Clos")
    ABANDONNE = "abandonne", _("Abandonné")


# Named once: the action has ended (exit evaluation, continuation), or has started (sessions, budget figures).
ETATS_TERMINES = (EtatAccompagnement.TERMINE, EtatAccompagnement.CLOS)
ETATS_DEMARRES = (EtatAccompagnement.EN_COURS, *ETATS_TERMINES)
# Neither ended nor abandoned: a personne-ressource may still join it, its duration may still change.
ETATS_OUVERTS = (EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION, EtatAccompagnement.EN_COURS)


class AccompagnementQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """Coordination sees all; a mentor their missions; a beneficiary their own. The comité technique
        follows figures and the files put to it, not the accompaniments' files (as the permission rules
        say: it has no part in an accompagnement), so only its members' own ones, if any."""
        if roles.is_coordination(user):
            return self.filter(filtre_programmes(user))
        return self.filter(self.de_la_personne(user))

    @staticmethod
    def ids_de_la_personne(user) -> models.QuerySet:
        """The ids of the accompagnements where `user` is the beneficiary or one of the mentors, as one
        subquery (`…_id__in=`): a UNION ALL of the two indexed reads, not an OR. An OR (of two IN, or of
        a column and an IN, or through a LEFT JOIN of the mentors) keeps PostgreSQL from joining the
        person's few accompagnements first: it scanned every accompagnement, or every session in date
        order, filtering each (issue 14's bench: 30 000 sessions, 12 to 20 ms a list). An id may come
        twice (a person both beneficiary and mentor of one accompagnement): `IN` does not repeat rows."""
        comme_beneficiaire = Accompagnement.objects.filter(beneficiaire=user).order_by().values("pk")
        missions = Accompagnement.mentors.through.objects.filter(personneressource__user=user).values("accompagnement_id")
        return comme_beneficiaire.union(missions, all=True)

    @classmethod
    def de_la_personne(cls, user) -> Q:
        """Beneficiary or one of the mentors: through a subquery, not a join, so that no row is repeated
        (no DISTINCT) and the database starts from the person's few accompagnements."""
        return Q(pk__in=cls.ids_de_la_personne(user))

    def actifs(self):
        return self.exclude(etat=EtatAccompagnement.ABANDONNE)


class Accompagnement(TimeStampedModel):
    """A TSF or mentorat between a beneficiary and one or more personnes-ressources."""

    reference = models.CharField(_("référence"), max_length=30, unique=True)
    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="accompagnements"
    )
    candidature = models.ForeignKey(
        "candidatures.Candidature", verbose_name=_("candidature"), on_delete=models.PROTECT, related_name="accompagnements"
    )
    beneficiaire = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("bénéficiaire"), on_delete=models.PROTECT, related_name="accompagnements_suivis"
    )
    structure_beneficiaire = models.ForeignKey(
        "programmes.Structure", verbose_name=_("structure bénéficiaire"), on_delete=models.PROTECT, related_name="accompagnements"
    )
    format = models.ForeignKey(
        "programmes.Format", verbose_name=_("format"), on_delete=models.PROTECT, related_name="accompagnements"
    )
    demi_journees_prevues = models.PositiveSmallIntegerField(_("demi-journées prévues"))
    mentors = models.ManyToManyField(
        "annuaire.PersonneRessource", verbose_name=_("personnes-ressources"), related_name="accompagnements"
    )
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatAccompagnement.choices, default=EtatAccompagnement.OBJECTIFS, db_index=True
    )
    suite_de = models.ForeignKey(
        "self", verbose_name=_("suite de"), null=True, blank=True, on_delete=models.SET_NULL, related_name="suites"
    )
    grille_validee_beneficiaire_le = models.DateTimeField(_("grille validée par le·la bénéficiaire le"), null=True, blank=True)
    grille_validee_mentor_le = models.DateTimeField(_("grille validée par la personne-ressource le"), null=True, blank=True)
    termine_le = models.DateTimeField(_("terminé le"), null=True, blank=True)

    objects = AccompagnementQuerySet.as_manager()

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(demi_journees_prevues__gte=1), name="accompagnement_au_moins_une_demi_journee"),
        ]
        indexes = [
            models.Index(fields=["programme", "etat"]),
            # The admin list's order and its date hierarchy: its page read backwards from the index,
            # instead of sorting every accompagnement (issue 14).
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    # Named states for templates and callers (never compare the state strings in a template).
    # The grid is validated by both: the convention is prepared and signed now.
    attend_convention = NamedState(EtatAccompagnement.CONVENTION)
    est_en_cours = NamedState(EtatAccompagnement.EN_COURS)
    # Ended (closed or not): the exit evaluation is open and a continuation may start.
    est_termine = NamedState(*ETATS_TERMINES)

    @property
    def grille_validee(self) -> bool:
        return bool(self.grille_validee_beneficiaire_le and self.grille_validee_mentor_le)


class AccompagnementEvenement(EventBase):
    accompagnement = models.ForeignKey(Accompagnement, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement de l’accompagnement")
        verbose_name_plural = _("historique de l’accompagnement")


class Objectif(TimeStampedModel):
    """One line of the co-built objectives grid (seed 000 « Co-construction d’objectifs »)."""

    accompagnement = models.ForeignKey(Accompagnement, on_delete=models.CASCADE, related_name="objectifs")
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    intitule = models.CharField(_("objectif"), max_length=255)
    critere_reussite = models.TextField(_("à quoi verra-t-on la réussite ?"), blank=True)
    commentaire_coordination = models.TextField(_("commentaire de la coordination"), blank=True)

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["accompagnement", "ordre", "id"]

    def __str__(self) -> str:
        return self.intitule


class TypeIndicateur(models.TextChoices):
    QUALITATIF = "qualitatif", _("Qualitatif")
    QUANTITATIF = "quantitatif", _("Quantitatif")


class Indicateur(models.Model):
    objectif = models.ForeignKey(Objectif, on_delete=models.CASCADE, related_name="indicateurs")
    type_indicateur = models.CharField(
        _("type"), max_length=20, choices=TypeIndicateur.choices, default=TypeIndicateur.QUALITATIF
    )
    libelle = models.CharField(_("indicateur"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    unite = models.CharField(_("unité"), max_length=50, blank=True)
    valeur_initiale = models.DecimalField(_("valeur de départ"), max_digits=12, decimal_places=2, null=True, blank=True)
    cible = models.DecimalField(_("cible"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["objectif", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type_indicateur="qualitatif") | (Q(cible__isnull=False) & ~Q(unite="")),
                name="indicateur_quantitatif_complet",
            )
        ]

    def __str__(self) -> str:
        return self.libelle


class EtatSeance(models.TextChoices):
    PLANIFIEE = "planifiee", _("Planifiée")
    REALISEE = "realisee", _("Réalisée")
    ANNULEE = "annulee", _("Annulée")


class ServiceFait(models.TextChoices):
    """Whether a held session is proven done ("service fait"): confirmed by both, disputed, settled."""

    A_CONFIRMER = "a_confirmer", _("En attente de confirmation")
    CONFIRMEE = "confirmee", _("Confirmée par les deux")
    CONTESTEE = "contestee", _("Contestée")
    TENUE = "tenue", _("Tenue (décision de la coordination)")
    NON_TENUE = "non_tenue", _("Non tenue (décision de la coordination)")


# A held session is payable once proven done: confirmed by both, or settled as held by the coordination.
SERVICE_FAIT_PROUVE = (ServiceFait.CONFIRMEE, ServiceFait.TENUE)


class ModaliteSeance(models.TextChoices):
    PRESENTIEL = "presentiel", _("En présentiel")
    DISTANCE = "distance", _("À distance")


# What "counted" and "delivered" mean for a session, shared by the sessions pages and the budget.
def seance_comptee_q(prefix: str = "") -> Q:
    """Sessions that consume half-days, seen from a related model through `prefix` (e.g. "seances__")."""
    return Q(**{f"{prefix}etat__in": [EtatSeance.PLANIFIEE, EtatSeance.REALISEE]}) | Q(
        **{f"{prefix}etat": EtatSeance.ANNULEE, f"{prefix}comptee": True}
    )


def seance_payable_q(prefix: str = "") -> Q:
    """Sessions payable to the mentor's structure: held and proven done (confirmed by both or settled
    as held), or cancelled late and counted as consumed (seance_cancel sets `comptee`)."""
    return Q(**{f"{prefix}etat": EtatSeance.REALISEE, f"{prefix}service_fait__in": SERVICE_FAIT_PROUVE}) | Q(
        **{f"{prefix}etat": EtatSeance.ANNULEE, f"{prefix}comptee": True}
    )


SEANCE_COMPTEE = seance_comptee_q()
# A held session the coordination settled as not held (service fait) is not delivered.
SERVICE_FAIT_NON_DEMENTI = [value for value in ServiceFait.values if value != ServiceFait.NON_TENUE]
SEANCE_LIVREE = Q(etat=EtatSeance.REALISEE, compte_rendu__soumis_le__isnull=False, service_fait__in=SERVICE_FAIT_NON_DEMENTI) | Q(
    etat=EtatSeance.ANNULEE, comptee=True
)


class SeanceQuerySet(models.QuerySet):
    def comptees(self):
        """Sessions that consume half-days: planned, held, or cancelled late and counted."""
        return self.filter(SEANCE_COMPTEE)

    def payables(self):
        """Payable: proven done, or cancelled late and counted (see seance_payable_q)."""
        return self.filter(seance_payable_q())

    def livrees(self):
        """Delivered: held with a submitted report, or cancelled late and counted as consumed."""
        return self.filter(SEANCE_LIVREE)


class Seance(TimeStampedModel):
    accompagnement = models.ForeignKey(Accompagnement, on_delete=models.CASCADE, related_name="seances")
    debut = models.DateTimeField(_("début"))
    # In the format's unit: half-days (1 or 2) or hours (1 to the format's seance_duree_max).
    demi_journees = models.PositiveSmallIntegerField(_("durée (dans l’unité du format)"), default=1)
    modalite = models.CharField(_("modalité"), max_length=20, choices=ModaliteSeance.choices, default=ModaliteSeance.PRESENTIEL)
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    sujet = models.CharField(_("thème"), max_length=255, blank=True)
    etat = models.CharField(_("état"), max_length=20, choices=EtatSeance.choices, default=EtatSeance.PLANIFIEE, db_index=True)
    realisee_le = models.DateTimeField(_("marquée réalisée le"), null=True, blank=True)
    annulee_le = models.DateTimeField(_("annulée le"), null=True, blank=True)
    motif_annulation = models.TextField(_("motif d’annulation"), blank=True)
    motif_valable = models.BooleanField(_("motif d’annulation valable"), default=False)
    comptee = models.BooleanField(
        _("comptée comme consommée"),
        default=False,
        help_text=_("Annulation tardive sans motif valable (dans le délai du programme avant la séance)."),
    )
    note_coordination = models.TextField(_("note de la coordination"), blank=True)
    service_fait = models.CharField(
        _("service fait"), max_length=20, choices=ServiceFait.choices, default=ServiceFait.A_CONFIRMER, db_index=True
    )
    planifiee_par = actor_fk()
    # The calendar event's SEQUENCE (RFC 5545): grows each time the session moves or is cancelled, so that
    # calendar applications replace their copy of the invitation (its UID stays "seance-<pk>").
    sequence = models.PositiveIntegerField(_("version de l’invitation"), default=0, editable=False)

    objects = SeanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(condition=Q(demi_journees__gte=1), name="seance_duree_positive"),
        ]
        # Every agenda, feed and the admin filter and sort on the date; a file's sessions in date order.
        # The date's index carries the accompagnement (PostgreSQL INCLUDE): the coordination's agenda
        # counts every coming session of the started accompagnements from the index alone, without
        # reading the sessions' rows (issue 14's bench: 5 000 coming sessions, 3 to 10 ms a count).
        indexes = [
            models.Index(fields=["debut"], include=["accompagnement"], name="seance_debut_accompagnement"),
            models.Index(fields=["accompagnement", "debut"]),
        ]

    def __str__(self) -> str:
        return f"{self.accompagnement} – {self.debut:%d/%m/%Y}"

    def get_demi_journees_display(self) -> str:
        """The duration as read: « Une demi-journée », « Une journée », or « 3 h » for a format in hours."""
        if self.accompagnement.format.est_en_heures:
            return self.accompagnement.format.duree_texte(self.demi_journees)
        return str({1: _("Une demi-journée"), 2: _("Une journée")}.get(self.demi_journees, self.demi_journees))

    # Named states for templates and callers (never compare the state strings in a template).
    est_planifiee = NamedState(EtatSeance.PLANIFIEE)
    est_realisee = NamedState(EtatSeance.REALISEE)
    est_annulee = NamedState(EtatSeance.ANNULEE)

    @property
    def annulation_comptee(self) -> bool:
        """Cancelled late without a valid reason: the half-day is consumed."""
        return self.est_annulee and self.comptee

    @property
    def service_fait_attendu(self) -> bool:
        """Held, and still waiting for the confirmations of the pair."""
        return self.est_realisee and self.service_fait == ServiceFait.A_CONFIRMER

    @property
    def service_fait_conteste(self) -> bool:
        return self.est_realisee and self.service_fait == ServiceFait.CONTESTEE

    @property
    def service_fait_prouve(self) -> bool:
        return self.est_realisee and self.service_fait in SERVICE_FAIT_PROUVE

    @property
    def est_payable(self) -> bool:
        return self.service_fait_prouve or self.annulation_comptee


class PartieConfirmation(models.TextChoices):
    BENEFICIAIRE = "beneficiaire", _("Bénéficiaire")
    MENTOR = "mentor", _("Personne-ressource")


class ConfirmationSeance(models.Model):
    """One party's answer to "did this session take place?" (service fait): who, when, what."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="confirmations")
    partie = models.CharField(_("partie"), max_length=20, choices=PartieConfirmation.choices)
    personne = actor_fk(_("par"))
    tenue = models.BooleanField(_("la séance a eu lieu"))
    commentaire = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("répondu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation de séance")
        verbose_name_plural = _("confirmations de séance")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["seance", "partie"], name="confirmation_une_par_partie")]

    def __str__(self) -> str:
        return f"{self.seance} – {self.get_partie_display()}"


class QuestionSeance(models.Model):
    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="questions")
    auteur = actor_fk()
    texte = models.TextField(_("question"))
    created_at = models.DateTimeField(_("posée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("question pour la séance")
        verbose_name_plural = _("questions pour la séance")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.texte[:60]


class CompteRendu(TimeStampedModel):
    """The mentor's report after a session, due within 7 days (seeds 003/004)."""

    seance = models.OneToOneField(Seance, on_delete=models.CASCADE, related_name="compte_rendu")
    redige_par = actor_fk()
    travaux = models.TextField(_("ce qui a été travaillé"), blank=True)
    outils = models.TextField(_("outils et ressources partagés"), blank=True)
    progres = models.JSONField(_("avancée sur chaque objectif"), default=dict, blank=True)
    prochaines_etapes = models.TextField(_("prochaines étapes"), blank=True)
    soumis_le = models.DateTimeField(_("remis le"), null=True, blank=True)
    commentaire_beneficiaire = models.TextField(_("commentaire du·de la bénéficiaire"), blank=True)
    commente_le = models.DateTimeField(_("commenté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("compte-rendu")
        verbose_name_plural = _("comptes-rendus")
        # The admin list's date hierarchy: its first and last dates and its years read from the index,
        # not from every report (issue 14).
        indexes = [models.Index(fields=["soumis_le"])]

    def __str__(self) -> str:
        return _("Compte-rendu de %(seance)s") % {"seance": self.seance}


class TypeSupport(models.TextChoices):
    FICHIER = "fichier", _("Fichier")
    LIEN = "lien", _("Lien vers un enregistrement")
    GRILLE = "grille", _("Grille d’observation")


def support_upload_to(instance, filename):
    return f"seances/{instance.seance_id}/{filename}"


class SupportTemoin(models.Model):
    """A supporting record of a session (seed 002 « supports témoins »)."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="supports")
    type_support = models.CharField(_("type"), max_length=20, choices=TypeSupport.choices)
    titre = models.CharField(_("titre"), max_length=255)
    fichier = models.FileField(_("fichier"), upload_to=support_upload_to, blank=True, max_length=255)
    nom_original = models.CharField(_("nom du fichier envoyé"), max_length=255, blank=True)
    taille = models.PositiveIntegerField(_("taille (octets)"), null=True, blank=True)
    type_mime = models.CharField(_("type de contenu"), max_length=100, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("lien"), blank=True)
    grille = models.JSONField(_("grille d’observation"), default=dict, blank=True)
    ajoute_par = actor_fk()
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("support témoin")
        verbose_name_plural = _("supports témoins")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.titre


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CreneauQuerySet(models.QuerySet):
    def libres(self):
        """Slots still offered: not booked by a session."""
        return self.filter(seance__isnull=True)

    def a_venir(self, *, depuis: Any, jusqua: Any):
        """The window of slots a page shows: from `depuis` (now) to `jusqua` (the coming weeks)."""
        return self.filter(debut__gte=depuis, debut__lt=jusqua)


class PartieTerminee(TimeStampedModel):
    """A personne-ressource's part of an accompaniment is over (several follow one another, issue 16):
    they keep reading its sessions but plan no new ones. Written only by personne_ressource_terminer."""

    accompagnement = models.ForeignKey(Accompagnement, on_delete=models.CASCADE, related_name="parties_terminees")
    personne_ressource = models.ForeignKey(
        "annuaire.PersonneRessource", verbose_name=_("personne-ressource"), on_delete=models.PROTECT, related_name="+"
    )
    motif = models.TextField(_("motif"))
    par = actor_fk(_("par"), blank=True)

    class Meta:
        verbose_name = _("fin de partie d’une personne-ressource")
        verbose_name_plural = _("fins de partie des personnes-ressources")
        constraints = [
            models.UniqueConstraint(fields=["accompagnement", "personne_ressource"], name="partie_terminee_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.accompagnement} – {self.personne_ressource}"


class Creneau(TimeStampedModel):
    """A half-day (or a day) a personne-ressource publishes as available; booking it plans a session.

    Its time is encoded as a session's (`debut`, aware, and a number of half-days, see calendar.DUREES).
    Booked while `seance` is set; the session's cancellation or move sets it free again.
    """

    mentor = models.ForeignKey(
        "annuaire.PersonneRessource", verbose_name=_("personne-ressource"), on_delete=models.CASCADE, related_name="creneaux"
    )
    debut = models.DateTimeField(_("début"))
    demi_journees = models.PositiveSmallIntegerField(
        _("durée"), choices=[(1, _("Une demi-journée")), (2, _("Une journée"))], default=1
    )
    modalite = models.CharField(_("modalité"), max_length=20, choices=ModaliteSeance.choices, default=ModaliteSeance.PRESENTIEL)
    lieu = models.CharField(_("lieu"), max_length=255, blank=True)
    lien_visio = models.URLField(_("lien de visioconférence"), blank=True)
    # One session per slot and one slot per session, by construction.
    seance = models.OneToOneField(
        Seance, verbose_name=_("séance réservée"), null=True, blank=True, on_delete=models.SET_NULL, related_name="creneau"
    )

    objects = CreneauQuerySet.as_manager()

    class Meta:
        verbose_name = _("créneau de disponibilité")
        verbose_name_plural = _("créneaux de disponibilité")
        ordering = ["debut", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(demi_journees__in=[1, 2]), name="creneau_demi_journee_ou_journee"),
            models.UniqueConstraint(fields=["mentor", "debut"], name="creneau_unique_par_mentor_et_debut"),
        ]
        indexes = [models.Index(fields=["mentor", "debut"]), models.Index(fields=["debut"])]

    def __str__(self) -> str:
        return f"{self.mentor} – {self.debut:%d/%m/%Y %H:%M}"

    @property
    def est_libre(self) -> bool:
        return self.seance_id is None


class FluxCalendrier(models.Model):
    """A person's private calendar feed URL (secret token, revocable)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flux_calendrier")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("flux d’agenda")
        verbose_name_plural = _("flux d’agenda")

    def __str__(self) -> str:
        return str(self.user)


class AccompagnementHistorique(TimeStampedModel):
    """A past accompaniment brought in from the coordination's records kept before the platform (since
    2022): closed, with its half-days done and its amount. Written only by its import service; its
    half-days count towards the format's maximum per beneficiary structure (programmes.rules)."""

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    reference_origine = models.CharField(_("référence d’origine"), max_length=60, blank=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="accompagnements_historiques",
    )
    format = models.ForeignKey(
        "programmes.Format", verbose_name=_("format"), on_delete=models.PROTECT, related_name="accompagnements_historiques"
    )
    structure_beneficiaire = models.ForeignKey(
        "programmes.Structure",
        verbose_name=_("structure bénéficiaire"),
        on_delete=models.PROTECT,
        related_name="accompagnements_historiques",
    )
    beneficiaire_nom = models.CharField(_("bénéficiaire"), max_length=200)
    beneficiaire_email = models.EmailField(_("e-mail du·de la bénéficiaire"), blank=True)
    mentors = models.ManyToManyField(
        "annuaire.PersonneRessource", verbose_name=_("personnes-ressources"), related_name="accompagnements_historiques"
    )
    date_debut = models.DateField(_("début"))
    date_fin = models.DateField(_("fin"))
    demi_journees = models.PositiveSmallIntegerField(_("demi-journées réalisées"))
    montant = models.DecimalField(_("montant (€)"), max_digits=10, decimal_places=2)
    importe_par = actor_fk(_("importé par"), blank=True)

    class Meta:
        verbose_name = _("accompagnement historique")
        verbose_name_plural = _("accompagnements historiques")
        ordering = ["-date_debut", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(demi_journees__gte=1), name="historique_au_moins_une_demi_journee"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="historique_montant_positif"),
            models.CheckConstraint(condition=Q(date_fin__gte=models.F("date_debut")), name="historique_periode_valide"),
            models.UniqueConstraint(
                fields=["programme", "reference_origine"],
                condition=~Q(reference_origine=""),
                name="historique_reference_origine_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.structure_beneficiaire.raison_sociale}"
