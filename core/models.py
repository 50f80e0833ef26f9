from __future__ import annotations

from typing import Any, overload

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NamedState:
    """A named state for templates and callers, who never compare the state strings themselves:
    `est_payee = NamedState(EtatFacture.PAYEE)` makes `facture.est_payee` a bool (true in one of the
    states given); `field` names the state field when it is not `etat`."""

    def __init__(self, *states: str, field: str = "etat") -> None:
        self.states = frozenset(states)
        self.field = field

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> NamedState: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> bool: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> NamedState | bool:
        if obj is None:
            return self
        return getattr(obj, self.field) in self.states


def actor_fk(verbose_name: Any = None, *, blank: bool = False) -> Any:
    """Who did it (wrote, added, imported…): a user, the link set to null once their account is deleted
    (the row and its history stay), with no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=blank,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def recorded_actor(user: Any) -> Any:
    """The account an `actor_fk` records for a move: the signed-in user, None when the platform itself
    acts (a job, a command, the anonymous visitor of a signed link)."""
    return user if getattr(user, "is_authenticated", False) else None


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Changement d’état")
    EMAIL = "email", _("E-mail envoyé")
    DOCUMENT = "document", _("Document ajouté")
    AVIS = "avis", _("Avis")
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Note")
    AUTRE = "autre", _("Autre")


class EventBase(models.Model):
    """One line of a file's timeline: a transition (who, when, from, to, why) or another event."""

    kind = models.CharField(_("type"), max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    transition = models.CharField(_("action"), max_length=50, blank=True)
    from_state = models.CharField(_("état avant"), max_length=30, blank=True)
    to_state = models.CharField(_("état après"), max_length=30, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    actor = actor_fk(_("par"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        if self.kind == EventKind.TRANSITION:
            return f"{self.created_at:%d/%m/%Y %H:%M} – {self.transition} : {self.from_state} → {self.to_state}"
        return f"{self.created_at:%d/%m/%Y %H:%M} – {self.get_kind_display()}"


class AccesDonnees(models.Model):
    """Who opened which personal file or export, and when (RGPD access log)."""

    class Action(models.TextChoices):
        TELECHARGEMENT = "telechargement", _("Téléchargement d’un fichier")
        EXPORT = "export", _("Export des données d’une personne")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, on_delete=models.SET_NULL, related_name="acces_donnees"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.TELECHARGEMENT)
    objet_type = models.CharField(_("type d’objet"), max_length=100)
    objet_id = models.CharField(_("identifiant de l’objet"), max_length=40)
    libelle = models.CharField(_("document"), max_length=255)
    adresse_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("accès à des données personnelles")
        verbose_name_plural = _("journal des accès aux données personnelles")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["objet_type", "objet_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} – {self.user} – {self.libelle}"


class TacheDifferee(models.Model):
    """A background job kept in the database until it has run (transactional outbox).

    Written in the same transaction as the change that asks for it, then handed to Celery after
    the commit. If the broker is away (Redis stopped), the row waits here and the beat scan
    (`core.tasks.dispatch_jobs`) hands it over again once the broker is back. A job runs at most
    once at a time: the worker claims it with a conditional UPDATE, so a message delivered twice
    does nothing the second time.
    """

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente")
        EN_COURS = "en_cours", _("En cours")
        FAITE = "faite", _("Faite")
        ECHEC = "echec", _("Échec (abandonnée)")

    tache = models.CharField(_("tâche"), max_length=60)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    etat = models.CharField(_("état"), max_length=20, choices=Etat.choices, default=Etat.EN_ATTENTE)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    pas_avant = models.DateTimeField(_("pas avant"), db_index=True)
    publiee_le = models.DateTimeField(_("confiée à Celery le"), null=True, blank=True)
    publications = models.PositiveIntegerField(_("tentatives de confier à Celery"), default=0)
    demarree_le = models.DateTimeField(_("démarrée le"), null=True, blank=True)
    tentatives = models.PositiveIntegerField(_("exécutions tentées"), default=0)
    terminee_le = models.DateTimeField(_("terminée le"), null=True, blank=True)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    # The request that asked for the job (core/logs.py): its log lines carry the same id.
    request_id = models.CharField(_("identifiant de la requête"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("tâche différée")
        verbose_name_plural = _("tâches différées")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["etat", "pas_avant"])]

    def __str__(self) -> str:
        return f"{self.tache} #{self.pk} ({self.get_etat_display()})"


class Battement(models.Model):
    """The last time a periodic task ran: the worker's heartbeat and each scan that beat triggers.

    One row per beat entry (`settings.CELERY_BEAT_SCHEDULE`'s keys), written by the worker when the
    task ends (plateforme/health.py). `/sante/` reads the heartbeat's age to tell whether a worker is
    consuming the queue; the status page shows every scan's last run.
    """

    nom = models.CharField(_("tâche périodique"), max_length=60, unique=True)
    vu_le = models.DateTimeField(_("dernière exécution"))
    reussi = models.BooleanField(_("réussie"), default=True)
    erreur = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("battement")
        verbose_name_plural = _("battements (tâches périodiques)")
        ordering = ["nom"]

    def __str__(self) -> str:
        return f"{self.nom} – {self.vu_le:%d/%m/%Y %H:%M:%S}"


class MessageEnvoye(models.Model):
    """One e-mail handed to the mail provider, and what the provider said of it since.

    Written when the message is sent (core/emails.py `deliver`), with the provider's message id;
    the provider's tracking webhook (anymail's `tracking` signal, plateforme/suivi_emails.py) updates
    `statut`. `reference` ties it to the record that asked for it (e.g. a file's e-mail log).
    """

    class Statut(models.TextChoices):
        ENVOYE = "envoye", _("Envoyé (en attente du fournisseur)")
        ACCEPTE = "accepte", _("Accepté par le fournisseur")
        DIFFERE = "differe", _("Remise différée")
        REMIS = "remis", _("Remis")
        OUVERT = "ouvert", _("Remis et ouvert")
        REBOND = "rebond", _("Rejeté : adresse en échec")
        REJETE = "rejete", _("Bloqué par le fournisseur")
        PLAINTE = "plainte", _("Signalé comme indésirable")
        ECHEC = "echec", _("Échec d’envoi")

    destinataire = models.EmailField(_("destinataire"), db_index=True)
    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages_envoyes",
    )
    sujet = models.CharField(_("objet"), max_length=255)
    message_id = models.CharField(_("identifiant du message"), max_length=255, db_index=True, blank=True)
    reference = models.CharField(_("référence"), max_length=100, blank=True, db_index=True)
    # The template it was made with: its key (a file template's name), and when the programme's own
    # version was used (programmes.ModeleEmail) that row's id and version number; empty for the file.
    modele = models.CharField(_("modèle"), max_length=60, blank=True)
    modele_version = models.PositiveIntegerField(_("version du modèle"), null=True, blank=True)
    modele_pk = models.PositiveBigIntegerField(_("identifiant de la version du modèle"), null=True, blank=True)
    statut = models.CharField(_("statut"), max_length=20, choices=Statut.choices, default=Statut.ENVOYE)
    detail = models.TextField(_("détail du fournisseur"), blank=True)
    envoye_le = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    updated = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail suivi")
        verbose_name_plural = _("e-mails suivis (remise)")
        ordering = ["-envoye_le", "-pk"]

    def __str__(self) -> str:
        return f"{self.envoye_le:%d/%m/%Y %H:%M} – {self.destinataire} – {self.get_statut_display()}"

    @property
    def en_echec(self) -> bool:
        return self.statut in ECHECS_DEFINITIFS

    @property
    def est_remis(self) -> bool:
        return self.statut in (self.Statut.REMIS, self.Statut.OUVERT)


ECHECS_DEFINITIFS = frozenset({MessageEnvoye.Statut.REBOND, MessageEnvoye.Statut.REJETE, MessageEnvoye.Statut.PLAINTE})


class VerificationCoherence(models.Model):
    """One run of the invariants (core/invariants.py): when, how many violations, which, how long."""

    ran_at = models.DateTimeField(_("vérifiée le"), auto_now_add=True, db_index=True)
    violations = models.PositiveIntegerField(_("violations"), default=0)
    details = models.JSONField(_("détail"), default=list, blank=True, help_text=_("Liste de {code, message, objet, url}."))
    duration = models.DurationField(_("durée"))
    alerte_envoyee = models.BooleanField(_("alerte envoyée à la coordination"), default=False)

    class Meta:
        verbose_name = _("vérification de cohérence")
        verbose_name_plural = _("vérifications de cohérence")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} : {self.violations}"


class NotificationDesactivee(models.Model):
    """A kind of non-essential notification a person chose not to receive by e-mail (core/notifications.py).

    A row means "switched off"; essential kinds never have one (the service refuses them)."""

    personne = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="notifications_desactivees",
    )
    notification = models.CharField(_("notification"), max_length=30)
    created_at = models.DateTimeField(_("désactivée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification désactivée")
        verbose_name_plural = _("notifications désactivées")
        constraints = [models.UniqueConstraint(fields=["personne", "notification"], name="notification_desactivee_unique")]

    def __str__(self) -> str:
        return f"{self.personne_id} : {self.notification}"
