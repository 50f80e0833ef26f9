import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, actor_fk
from core.money import euros

from .validators import validate_siret


class Departement(models.TextChoices):
    """Every French département, overseas included: a national pilot's or a neighbouring region's
    structures are entered as well as Occitanie's (the territory of a programme is its eligibility rule)."""

    AIN = "01", "01 – Ain"
    AISNE = "02", "02 – Aisne"
    ALLIER = "03", "03 – Allier"
    ALPES_DE_HAUTE_PROVENCE = "04", "04 – Alpes-de-Haute-Provence"
    HAUTES_ALPES = "05", "05 – Hautes-Alpes"
    ALPES_MARITIMES = "06", "06 – Alpes-Maritimes"
    ARDECHE = "07", "07 – Ardèche"
    ARDENNES = "08", "08 – Ardennes"
    ARIEGE = "09", "09 – Ariège"
    AUBE = "10", "10 – Aube"
    AUDE = "11", "11 – Aude"
    AVEYRON = "12", "12 – Aveyron"
    BOUCHES_DU_RHONE = "13", "13 – Bouches-du-Rhône"
    CALVADOS = "14", "14 – Calvados"
    CANTAL = "15", "15 – Cantal"
    CHARENTE = "16", "16 – Charente"
    CHARENTE_MARITIME = "17", "17 – Charente-Maritime"
    CHER = "18", "18 – Cher"
    CORREZE = "19", "19 – Corrèze"
    CORSE_DU_SUD = "2A", "2A – Corse-du-Sud"
    HAUTE_CORSE = "2B", "2B – Haute-Corse"
    COTE_D_OR = "21", "21 – Côte-d’Or"
    COTES_D_ARMOR = "22", "22 – Côtes-d’Armor"
    CREUSE = "23", "23 – Creuse"
    DORDOGNE = "24", "24 – Dordogne"
    DOUBS = "25", "25 – Doubs"
    DROME = "26", "26 – Drôme"
    EURE = "27", "27 – Eure"
    EURE_ET_LOIR = "28", "28 – Eure-et-Loir"
    FINISTERE = "29", "29 – Finistère"
    GARD = "30", "30 – Gard"
    HAUTE_GARONNE = "31", "31 – Haute-Garonne"
    GERS = "32", "32 – Gers"
    GIRONDE = "33", "33 – Gironde"
    HERAULT = "34", "34 – Hérault"
    ILLE_ET_VILAINE = "35", "35 – Ille-et-Vilaine"
    INDRE = "36", "36 – Indre"
    INDRE_ET_LOIRE = "37", "37 – Indre-et-Loire"
    ISERE = "38", "38 – Isère"
    JURA = "39", "39 – Jura"
    LANDES = "40", "40 – Landes"
    LOIR_ET_CHER = "41", "41 – Loir-et-Cher"
    LOIRE = "42", "42 – Loire"
    HAUTE_LOIRE = "43", "43 – Haute-Loire"
    LOIRE_ATLANTIQUE = "44", "44 – Loire-Atlantique"
    LOIRET = "45", "45 – Loiret"
    LOT = "46", "46 – Lot"
    LOT_ET_GARONNE = "47", "47 – Lot-et-Garonne"
    LOZERE = "48", "48 – Lozère"
    MAINE_ET_LOIRE = "49", "49 – Maine-et-Loire"
    MANCHE = "50", "50 – Manche"
    MARNE = "51", "51 – Marne"
    HAUTE_MARNE = "52", "52 – Haute-Marne"
    MAYENNE = "53", "53 – Mayenne"
    MEURTHE_ET_MOSELLE = "54", "54 – Meurthe-et-Moselle"
    MEUSE = "55", "55 – Meuse"
    MORBIHAN = "56", "56 – Morbihan"
    MOSELLE = "57", "57 – Moselle"
    NIEVRE = "58", "58 – Nièvre"
    NORD = "59", "59 – Nord"
    OISE = "60", "60 – Oise"
    ORNE = "61", "61 – Orne"
    PAS_DE_CALAIS = "62", "62 – Pas-de-Calais"
    PUY_DE_DOME = "63", "63 – Puy-de-Dôme"
    PYRENEES_ATLANTIQUES = "64", "64 – Pyrénées-Atlantiques"
    HAUTES_PYRENEES = "65", "65 – Hautes-Pyrénées"
    PYRENEES_ORIENTALES = "66", "66 – Pyrénées-Orientales"
    BAS_RHIN = "67", "67 – Bas-Rhin"
    HAUT_RHIN = "68", "68 – Haut-Rhin"
    RHONE = "69", "69 – Rhône"
    HAUTE_SAONE = "70", "70 – Haute-Saône"
    SAONE_ET_LOIRE = "71", "71 – Saône-et-Loire"
    SARTHE = "72", "72 – Sarthe"
    SAVOIE = "73", "73 – Savoie"
    HAUTE_SAVOIE = "74", "74 – Haute-Savoie"
    PARIS = "75", "75 – Paris"
    SEINE_MARITIME = "76", "76 – Seine-Maritime"
    SEINE_ET_MARNE = "77", "77 – Seine-et-Marne"
    YVELINES = "78", "78 – Yvelines"
    DEUX_SEVRES = "79", "79 – Deux-Sèvres"
    SOMME = "80", "80 – Somme"
    TARN = "81", "81 – Tarn"
    TARN_ET_GARONNE = "82", "82 – Tarn-et-Garonne"
    VAR = "83", "83 – Var"
    VAUCLUSE = "84", "84 – Vaucluse"
    VENDEE = "85", "85 – Vendée"
    VIENNE = "86", "86 – Vienne"
    HAUTE_VIENNE = "87", "87 – Haute-Vienne"
    VOSGES = "88", "88 – Vosges"
    YONNE = "89", "89 – Yonne"
    TERRITOIRE_DE_BELFORT = "90", "90 – Territoire de Belfort"
    ESSONNE = "91", "91 – Essonne"
    HAUTS_DE_SEINE = "92", "92 – Hauts-de-Seine"
    SEINE_SAINT_DENIS = "93", "93 – Seine-Saint-Denis"
    VAL_DE_MARNE = "94", "94 – Val-de-Marne"
    VAL_D_OISE = "95", "95 – Val-d’Oise"
    GUADELOUPE = "971", "971 – Guadeloupe"
    MARTINIQUE = "972", "972 – Martinique"
    GUYANE = "973", "973 – Guyane"
    LA_REUNION = "974", "974 – La Réunion"
    SAINT_PIERRE_ET_MIQUELON = "975", "975 – Saint-Pierre-et-Miquelon"
    MAYOTTE = "976", "976 – Mayotte"


