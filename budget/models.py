from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.antivirus import NON_CONFIGURE
from core.exceptions import RuleViolation
from core.models import EventBase, NamedState, TimeStampedModel, actor_fk
from programmes.selectors import filtre_programmes


class RegleRepartition(models.TextChoices):
    """How a programme shares each budget line between its funders' contributions."""

    PRORATA = "prorata", _("Au prorata des contributions")
    PRIORITE = "priorite", _("Dans l’ordre de priorité des contributions")


class Enveloppe(models.Model):
    """The programme's envelope and the running totals that consume it.

    `engage` (commitments) and `autres_depenses` (essaimage, communication…) are kept on this
    single row and only changed under `select_for_update` in the same transaction as the line
    that causes them; the CHECK constraints make over-commitment impossible even if a code path
    forgot the lock.
    """

    programme = models.OneToOneField(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="enveloppe"
    )
    montant = models.DecimalField(
        _("enveloppe (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    engage = models.DecimalField(_("engagé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False)
    autres_depenses = models.DecimalField(
        _("autres dépenses (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    # Chosen by the coordination; only used once the programme has contributions (budget.repartition).
    regle_repartition = models.CharField(
        _("règle de répartition entre financeurs"),
        max_length=20,
        choices=RegleRepartition.choices,
        default=RegleRepartition.PRORATA,
    )

    class Meta:
        verbose_name = _("enveloppe")
        verbose_name_plural = _("enveloppes")
        constraints = [
            models.CheckConstraint(condition=Q(montant__gte=0), name="enveloppe_montant_positif"),
            models.CheckConstraint(condition=Q(engage__gte=0), name="enveloppe_engage_positif"),
            models.CheckConstraint(condition=Q(autres_depenses__gte=0), name="enveloppe_autres_positif"),
            models.CheckConstraint(
                condition=Q(engage__lte=F("montant") - F("autres_depenses")), name="enveloppe_jamais_depassee"
            ),
        ]

    def __str__(self) -> str:
        return _("Enveloppe de %(programme)s") % {"programme": self.programme}

    @property
    def disponible(self) -> Decimal:
        return self.montant - self.engage - self.autres_depenses


class WrittenOnce(models.Model):
    """A row of the ledger is written once, never edited nor deleted; `refus_modification` and
    `refus_suppression` say what to do instead."""

    refus_modification = _("Une ligne budgétaire ne se modifie pas : saisissez une ligne de correction.")
    refus_suppression = _("Une ligne budgétaire ne se supprime pas : saisissez une ligne de correction.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            raise RuleViolation(self.refus_modification)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuleViolation(self.refus_suppression)


class ImmutableLine(WrittenOnce):
    """A budget line is never edited nor deleted: a correction is a new, opposite line."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisi par"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    # The line this one corrects (its opposite amount); "self" is each concrete line's own model.
    corrige = models.OneToOneField(
        "self", verbose_name=_("corrige la ligne"), null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )

    class Meta:
        abstract = True


class LigneAccompagnementOuAtelier(ImmutableLine):
    """A commitment or a payment: for one accompagnement or one held workshop, never both (CHECK).

    Each concrete line declares its `accompagnement` and `atelier` foreign keys (their reverse names differ:
    a templated related_name would be written unformatted into the migrations' state and alter the fields).
    """

    accompagnement: Any
    atelier: Any
    accompagnement_id: int | None
    atelier_id: int | None

    class Meta(ImmutableLine.Meta):
        abstract = True

    @staticmethod
    def un_seul_objet(nom: str) -> models.CheckConstraint:
        """The CHECK that the line is for an accompagnement or for a workshop, one of the two."""
        return models.CheckConstraint(
            condition=Q(accompagnement__isnull=False, atelier__isnull=True)
            | Q(accompagnement__isnull=True, atelier__isnull=False),
            name=nom,
        )

    @property
    def objet(self) -> str:
        """What the line is for: the accompagnement's reference or the workshop's title."""
        if self.atelier_id is not None:
            return str(self.atelier)
        return self.accompagnement.reference if self.accompagnement is not None else ""


class Engagement(LigneAccompagnementOuAtelier):
    """A commitment on the envelope: a fully signed convention (or the adjustment of an avenant) of an
    accompagnement, or the animation of a held workshop by its personne-ressource (one of the two)."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="engagements")
    accompagnement = models.ForeignKey(
        "accompagnements.Accompagnement", null=True, blank=True, on_delete=models.PROTECT, related_name="engagements"
    )
    atelier = models.ForeignKey(
        "ateliers.Atelier", verbose_name=_("atelier"), null=True, blank=True, on_delete=models.PROTECT, related_name="engagements"
    )
    convention = models.OneToOneField(
        "conventions.Convention", null=True, blank=True, on_delete=models.PROTECT, related_name="engagement"
    )
    montant = models.DecimalField(_("montant (€)"), max_digits=10, decimal_places=2)
    libelle = models.CharField(_("libellé"), max_length=255)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(montant=0), name="engagement_montant_non_nul"),
            LigneAccompagnementOuAtelier.un_seul_objet("engagement_accompagnement_ou_atelier"),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.montant} €"


class ModePaiement(models.TextChoices):
    VIREMENT = "virement", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    AUTRE = "autre", _("Autre")


class Paiement(LigneAccompagnementOuAtelier):
    """A payment to a personne-ressource's employer structure for an accompagnement (one line per
    accompagnement of an invoice when it pays one), or for the animation of a held workshop (one line per
    workshop of the invoice): one of the two, as the engagement it settles."""

    accompagnement = models.ForeignKey(
        "accompagnements.Accompagnement", null=True, blank=True, on_delete=models.PROTECT, related_name="paiements"
    )
    atelier = models.ForeignKey(
        "ateliers.Atelier", verbose_name=_("atelier"), null=True, blank=True, on_delete=models.PROTECT, related_name="paiements"
    )
    structure = models.ForeignKey(
        "programmes.Structure", verbose_name=_("structure payée"), on_delete=models.PROTECT, related_name="paiements"
    )
    date_paiement = models.DateField(_("date du paiement"))
    montant = models.DecimalField(_("montant (€)"), max_digits=10, decimal_places=2)
    reference_facture = models.CharField(_("référence de la facture"), max_length=100)
    depassement_autorise = models.BooleanField(_("dépassement du réalisé autorisé"), default=False)
    facture = models.ForeignKey(
        "budget.Facture", verbose_name=_("facture"), null=True, blank=True, on_delete=models.PROTECT, related_name="paiements"
    )
    mode = models.CharField(_("mode de paiement"), max_length=20, choices=ModePaiement.choices, default=ModePaiement.VIREMENT)
    reference_paiement = models.CharField(_("référence du paiement"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["date_paiement", "created_at"]
        # The default order (the admin list's) and its date hierarchy read from the index, instead of
        # sorting every payment (issue 14).
        indexes = [models.Index(fields=["date_paiement", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(montant=0), name="paiement_montant_non_nul"),
            models.CheckConstraint(
                condition=Q(montant__gt=0) | Q(corrige__isnull=False), name="paiement_negatif_seulement_correction"
            ),
            LigneAccompagnementOuAtelier.un_seul_objet("paiement_accompagnement_ou_atelier"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_facture} : {self.montant} €"

    @property
    def programme_id(self) -> int:
        """The programme of the accompagnement or of the workshop paid (the line has no column of its own)."""
        if self.atelier is not None:
            return self.atelier.programme_id
        return self.accompagnement.programme_id  # type: ignore[union-attr]  # one of the two (CHECK constraint)


def paiements_du_programme(programme: object) -> Q:
    """The payments of a programme (an instance, an id or an OuterRef): its accompagnements' and its workshops'."""
    return Q(accompagnement__programme=programme) | Q(atelier__programme=programme)


class CategorieDepense(models.TextChoices):
    ESSAIMAGE = "essaimage", _("Essaimage")
    COMMUNICATION = "communication", _("Communication")
    AUTRE = "autre", _("Autre")


def justificatif_upload_to(instance, filename):
    return f"budget/{instance.programme_id}/{filename}"


class AutreDepense(ImmutableLine):
    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="autres_depenses")
    categorie = models.CharField(_("catégorie"), max_length=20, choices=CategorieDepense.choices)
    libelle = models.CharField(_("libellé"), max_length=255)
    date_depense = models.DateField(_("date"))
    montant = models.DecimalField(_("montant (€)"), max_digits=10, decimal_places=2)
    justificatif = models.FileField(_("justificatif"), upload_to=justificatif_upload_to, blank=True, max_length=255)

    class Meta:
        verbose_name = _("autre dépense")
        verbose_name_plural = _("autres dépenses")
        ordering = ["date_depense", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(montant=0), name="autre_depense_montant_non_nul"),
            models.CheckConstraint(
                condition=Q(montant__gt=0) | Q(corrige__isnull=False), name="autre_depense_negative_seulement_correction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.montant} €"


class Financeur(models.Model):
    """A funder of the programmes (État – DRAC, CNM, Région…): reference data the coordination edits."""

    nom = models.CharField(_("nom"), max_length=100, unique=True)
    ordre = models.PositiveSmallIntegerField(_("ordre d’affichage"), default=0)

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["ordre", "nom"]

    def __str__(self) -> str:
        return self.nom


class Contribution(models.Model):
    """A funder's part of a programme's envelope: the envelope is the sum of its contributions.

    Like the envelope, the running totals (`engage`, `paye`, `autres`) are kept on the row, only
    changed under `select_for_update` in the transaction of the line that causes them
    (budget.repartition), and CHECK constraints make over-spending a contribution impossible.

    One source of truth: once a programme has contributions, `Enveloppe.montant` is their sum, set by
    the contribution services only (`enveloppe_set` refuses another amount); the programme-wide totals
    (`Enveloppe.engage`, `ResumeProgramme`) stay the ledger's, and the invariants tie both levels:
    envelope = Σ contributions, each line = Σ its imputations, each running total = Σ its imputations.
    """

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="contributions"
    )
    financeur = models.ForeignKey(Financeur, verbose_name=_("financeur"), on_delete=models.PROTECT, related_name="contributions")
    montant = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    reference_convention = models.CharField(_("référence de la convention de financement"), max_length=100, blank=True)
    date_debut = models.DateField(_("période du"))
    date_fin = models.DateField(_("au"))
    finance_demi_journees = models.BooleanField(_("finance les demi-journées d’accompagnement"), default=True)
    finance_essaimage = models.BooleanField(_("finance l’essaimage"), default=False)
    finance_autres = models.BooleanField(_("finance les autres frais"), default=False)
    priorite = models.PositiveSmallIntegerField(
        _("priorité"),
        default=1,
        help_text=_("Avec la règle « dans l’ordre », la contribution de priorité 1 est consommée d’abord."),
    )
    engage = models.DecimalField(_("engagé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False)
    paye = models.DecimalField(_("payé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False)
    autres = models.DecimalField(
        _("autres dépenses (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("contribution d’un financeur")
        verbose_name_plural = _("contributions des financeurs")
        ordering = ["programme", "priorite", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(montant__gte=0), name="contribution_montant_positif"),
            # Rounded to the cent: SQLite computes on floats (PostgreSQL's numeric is exact either way),
            # and a contribution is filled exactly to its limit far more often than the envelope.
            models.CheckConstraint(condition=GreaterThanOrEqual(Round("engage", 2), 0), name="contribution_engage_positif"),
            models.CheckConstraint(condition=GreaterThanOrEqual(Round("paye", 2), 0), name="contribution_paye_positif"),
            models.CheckConstraint(condition=GreaterThanOrEqual(Round("autres", 2), 0), name="contribution_autres_positif"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Round(F("engage") + F("autres") - F("montant"), 2), 0),
                name="contribution_jamais_depassee",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Round(F("paye") - F("montant"), 2), 0), name="contribution_jamais_surpayee"
            ),
            models.CheckConstraint(condition=Q(date_fin__gte=F("date_debut")), name="contribution_periode"),
        ]

    def __str__(self) -> str:
        return _("%(financeur)s – %(programme)s") % {"financeur": self.financeur, "programme": self.programme}

    @property
    def disponible(self) -> Decimal:
        """What the contribution can still carry: contributed − committed − other costs."""
        return self.montant - self.engage - self.autres


class Imputation(WrittenOnce):
    """The part of one budget line (commitment, payment, other cost, or their correction) borne by one
    contribution. Written once by budget.repartition; the parts of a line add up to it to the cent."""

    refus_modification = _("Une imputation ne se modifie pas : corrigez la ligne budgétaire.")
    refus_suppression = _("Une imputation ne se supprime pas : corrigez la ligne budgétaire.")

    contribution = models.ForeignKey(
        Contribution, verbose_name=_("contribution"), on_delete=models.PROTECT, related_name="imputations"
    )
    engagement = models.ForeignKey(Engagement, null=True, blank=True, on_delete=models.PROTECT, related_name="imputations")
    paiement = models.ForeignKey(Paiement, null=True, blank=True, on_delete=models.PROTECT, related_name="imputations")
    depense = models.ForeignKey(AutreDepense, null=True, blank=True, on_delete=models.PROTECT, related_name="imputations")
    montant = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("imputée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("imputation sur une contribution")
        verbose_name_plural = _("imputations sur les contributions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(montant=0), name="imputation_montant_non_nul"),
            models.CheckConstraint(
                condition=(
                    Q(engagement__isnull=False, paiement__isnull=True, depense__isnull=True)
                    | Q(engagement__isnull=True, paiement__isnull=False, depense__isnull=True)
                    | Q(engagement__isnull=True, paiement__isnull=True, depense__isnull=False)
                ),
                name="imputation_une_seule_ligne",
            ),
            models.UniqueConstraint(fields=["engagement", "contribution"], name="imputation_unique_engagement"),
            models.UniqueConstraint(fields=["paiement", "contribution"], name="imputation_unique_paiement"),
            models.UniqueConstraint(fields=["depense", "contribution"], name="imputation_unique_depense"),
        ]

    def __str__(self) -> str:
        return f"{self.contribution} : {self.montant} €"


class TypeExport(models.TextChoices):
    RAPPORT_PDF = "rapport_pdf", _("Rapport de suivi (PDF)")
    TABLEUR_XLSX = "tableur_xlsx", _("Grand livre et accompagnements (tableur XLSX)")
    BILAN_PDF = "bilan_pdf", _("Bilan de fin de mission (PDF)")
    BILAN_XLSX = "bilan_xlsx", _("Bilan de fin de mission (tableur XLSX)")
    CERFA_PDF = "cerfa_pdf", _("Compte rendu financier – CERFA n° 15059 (PDF)")
    CERFA_XLSX = "cerfa_xlsx", _("Compte rendu financier – CERFA n° 15059 (tableur XLSX modifiable)")
    DOSSIER_CONTROLE = "dossier_controle", _("Dossier de contrôle (ZIP)")


# Documents that carry personal data of the files (reports, supporting records…): the coordination's only,
# and every download is written in the access log.
EXPORTS_PERSONNELS = frozenset({TypeExport.DOSSIER_CONTROLE})


class EtatExport(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En attente")
    EN_COURS = "en_cours", _("En préparation")
    PRET = "pret", _("Prêt")
    ECHEC = "echec", _("Échec")


def export_upload_to(instance, filename):
    return f"exports/{instance.programme_id}/{filename}"


class Export(models.Model):
    """A follow-up document prepared by a Celery task: status, progress and the stored file."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="exports")
    # The audit file of one accompagnement (empty: the whole programme, or a programme-wide report).
    accompagnement = models.ForeignKey(
        "accompagnements.Accompagnement",
        verbose_name=_("accompagnement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exports",
    )
    # The financial report (CERFA 15059) of one funder's contribution (empty: the whole programme).
    contribution = models.ForeignKey(
        "Contribution",
        verbose_name=_("contribution du financeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exports",
    )
    type_export = models.CharField(_("document"), max_length=20, choices=TypeExport.choices)
    etat = models.CharField(_("état"), max_length=20, choices=EtatExport.choices, default=EtatExport.EN_ATTENTE)
    progression = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    fichier = models.FileField(_("fichier"), upload_to=export_upload_to, blank=True, max_length=255)
    erreur = models.TextField(_("erreur"), blank=True)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandé par"), on_delete=models.CASCADE, related_name="+"
    )
    demande_le = models.DateTimeField(_("demandé le"), auto_now_add=True)
    termine_le = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-demande_le"]
        constraints = [models.CheckConstraint(condition=Q(progression__lte=100), name="export_progression_max_100")]

    def __str__(self) -> str:
        return f"{self.get_type_export_display()} – {self.programme}"

    est_pret = NamedState(EtatExport.PRET)

    @property
    def est_personnel(self) -> bool:
        return self.type_export in EXPORTS_PERSONNELS


class ResumeProgramme(models.Model):
    """The dashboard's figures of a programme, so that a view reads one row instead of scanning every
    session, report and ledger line of its history.

    Recomputed for just this programme (`budget.resume.resume_recalculer`) in the same transaction
    as every ledger and session write; `budget.resume.resume_violations()` compares it with the
    figures recomputed from the source rows.
    """

    programme = models.OneToOneField(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="resume"
    )
    engage = models.DecimalField(_("engagé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    paye = models.DecimalField(_("payé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    autres = models.DecimalField(_("autres dépenses (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    hj_prevues = models.PositiveIntegerField(_("demi-journées prévues"), default=0)
    nb_accompagnements = models.PositiveIntegerField(_("accompagnements actifs"), default=0)
    hj_livrees = models.PositiveIntegerField(_("demi-journées réalisées"), default=0)
    hj_planifiees = models.PositiveIntegerField(_("demi-journées planifiées ou réalisées"), default=0)
    # The delivered time at each format's rate (half the daily rate per half-day, a rate per hour…).
    livre = models.DecimalField(_("réalisé (€)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # Half-days per (format, département, kind of structure, state of the accompagnement).
    groupes = models.JSONField(_("demi-journées par groupe"), default=list)
    # Delivered half-days per calendar month ("YYYY-MM" in Paris).
    livrees_par_mois = models.JSONField(_("demi-journées réalisées par mois"), default=dict)
    # [domain, accompagnements, planned half-days, delivered half-days] per competence domain sought.
    domaines = models.JSONField(_("répartition par domaine"), default=list)
    recalcule_le = models.DateTimeField(_("recalculé le"), auto_now=True)

    class Meta:
        verbose_name = _("résumé d’un programme")
        verbose_name_plural = _("résumés des programmes")

    def __str__(self) -> str:
        return _("Résumé de %(programme)s") % {"programme": self.programme}


class EtatFacture(models.TextChoices):
    DEPOSEE = "deposee", _("Déposée")
    A_CORRIGER = "a_corriger", _("À corriger")
    APPROUVEE = "approuvee", _("Approuvée")
    PAYEE = "payee", _("Payée")


class FactureQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """The coordination sees its pilots' programmes' invoices; a mentor those of their employer structure."""
        if roles.is_coordination(user):
            return self.filter(filtre_programmes(user))
        return self.filter(structure__personnes_ressources__user=user).distinct() if user.is_authenticated else self.none()


def facture_upload_to(instance, filename):
    return f"factures/{instance.structure_id}/{filename}"


class Facture(TimeStampedModel):
    """An invoice of a mentor's structure against chosen payable sessions and held workshops its
    personnes-ressources led, checked by the coordination (expected amount: payable half-days at the
    programme's rate, plus each workshop's committed animation), approved or returned, then paid."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="factures")
    structure = models.ForeignKey(
        "programmes.Structure", verbose_name=_("structure facturante"), on_delete=models.PROTECT, related_name="factures"
    )
    numero = models.CharField(_("numéro de facture"), max_length=60)
    montant = models.DecimalField(_("montant facturé (€)"), max_digits=10, decimal_places=2)
    fichier = models.FileField(_("facture (PDF)"), upload_to=facture_upload_to, max_length=255)
    nom_original = models.CharField(_("nom du fichier envoyé"), max_length=255, blank=True)
    taille = models.PositiveIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    scan = models.CharField(_("analyse antivirus"), max_length=20, default=NON_CONFIGURE)
    etat = models.CharField(_("état"), max_length=20, choices=EtatFacture.choices, default=EtatFacture.DEPOSEE, db_index=True)
    motif_retour = models.TextField(_("motif du retour"), blank=True)
    deposee_par = actor_fk()

    objects = FactureQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(montant__gt=0), name="facture_montant_positif"),
            models.UniqueConstraint(fields=["structure", "numero"], name="facture_numero_unique_par_structure"),
        ]

    def __str__(self) -> str:
        return f"{self.numero} – {self.structure}"

    # Named states for templates (never compare the state strings in a template).
    est_payee = NamedState(EtatFacture.PAYEE)
    est_a_corriger = NamedState(EtatFacture.A_CORRIGER)


class FactureSeance(models.Model):
    """A session an invoice bills: a session is on one invoice at most (never paid twice)."""

    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, related_name="lignes")
    seance = models.OneToOneField(
        "accompagnements.Seance", verbose_name=_("séance"), on_delete=models.PROTECT, related_name="facture_ligne"
    )

    class Meta:
        verbose_name = _("séance facturée")
        verbose_name_plural = _("séances facturées")

    def __str__(self) -> str:
        return f"{self.facture} – {self.seance}"


class FactureAtelier(models.Model):
    """A held workshop an invoice bills (its animation): a workshop is on one invoice at most (never paid twice)."""

    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, related_name="lignes_ateliers")
    atelier = models.OneToOneField(
        "ateliers.Atelier", verbose_name=_("atelier"), on_delete=models.PROTECT, related_name="facture_ligne"
    )

    class Meta:
        verbose_name = _("atelier facturé")
        verbose_name_plural = _("ateliers facturés")

    def __str__(self) -> str:
        return f"{self.facture} – {self.atelier}"


class FactureEvenement(EventBase):
    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, related_name="evenements")

    class Meta(EventBase.Meta):
        verbose_name = _("événement de la facture")
        verbose_name_plural = _("historique de la facture")
