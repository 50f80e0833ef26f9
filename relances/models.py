from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import actor_fk


class TypeRelance(models.TextChoices):
    SEANCE_48H = "seance_48h", _("Séance à venir (questions à envoyer)")
    CR_DU = "cr_du", _("Compte-rendu à remettre (J+5)")
    CR_RETARD = "cr_retard", _("Compte-rendu en retard (J+8)")
    CR_RETARD_COORDINATION = "cr_retard_coord", _("Compte-rendu en retard : alerte coordination")
    SIGNATURE = "signature", _("Convention en attente de signature")
    EVAL_SORTIE = "eval_sortie", _("Évaluation de sortie à remplir")
    EVAL_SORTIE_RELANCE = "eval_sortie_relance", _("Évaluation de sortie : relance")
    EVAL_6MOIS = "eval_6mois", _("Évaluation à 6 mois à remplir")
    EVAL_6MOIS_RELANCE = "eval_6mois_relance", _("Évaluation à 6 mois : relance")
    EVAL_FIN = "eval_fin", _("Évaluation de fin de programme à remplir")
    EVAL_FIN_RELANCE = "eval_fin_relance", _("Évaluation de fin de programme : relance")
    BROUILLON = "brouillon", _("Candidature restée en brouillon")
    ECART_SEANCES = "ecart_seances", _("Séances espacées de plus de deux semaines")
    SERVICE_FAIT = "service_fait", _("Séance réalisée à confirmer (service fait)")
    SERVICE_FAIT_COORDINATION = "service_fait_coord", _("Séance non confirmée : alerte coordination")
    ATELIER_RAPPEL = "atelier_rappel", _("Atelier à venir : rappel aux inscrit·es")
    ATELIER_PRESENCE = "atelier_presence", _("Atelier passé sans liste de présence close : alerte coordination")


class EtatRelance(models.TextChoices):
    PREVUE = "prevue", _("Prévue")
    EN_COURS = "en_cours", _("En cours d’envoi")
    ENVOYEE = "envoyee", _("Envoyée")
    # Several ranks of one reminder due at once (after an outage): the highest rank's e-mail stands for
    # the lower ones, which are recorded as sent with it instead of a second e-mail the same minute.
    REGROUPEE = "regroupee", _("Envoyée dans l’e-mail de la relance suivante")
    ANNULEE = "annulee", _("Annulée")
    DESACTIVEE = "desactivee", _("Type de relance désactivé")
    SUSPENDUE = "suspendue", _("Suspendue : adresse e-mail en échec")
    REFUSEE = "refusee", _("Non envoyée : la personne a désactivé ce type de notification")


# The states of a reminder handed over to the mail provider (the sent list): exactly those with `envoyee_le`.
ETATS_ENVOYES = (EtatRelance.ENVOYEE, EtatRelance.REGROUPEE)


# Kinds whose ranks are not successive chases of one message: the rank says something else (an
# `ecart_seances` of rank 2 is "no next session planned", not a second "sessions too far apart"), so
# both are sent even when due together.
RANGS_DISTINCTS: frozenset[str] = frozenset({TypeRelance.ECART_SEANCES})

# The kind of notification of each reminder (core/notifications.py): those a person may switch off
# are named; the others are essential (None).
NOTIFICATION_DE_RELANCE: dict[str, str] = {
    TypeRelance.SEANCE_48H: "rappel_seance",
    TypeRelance.ATELIER_RAPPEL: "rappel_seance",
}