# The 13 départements of Occitanie: the TSF's territory (the default eligibility rule), the matching's
# map of neighbours and its "whole region" mobility.
DEPARTEMENTS_OCCITANIE: tuple[str, ...] = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")


def prefixe_postal(departement: str) -> str:
    """What a postal code of `departement` starts with: Corsica's 2A and 2B keep the former "20"."""
    return "20" if departement in ("2A", "2B") else departement


class TypeStructure(models.TextChoices):
    SCENE = "scene", _("Scène de musiques actuelles (SMAC) ou salle de concert")
    FESTIVAL = "festival", _("Festival")
    PRODUCTION = "production", _("Producteur·rice / tourneur")
    LABEL = "label", _("Label ou éditeur")
    STUDIO = "studio", _("Studio d’enregistrement")
    ENSEIGNEMENT = "enseignement", _("École de musique ou lieu d’enseignement")
    MANAGEMENT = "management", _("Management d’artistes")
    MEDIA = "media", _("Média")
    RESEAU = "reseau", _("Fédération ou réseau")
    PRATIQUES_AMATEUR = "amateur", _("Association de pratiques amateurs")
    COLLECTIF = "collectif", _("Collectif d’artistes")
    AUTRE = "autre", _("Autre")


class TrancheBudget(models.TextChoices):
    MOINS_50K = "lt50k", _("Moins de 50 000 €")
    DE_50_A_150K = "50-150k", _("De 50 000 à 150 000 €")
    DE_150_A_500K = "150-500k", _("De 150 000 à 500 000 €")
    DE_500K_A_1M = "500k-1m", _("De 500 000 € à 1 M€")
    PLUS_1M = "gt1m", _("Plus de 1 M€")


