from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.exceptions import RuleViolation
from core.models import NamedState, TimeStampedModel


class EtatConvention(models.TextChoices):
    BROUILLON = "brouillon", _("En préparation")
    EN_SIGNATURE = "en_signature", _("En signature")
    SIGNEE = "signee", _("Signée par les trois parties")
    REMPLACEE = "remplacee", _("Remplacée par un avenant")
    ANNULEE = "annulee", _("Annulée")


class Partie(models.TextChoices):
    STRUCTURE_PILOTE = "structure_pilote", _("Structure pilote")
    PERSONNE_RESSOURCE = "personne_ressource", _("Personne-ressource")
    BENEFICIAIRE = "beneficiaire", _("Bénéficiaire")


def convention_upload_to(instance, filename):
    return f"conventions/{instance.accompagnement_id}/{filename}"


class Convention(TimeStampedModel):
    """A version of the tripartite convention. Version 1 is the convention, later ones avenants.

    Once signed by the three parties a version is frozen: nothing on it changes again.
    """

    accompagnement = models.ForeignKey(
        "accompagnements.Accompagnement", verbose_name=_("accompagnement"), on_delete=models.PROTECT, related_name="conventions"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    etat = models.CharField(
        _("état"), max_length=20, choices=EtatConvention.choices, default=EtatConvention.BROUILLON, db_index=True
    )
    demi_journees = models.PositiveSmallIntegerField(_("demi-journées"))
    montant = models.DecimalField(_("montant (€)"), max_digits=10, decimal_places=2)
    pdf = models.FileField(_("document à signer"), upload_to=convention_upload_to, blank=True, max_length=255)
    pdf_sha256 = models.CharField(_("empreinte du document à signer"), max_length=64, blank=True)
    pdf_final = models.FileField(_("document signé"), upload_to=convention_upload_to, blank=True, max_length=255)
    pdf_final_sha256 = models.CharField(_("empreinte du document signé"), max_length=64, blank=True)
    scan_papier = models.BooleanField(_("signée sur papier (scan)"), default=False)
    signee_le = models.DateTimeField(_("signée le"), null=True, blank=True)
    en_signature_le = models.DateTimeField(_("mise en signature le"), null=True, blank=True)
    motif_avenant = models.TextField(_("objet de l’avenant"), blank=True)
    # The programme's clauses the document was rendered with; a signed version keeps them (FROZEN_FIELDS).
    clauses = models.ForeignKey(
        "programmes.VersionClauses",
        verbose_name=_("version des clauses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The personne-ressource who signs for that party (an avenant bringing a next one in); empty: any of
    # the accompaniment's personnes-ressources.
    personne_ressource_signataire = models.ForeignKey(
        "annuaire.PersonneRessource",
        verbose_name=_("personne-ressource signataire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    remplace = models.OneToOneField(
        "self", verbose_name=_("remplace la version"), null=True, blank=True, on_delete=models.PROTECT, related_name="avenant"
    )

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["accompagnement", "version"]
        constraints = [
            models.UniqueConstraint(fields=["accompagnement", "version"], name="convention_version_unique"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="convention_montant_positif"),
            models.CheckConstraint(condition=Q(demi_journees__gte=1), name="convention_au_moins_une_demi_journee"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} (v{self.version})"

    # Named states for templates and callers (never compare the state strings in a template).
    est_brouillon = NamedState(EtatConvention.BROUILLON)
    est_en_signature = NamedState(EtatConvention.EN_SIGNATURE)
    est_signee = NamedState(EtatConvention.SIGNEE)

    FROZEN_FIELDS = (
        "demi_journees",
        "montant",
        "pdf",
        "pdf_sha256",
        "pdf_final",
        "pdf_final_sha256",
        "signee_le",
        "version",
        "clauses_id",
    )
    # Filled once, after the last signature, by the worker that adds the certification page.
    SET_ONCE_FIELDS = ("pdf_final", "pdf_final_sha256")

    def save(self, *args, **kwargs):
        # Invariant: a fully signed version never changes (only its state may move to "remplacée").
        if self.pk:
            stored = type(self)._default_manager.filter(pk=self.pk).values(*self.FROZEN_FIELDS, "etat").first()
            if stored and stored["etat"] == EtatConvention.SIGNEE:
                changed = [
                    f
                    for f in self.FROZEN_FIELDS
                    if str(stored[f] or "") != str(getattr(self, f) or "") and not (f in self.SET_ONCE_FIELDS and not stored[f])
                ]
                if changed:
                    raise RuleViolation(_("Une convention signée ne peut plus être modifiée : établissez un avenant."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.etat == EtatConvention.SIGNEE or self.signatures.exists():
            raise RuleViolation(_("Une convention signée ne peut pas être supprimée."))
        return super().delete(*args, **kwargs)


class Signature(models.Model):
    """A simple electronic signature: who, when, from where, and the SHA-256 of what was signed."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="signatures")
    partie = models.CharField(_("partie"), max_length=30, choices=Partie.choices)
    signataire = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signataire"), on_delete=models.PROTECT, related_name="+"
    )
    nom_signataire = models.CharField(_("nom du·de la signataire"), max_length=200)
    signee_le = models.DateTimeField(_("signée le"))
    adresse_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    sha256_document = models.CharField(_("empreinte du document signé"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signee_le"]
        constraints = [models.UniqueConstraint(fields=["convention", "partie"], name="signature_unique_par_partie")]

    def __str__(self) -> str:
        return f"{self.get_partie_display()} – {self.nom_signataire}"