class Relance(models.Model):
    """A reminder to send once: a row with a due date, claimed by the beat scan with skip_locked.

    `rang` tells apart the successive chases of the same kind on the same object.
    """

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="relances")
    type_relance = models.CharField(_("type"), max_length=30, choices=TypeRelance.choices)
    destinataire = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE, related_name="relances"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    objet = GenericForeignKey("content_type", "object_id")
    rang = models.PositiveSmallIntegerField(_("rang"), default=1)
    echeance = models.DateTimeField(_("à envoyer le"), db_index=True)
    etat = models.CharField(_("état"), max_length=20, choices=EtatRelance.choices, default=EtatRelance.PREVUE, db_index=True)
    reservee_le = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    envoyee_le = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["echeance"]
        constraints = [
            models.UniqueConstraint(
                fields=["type_relance", "destinataire", "content_type", "object_id", "rang"], name="relance_unique"
            ),
            # A reminder has a sending date exactly when it is sent, alone or in a higher rank's e-mail
            # (both final states, entered by the UPDATE that writes the date, relances/services.py): the
            # sent list filters on the date, which one index then reads in order.
            models.CheckConstraint(
                condition=models.Q(envoyee_le__isnull=False, etat__in=ETATS_ENVOYES)
                | (models.Q(envoyee_le__isnull=True) & ~models.Q(etat__in=ETATS_ENVOYES)),
                name="relance_envoyee_le_si_envoyee",
            ),
        ]
        # The scan (state, due date); the programme's sent reminders, newest first (relances_envoyees:
        # with two sent states, an index on (programme, state, date) no longer gives the order, and the
        # page sorted every sent row of the programme).
        indexes = [
            models.Index(fields=["etat", "echeance"]),
            models.Index(
                fields=["programme", "-envoyee_le"], condition=models.Q(envoyee_le__isnull=False), name="relance_envoyees_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_relance_display()} → {self.destinataire}"


class MessageGroupe(models.Model):
    """One message of the coordination to a group chosen by filters (issue 15), kept as sent.

    `corps`/`sujet` are the templates typed (named placeholders such as {prenom}); each recipient's own
    rendering is on their `DestinataireMessage` row, which is also their copy in their space."""

    auteur = actor_fk(_("auteur"))
    sujet = models.CharField(_("objet"), max_length=200)
    corps = models.TextField(_("message"))
    filtres = models.JSONField(_("filtres"), default=dict, blank=True)
    filtres_libelle = models.TextField(_("groupe choisi"), blank=True)
    nombre_destinataires = models.PositiveIntegerField(_("nombre de destinataires"))
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message à un groupe")
        verbose_name_plural = _("messages à un groupe")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.sujet


class EtatDestinataire(models.TextChoices):
    A_ENVOYER = "a_envoyer", _("E-mail à envoyer")
    ENVOYE = "envoye", _("E-mail envoyé")
    NON_SOUHAITE = "non_souhaite", _("Pas d’e-mail : la personne a désactivé ces messages (visible dans son espace)")
    SANS_ADRESSE = "sans_adresse", _("Pas d’e-mail : compte inactif ou sans adresse")
    ADRESSE_EN_ECHEC = "adresse_en_echec", _("Pas d’e-mail : adresse en échec")
    ECHEC = "echec", _("Échec d’envoi")


class DestinataireMessage(models.Model):
    """One recipient of a group message: their rendered copy (shown in their space) and its e-mail's delivery."""

    message = models.ForeignKey(MessageGroupe, on_delete=models.CASCADE, related_name="destinataires")
    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE, related_name="messages_groupe"
    )
    sujet = models.CharField(_("objet"), max_length=255)
    texte = models.TextField(_("message"))
    etat = models.CharField(
        _("remise"), max_length=20, choices=EtatDestinataire.choices, default=EtatDestinataire.A_ENVOYER, db_index=True
    )
    envoye_le = models.DateTimeField(_("e-mail envoyé le"), null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    lu_le = models.DateTimeField(_("lu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("destinataire d’un message à un groupe")
        verbose_name_plural = _("destinataires d’un message à un groupe")
        ordering = ["message", "pk"]
        constraints = [models.UniqueConstraint(fields=["message", "personne"], name="destinataire_message_unique")]
        # A person's messages, newest first, and their unread ones.
        indexes = [models.Index(fields=["personne", "-message"]), models.Index(fields=["personne", "lu_le"])]

    def __str__(self) -> str:
        return f"{self.sujet} → {self.personne_id}"

    @property
    def non_lu(self) -> bool:
        return self.lu_le is None