class FormeJuridique(models.TextChoices):
    ASSOCIATION = "association", _("Association loi 1901")
    SARL = "sarl", _("SARL / EURL")
    SAS = "sas", _("SAS / SASU")
    SCOP = "scop", _("SCOP")
    SCIC = "scic", _("SCIC")
    REGIE = "regie", _("Régie ou établissement public (EPCC…)")
    AUTRE = "autre", _("Autre")


# The matching's weights on a Programme, one per criterion (0–100), edited together by the coordination.
POIDS_FIELDS = (
    "poids_competences",
    "poids_experience",
    "poids_geographie",
    "poids_disponibilite",
    "poids_nouveaute",
    "poids_pressenti",
)


def logo_pilote_upload_to(instance: "StructurePilote", filename: str) -> str:
    return f"pilotes/{instance.pk or 'nouveau'}/{filename}"


class StructurePilote(TimeStampedModel):
    """The structure that runs one or more programmes (GE OPEP for the TSF Occitanie, MA Sphère for
    PEER CULTURE): its identity on the conventions, the CERFA, the e-mails and the site, and the
    coordinators who see its programmes (and only those: programmes/selectors.py)."""

    nom = models.CharField(_("nom"), max_length=200)
    adresse = models.CharField(_("adresse"), max_length=255, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    representant_nom = models.CharField(_("représentant·e : nom"), max_length=200, blank=True)
    representant_qualite = models.CharField(_("représentant·e : qualité"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail de la coordination"))
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    logo = models.FileField(
        _("logo (PNG ou JPEG)"),
        upload_to=logo_pilote_upload_to,
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
    )
    coordinateurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinateur·rices"),
        related_name="structures_pilotes",
        blank=True,
        help_text=_("Les membres de la coordination qui voient les programmes de cette structure, et eux seuls."),
    )

    class Meta:
        verbose_name = _("structure pilote")
        verbose_name_plural = _("structures pilotes")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom

    @property
    def adresse_complete(self) -> str:
        ville = " ".join(part for part in (self.code_postal, self.commune) if part)
        return ", ".join(part for part in (self.adresse, ville) if part)

    @property
    def representant(self) -> str:
        return ", ".join(part for part in (self.representant_nom, self.representant_qualite) if part)

    def identite(self) -> dict[str, Any]:
        """The identity the templates, PDFs and e-mails read as `pilot` (same keys as settings.TSF_PILOT)."""
        return {
            "name": self.nom,
            "address": self.adresse_complete,
            "representative": self.representant,
            "representative_name": self.representant_nom,
            "representative_title": self.representant_qualite,
            "email": self.email,
            "telephone": self.telephone,
            "siret": self.siret,
            "logo": "" if self.logo else settings.TSF_PILOT.get("logo", ""),
            "logo_url": self.logo.url if self.logo else "",
            # The uploaded logo's storage name: the PDFs embed it (core/pdf.py reads it through the storage).
            "logo_media": self.logo.name if self.logo else "",
        }

    @classmethod
    def depuis_reglages(cls) -> "StructurePilote":
        """The instance's first pilot, made from settings.TSF_PILOT when there is none yet (a fresh
        database, a test database emptied between tests): the only use left of those settings."""
        existing = cls.objects.order_by("pk").first()
        if existing is not None:
            return existing
        data = settings.TSF_PILOT
        nom, _sep, qualite = str(data.get("representative", "")).partition(",")
        adresse, _sep, ville = str(data.get("address", "")).partition(",")
        code_postal, _sep, commune = ville.strip().partition(" ")
        return cls.objects.create(
            nom=data.get("name", ""),
            adresse=adresse.strip(),
            code_postal=code_postal[:5],
            commune=commune.strip(),
            representant_nom=nom.strip(),
            representant_qualite=qualite.strip(),
            email=data.get("email", ""),
        )


# The site's pilot (the footer of every page) is kept in the cache: one query less on every page (issue 14).
# Emptied whenever a pilot is saved or deleted (below); the lifetime only bounds a change made behind the
# ORM's back (SQL by hand, a restored dump).
PILOTE_DU_SITE_CLE = "programmes:pilote-du-site"
# Short: without CACHE_URL each gunicorn worker has its own memory cache, which a save empties only in
# the worker that saved (and a Redis outage does the same): the others show the old pilot until then.
PILOTE_DU_SITE_SECONDES = 60


def pilote_du_site() -> StructurePilote:
    """`StructurePilote.depuis_reglages()` through the cache. The instance is cached, not its identity: the
    logo's URL (signed, short-lived on S3) is computed again on each call of `identite()`."""
    pilote = cache.get(PILOTE_DU_SITE_CLE)
    if pilote is None:
        pilote = StructurePilote.depuis_reglages()
        cache.set(PILOTE_DU_SITE_CLE, pilote, PILOTE_DU_SITE_SECONDES)
    return pilote


@receiver(post_save, sender=StructurePilote)
@receiver(post_delete, sender=StructurePilote)
def _oublier_pilote_du_site(**kwargs: Any) -> None:
    # Now, and again after the commit: a page read between the two would otherwise put back the old row.
    cache.delete(PILOTE_DU_SITE_CLE)
    transaction.on_commit(lambda: cache.delete(PILOTE_DU_SITE_CLE))


def pilote_par_defaut() -> int:
    """Default pilot of a new programme: the instance's first (one pilot until a second is created)."""
    first = StructurePilote.objects.order_by("pk").values_list("pk", flat=True).first()
    return first if first is not None else StructurePilote.depuis_reglages().pk


class ProgrammeQuerySet(models.QuerySet):
    def courant(self) -> "Programme | None":
        """The programme running today (the latest started), else the latest one."""
        today = timezone.localdate()
        return (
            self.filter(date_debut__lte=today, date_fin__gte=today).order_by("-date_debut").first()
            or self.order_by("-date_debut").first()
        )


class Programme(TimeStampedModel):
    """A call (appel) with its period, budget rules and the formats it offers.

    Everything that differs between programmes (TSF Occitanie, PEER CULTURE…) is data here
    and on `Format`, so that a new programme is configuration, not code. The envelope and its
    committed total live on `budget.Enveloppe`.
    """

    nom = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), unique=True)
    pilote = models.ForeignKey(
        StructurePilote,
        verbose_name=_("structure pilote"),
        on_delete=models.PROTECT,
        related_name="programmes",
        default=pilote_par_defaut,
    )
    description = models.TextField(_("description"), blank=True)
    date_debut = models.DateField(_("début de la période"))
    date_fin = models.DateField(_("fin de la période"))
    taux_journalier = models.DecimalField(
        _("coût d’une journée (€)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("500.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    jours_minimum = models.PositiveSmallIntegerField(_("minimum de journées à réaliser"), default=30)
    appel_ouvert = models.BooleanField(_("appel à candidatures ouvert"), default=True)
    reunions_comite_minimum = models.PositiveSmallIntegerField(_("réunions du comité technique par an (minimum)"), default=2)
    # The committee's name in the programme's pages ("comité technique" of the TSF's funders, "comité de
    # pilotage" of PEER CULTURE) and the prefix of its applications' references (TSF-2026-0001).
    nom_comite = models.CharField(
        _("nom du comité"),
        max_length=80,
        default="comité technique",
        help_text=_("Tel qu’écrit dans les pages du programme, en minuscules : « comité technique », « comité de pilotage »."),
    )
    prefixe_reference = models.CharField(
        _("préfixe des références de candidature"),
        max_length=12,
        default="TSF",
        validators=[RegexValidator(r"^[A-Z0-9]+$", _("Lettres majuscules et chiffres seulement."))],
        help_text=_("Les candidatures sont numérotées PRÉFIXE-ANNÉE-0001."),
    )
    # Matching: weights of each criterion (0–100) and a cap on missions per mentor and year.
    poids_competences = models.PositiveSmallIntegerField(_("poids : compétences"), default=40)
    poids_experience = models.PositiveSmallIntegerField(_("poids : même type et taille de projet"), default=20)
    poids_geographie = models.PositiveSmallIntegerField(_("poids : géographie"), default=10)
    poids_disponibilite = models.PositiveSmallIntegerField(_("poids : disponibilité"), default=10)
    poids_nouveaute = models.PositiveSmallIntegerField(_("poids : nouvelle interaction"), default=10)
    poids_pressenti = models.PositiveSmallIntegerField(_("poids : personne-ressource pressentie"), default=10)
    missions_max_par_mentor = models.PositiveSmallIntegerField(_("missions au plus par personne-ressource et par an"), default=2)
    # Follow-up delays and reminder switches.
    delai_compte_rendu_jours = models.PositiveSmallIntegerField(_("délai du compte-rendu (jours)"), default=7)
    alerte_dossier_jours = models.PositiveSmallIntegerField(_("signaler un dossier en attente depuis (jours)"), default=10)
    relances_desactivees = models.JSONField(_("relances désactivées"), default=list, blank=True)
    # The keys of the e-mails this programme wrote its own version of (programmes.ModeleEmail), kept by
    # programmes.services: sending an e-mail it did not rewrite costs no query.
    modeles_email_cles = models.JSONField(_("e-mails réécrits"), default=list, blank=True, editable=False)
    # Seeds 003/004: questions sent, and cancellations free, until this many hours before a session.
    delai_avant_seance_heures = models.PositiveSmallIntegerField(
        _("questions et annulation sans décompte jusqu’à (heures avant la séance)"),
        default=48,
        validators=[MinValueValidator(1)],
    )
    # Seeds 003/004: appointments are held "par demi-journées"; a format counted in hours is turned into a
    # mentor's half-days (their availability in the directory) and into days delivered with this figure.
    heures_par_demi_journee = models.PositiveSmallIntegerField(
        _("heures par demi-journée"),
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("Pour convertir les formats comptés en heures en demi-journées de disponibilité et en jours."),
    )
    relance_six_mois_premiere_jours = models.PositiveSmallIntegerField(
        _("évaluation à 6 mois : première relance après (jours)"), default=14, validators=[MinValueValidator(1)]
    )
    relance_six_mois_seconde_jours = models.PositiveSmallIntegerField(
        _("évaluation à 6 mois : seconde relance après (jours)"), default=28, validators=[MinValueValidator(1)]
    )
    relance_brouillon_jours = models.PositiveSmallIntegerField(
        _("relancer une candidature en brouillon après (jours)"), default=14, validators=[MinValueValidator(1)]
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-date_debut"]
        constraints = [
            models.CheckConstraint(condition=Q(date_fin__gte=models.F("date_debut")), name="programme_periode_valide"),
            models.CheckConstraint(condition=Q(taux_journalier__gt=0), name="programme_taux_positif"),
        ]

    def __str__(self) -> str:
        return self.nom

    def clean(self) -> None:
        if self.date_debut and self.date_fin and self.date_fin < self.date_debut:
            raise ValidationError({"date_fin": _("La fin de la période doit suivre son début.")})

    def montant_pour(self, demi_journees: int) -> Decimal:
        """Amount for a number of half-days at this programme's daily rate."""
        return euros(self.taux_journalier * demi_journees / 2)

    @property
    def delai_avant_seance(self) -> datetime.timedelta:
        return datetime.timedelta(hours=self.delai_avant_seance_heures)

    @property
    def relances_six_mois(self) -> tuple[datetime.timedelta, datetime.timedelta]:
        return (
            datetime.timedelta(days=self.relance_six_mois_premiere_jours),
            datetime.timedelta(days=self.relance_six_mois_seconde_jours),
        )

    @property
    def delai_brouillon(self) -> datetime.timedelta:
        return datetime.timedelta(days=self.relance_brouillon_jours)

    @classmethod
    def courant(cls) -> "Programme | None":
        return cls.objects.courant()


class NatureFormat(models.TextChoices):
    """What a format is: one beneficiary, a session with many participants, one shared day, a stable group."""

    INDIVIDUEL = "individuel", _("Individuel")
    COLLECTIF = "collectif", _("Collectif (atelier)")
    IMMERSION = "immersion", _("Immersion")
    CODEVELOPPEMENT = "codeveloppement", _("Co-développement")


class UniteFormat(models.TextChoices):
    """The unit a format's durations are counted in."""

    DEMI_JOURNEE = "demi_journee", _("demi-journée")
    HEURE = "heure", _("heure")


def duree_texte(quantite: int, *, unite: str) -> str:
    """A duration in a format's unit, as a person reads it: « 28 h », « 3 demi-journée(s) »."""
    if unite == UniteFormat.HEURE:
        return str(_("%(n)s h") % {"n": quantite})
    return str(_("%(n)s demi-journée(s)") % {"n": quantite})


def en_demi_journees(quantite: int, *, unite: str, heures_par_demi_journee: int) -> int:
    """A quantity counted in `unite` as half-days (hours rounded up to the started half-day)."""
    if unite != UniteFormat.HEURE:
        return quantite
    return -(-quantite // max(1, heures_par_demi_journee))


class Format(models.Model):
    """A kind of accompagnement a programme offers (TSF, mentorat, coaching…), with its limits.

    `demi_journees_max` is the ceiling per beneficiary structure and programme, across all the
    structure's accompagnements of this format.
    """

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="formats")
    code = models.SlugField(_("code"), max_length=30)
    libelle = models.CharField(_("libellé"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # The durations below are counted in the format's unit (`unite`): half-days or hours.
    demi_journees_min = models.PositiveSmallIntegerField(
        _("durée au minimum (dans l’unité du format)"), default=1, validators=[MinValueValidator(1)]
    )
    demi_journees_max = models.PositiveSmallIntegerField(
        _("durée au plus par structure bénéficiaire (dans l’unité du format)"), validators=[MinValueValidator(1)]
    )
    duree_max_avec_prolongation = models.PositiveSmallIntegerField(
        _("durée au plus d’un accompagnement, prolongation comprise"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Vide : seule la limite par structure bénéficiaire s’applique."),
    )
    seance_duree_max = models.PositiveSmallIntegerField(
        _("durée au plus d’une séance (dans l’unité du format)"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_("En demi-journées : 2 (une journée). En heures : par exemple 8."),
    )
    personne_ressource_remuneree = models.BooleanField(
        _("personne-ressource rémunérée"), default=True, help_text=_("Décoché : bénévole, sans coût pour le budget.")
    )
    taux_par_unite = models.DecimalField(
        _("rémunération par unité (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Vide pour un format en demi-journées : la moitié du coût d’une journée du programme."),
    )
    ecart_max_jours = models.PositiveSmallIntegerField(_("écart conseillé entre deux séances (jours)"), default=14)
    participants_max = models.PositiveSmallIntegerField(
        _("participant·es au plus"),
        default=1,
        help_text=_("Pour un format collectif : la capacité proposée pour chaque atelier."),
    )
    nature = models.CharField(_("type de format"), max_length=20, choices=NatureFormat.choices, default=NatureFormat.INDIVIDUEL)
    unite = models.CharField(_("unité de durée"), max_length=20, choices=UniteFormat.choices, default=UniteFormat.DEMI_JOURNEE)
    participation_non_membre = models.DecimalField(
        _("participation d’un·e non-membre (€ par unité)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Pour un format collectif : ce que paie un·e participant·e non membre, par unité de durée."),
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    actif = models.BooleanField(_("proposé"), default=True)

    class Meta:
        verbose_name = _("format d’accompagnement")
        verbose_name_plural = _("formats d’accompagnement")
        ordering = ["programme", "ordre", "libelle"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="format_code_unique_par_programme"),
            models.CheckConstraint(condition=Q(demi_journees_min__gte=1), name="format_min_au_moins_1"),
            models.CheckConstraint(
                condition=Q(demi_journees_max__gte=models.F("demi_journees_min")), name="format_max_superieur_min"
            ),
            models.CheckConstraint(condition=Q(participation_non_membre__gte=0), name="format_participation_positive"),
            models.CheckConstraint(
                condition=Q(duree_max_avec_prolongation__isnull=True)
                | Q(duree_max_avec_prolongation__gte=models.F("demi_journees_min")),
                name="format_prolongation_superieure_min",
            ),
            models.CheckConstraint(condition=Q(seance_duree_max__gte=1), name="format_seance_au_moins_1"),
            # An individual format paid in hours says its rate per hour (in half-days it may use the programme's
            # daily rate); collective, immersion and group formats pay no accompaniment's mentor time.
            models.CheckConstraint(
                condition=~Q(nature="individuel")
                | Q(unite="demi_journee")
                | Q(taux_par_unite__isnull=False)
                | Q(personne_ressource_remuneree=False),
                name="format_heure_taux_renseigne",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.programme})"

    def clean(self) -> None:
        if self.demi_journees_min and self.demi_journees_max and self.demi_journees_max < self.demi_journees_min:
            raise ValidationError({"demi_journees_max": _("Le maximum doit être au moins égal au minimum.")})
        if (
            self.nature == NatureFormat.INDIVIDUEL
            and self.unite == UniteFormat.HEURE
            and self.personne_ressource_remuneree
            and self.taux_par_unite is None
        ):
            raise ValidationError({"taux_par_unite": _("Indiquez la rémunération par heure de la personne-ressource.")})

    @property
    def est_collectif(self) -> bool:
        return self.nature == NatureFormat.COLLECTIF

    @property
    def est_en_heures(self) -> bool:
        return self.unite == UniteFormat.HEURE

    def duree_texte(self, quantite: int) -> str:
        """A duration in this format's unit, as a person reads it: « 28 h », « 3 demi-journée(s) »."""
        return duree_texte(quantite, unite=self.unite)

    def en_demi_journees(self, quantite: int) -> int:
        """`quantite` of this format as half-days of a mentor's time (appointments are by half-days: an
        hours quantity takes the started half-days, at the programme's hours per half-day)."""
        return en_demi_journees(quantite, unite=self.unite, heures_par_demi_journee=self.programme.heures_par_demi_journee)

    def montant_pour(self, quantite: int) -> Decimal:
        """What the mentor's time costs for `quantite` units of this format: nothing for a volunteer,
        the format's rate per unit when set, otherwise half the programme's daily rate per half-day."""
        if not self.personne_ressource_remuneree:
            return euros(Decimal("0"))
        if self.taux_par_unite is not None:
            return euros(self.taux_par_unite * quantite)
        return self.programme.montant_pour(quantite)


class ModeleEmail(models.Model):
    """One version of a programme's e-mail template for a key (a file template's name).

    Rows are never changed: editing writes the next version (programmes.services.modele_email_enregistrer),
    the highest one is used for sending, and each sent e-mail records the version it was made with
    (core.MessageEnvoye.modele_id). Without a row for a key, the file template (templates/emails/) is used.
    """

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="modeles_email")
    cle = models.CharField(_("e-mail"), max_length=60, help_text=_("Le nom du modèle de fichier qu’il remplace."))
    version = models.PositiveIntegerField(_("version"))
    sujet = models.CharField(_("objet"), max_length=255)
    corps = models.TextField(_("texte"))
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    cree_par = actor_fk(_("créée par"), blank=True)

    class Meta:
        verbose_name = _("modèle d’e-mail")
        verbose_name_plural = _("modèles d’e-mails")
        ordering = ["programme", "cle", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "cle", "version"], name="modele_email_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="modele_email_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cle} – {self.programme} (v{self.version})"


class VersionClauses(models.Model):
    """One version of a programme's convention (or charter) clauses: ordered articles in `clauses`.

    Never changed once written: editing writes the next version (programmes.services.clauses_enregistrer);
    a convention records the version it was rendered with and keeps it once signed.
    """

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="versions_clauses"
    )
    version = models.PositiveIntegerField(_("version"))
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    cree_par = actor_fk(_("créée par"), blank=True)

    class Meta:
        verbose_name = _("version des clauses de convention")
        verbose_name_plural = _("clauses de convention (versions)")
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="clauses_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="clauses_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – clauses v{self.version}"


class Clause(models.Model):
    """One article of a version of the clauses. Its text may name values ({{ programme.nom }}) and mark
    where the convention's data goes ([calendrier], [objectifs], [signatures] alone on a line)."""

    version = models.ForeignKey(VersionClauses, verbose_name=_("version"), on_delete=models.CASCADE, related_name="clauses")
    ordre = models.PositiveSmallIntegerField(_("ordre"))
    titre = models.CharField(_("titre"), max_length=200)
    texte = models.TextField(_("texte"), blank=True)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["version", "ordre"]
        constraints = [models.UniqueConstraint(fields=["version", "ordre"], name="clause_ordre_unique")]

    def __str__(self) -> str:
        return f"{self.ordre}. {self.titre}"


class StructureQuerySet(models.QuerySet):
    def en_occitanie(self):
        return self.filter(departement__in=DEPARTEMENTS_OCCITANIE)


class Structure(TimeStampedModel):
    """A music structure: the beneficiary's, or the employer of a personne-ressource."""

    raison_sociale = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    forme_juridique = models.CharField(_("forme juridique"), max_length=20, choices=FormeJuridique.choices, blank=True)
    adresse = models.CharField(_("adresse"), max_length=255, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, choices=Departement.choices)
    type_structure = models.CharField(
        _("type de structure"), max_length=20, choices=TypeStructure.choices, default=TypeStructure.AUTRE
    )
    part_musiques_actuelles = models.PositiveSmallIntegerField(
        _("part de l’activité en musiques actuelles (%)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    employeuse = models.BooleanField(_("employeuse"), default=False)
    projet_premier_emploi = models.BooleanField(_("projet de premier emploi"), default=False)
    nombre_salaries = models.PositiveSmallIntegerField(_("nombre de salarié·es"), default=0)
    tranche_budget = models.CharField(_("budget annuel"), max_length=10, choices=TrancheBudget.choices, blank=True)
    en_regle = models.BooleanField(
        _("en situation de régularité"),
        default=True,
        help_text=_("À jour de ses obligations sociales et fiscales (condition pour employer une personne-ressource)."),
    )
    site_web = models.URLField(_("site web"), blank=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["raison_sociale"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="structure_siret_unique"),
            models.CheckConstraint(condition=Q(part_musiques_actuelles__lte=100), name="structure_part_ma_max_100"),
            models.CheckConstraint(condition=Q(departement__in=Departement.values), name="structure_departement_connu"),
        ]
        indexes = [models.Index(fields=["departement"])]

    def __str__(self) -> str:
        return f"{self.raison_sociale} ({self.commune})"
