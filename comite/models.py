from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, actor_fk


class ReunionComite(TimeStampedModel):
    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="reunions_comite")
    date = models.DateTimeField(_("date"))
    lieu = models.CharField(_("lieu ou lien"), max_length=255, blank=True)
    ordre_du_jour = models.TextField(_("ordre du jour"), blank=True)
    compte_rendu = models.TextField(_("compte-rendu"), blank=True)
    compte_rendu_fichier = models.FileField(_("compte-rendu (fichier)"), upload_to="comite/", blank=True, max_length=255)

    class Meta:
        verbose_name = _("réunion du comité technique")
        verbose_name_plural = _("réunions du comité technique")
        ordering = ["-date"]

    def __str__(self) -> str:
        return _("Comité du %(date)s") % {"date": self.date.strftime("%d/%m/%Y")}


class Saisine(models.Model):
    """A file put to the committee: the only files committee members may read."""

    candidature = models.ForeignKey("candidatures.Candidature", on_delete=models.CASCADE, related_name="saisines")
    reunion = models.ForeignKey(ReunionComite, null=True, blank=True, on_delete=models.SET_NULL, related_name="saisines")
    question = models.TextField(_("question posée au comité"), blank=True)
    pieces = models.ManyToManyField(
        "candidatures.PieceJointe",
        verbose_name=_("documents transmis au comité"),
        blank=True,
        related_name="saisines",
        help_text=_("Les seuls documents du dossier que les membres du comité peuvent ouvrir."),
    )
    saisi_par = actor_fk()
    created_at = models.DateTimeField(_("soumis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier soumis au comité")
        verbose_name_plural = _("dossiers soumis au comité")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.candidature)


class SensAvis(models.TextChoices):
    FAVORABLE = "favorable", _("Favorable")
    RESERVE = "reserve", _("Favorable avec réserves")
    DEFAVORABLE = "defavorable", _("Défavorable")


class Avis(models.Model):
    saisine = models.ForeignKey(Saisine, on_delete=models.CASCADE, related_name="avis")
    membre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="avis_comite")
    sens = models.CharField(_("avis"), max_length=20, choices=SensAvis.choices)
    commentaire = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("donné le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avis du comité")
        verbose_name_plural = _("avis du comité")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["saisine", "membre"], name="avis_unique_par_membre")]

    def __str__(self) -> str:
        return f"{self.get_sens_display()} – {self.membre}"


class MembreComite(TimeStampedModel):
    """A seat on one programme's committee (comité technique of the TSF's funders, comité de pilotage of
    PEER CULTURE). The comité role opens the committee's pages; the seats say which programmes' files,
    meetings, opinions, dashboards and exports its member reads (accounts.roles.programmes_comite)."""

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="membres_comite"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE, related_name="sieges_comite"
    )
    qualite = models.CharField(_("qualité ou organisme"), max_length=200, blank=True)
    actif = models.BooleanField(_("siège actif"), default=True)

    class Meta:
        verbose_name = _("membre du comité")
        verbose_name_plural = _("membres du comité")
        ordering = ["programme", "user__last_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "user"], name="membre_comite_unique_par_programme")]

    def __str__(self) -> str:
        return f"{self.user} – {self.programme}"
