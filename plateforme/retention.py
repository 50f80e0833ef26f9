"""Retention of personal data (RGPD): anonymise what has outlived its period.

Applications and accounts are anonymised, never deleted: every row that the budget, the committee's
dashboards and the statistics count stays in place (state, programme, structure, format, half-days,
amounts), only what identifies or describes a person is blanked and the personal files are deleted.
Periods come from settings.TSF_RETENTION (months).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from accompagnements.models import (
    Accompagnement,
    CompteRendu,
    EtatAccompagnement,
    FluxCalendrier,
    QuestionSeance,
    Seance,
    SupportTemoin,
)
from accounts import roles
from accounts.models import User
from annuaire.models import PersonneRessource
from candidatures.models import (
    Besoin,
    Candidature,
    CandidatureEvenement,
    DemandePiece,
    EmailEnvoye,
    EntretienDiagnostic,
    Etat,
    Message,
    NoteInterne,
    PieceJointe,
)
from core.jobs import jobs_purge
from core.models import AccesDonnees, EventKind, MessageEnvoye

ANONYMISATION = "anonymisation"
ANONYMOUS_DOMAIN = "anonyme.invalid"
REMOVED = "[donnée supprimée au terme de la durée de conservation]"
# Applications that ended without an accompagnement are kept a shorter time than completed ones.
ETATS_SANS_SUITE = [Etat.IRRECEVABLE, Etat.REFUSEE, Etat.REORIENTEE, Etat.RETIREE]
ACCOMPAGNEMENT_FINI = [EtatAccompagnement.CLOS, EtatAccompagnement.ABANDONNE]


@dataclass
class BilanRetention:
    candidatures: list[int] = field(default_factory=list)
    comptes: list[int] = field(default_factory=list)
    acces_supprimes: int = 0
    taches_supprimees: int = 0

    def __str__(self) -> str:
        return (
            f"{len(self.candidatures)} candidature(s) anonymisée(s), {len(self.comptes)} compte(s) anonymisé(s), "
            f"{self.acces_supprimes} entrée(s) du journal d’accès supprimée(s), "
            f"{self.taches_supprimees} tâche(s) terminée(s) supprimée(s)"
        )


def _months_ago(now: datetime.datetime, months: int) -> datetime.datetime:
    return now - datetime.timedelta(days=round(months * 30.44))


def _delete_files_after_commit(names: list[str]) -> None:
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def candidatures_a_anonymiser(*, now: datetime.datetime | None = None) -> QuerySet[Candidature]:
    """Applications past their period and not yet anonymised."""
    now = now or timezone.now()
    periods = settings.TSF_RETENTION
    deja = CandidatureEvenement.objects.filter(candidature=OuterRef("pk"), transition=ANONYMISATION)
    en_cours = Accompagnement.objects.filter(candidature=OuterRef("pk")).exclude(etat__in=ACCOMPAGNEMENT_FINI)
    return (
        Candidature.objects.annotate(deja=Exists(deja), en_cours=Exists(en_cours), fin=Max("accompagnements__updated_at"))
        .filter(deja=False, en_cours=False)
        .filter(
            Q(etat=Etat.BROUILLON, updated_at__lt=_months_ago(now, periods["brouillon_mois"]))
            | Q(etat__in=ETATS_SANS_SUITE, updated_at__lt=_months_ago(now, periods["sans_suite_mois"]))
            | Q(
                etat=Etat.SELECTIONNEE,
                fin__isnull=False,
                fin__lt=_months_ago(now, periods["accompagnee_mois"]),
            )
        )
        .order_by("pk")
    )


@transaction.atomic
def candidature_anonymiser(*, candidature: Candidature) -> Candidature:
    """Blank what describes the person in an application and delete its files; counts stay exact."""
    candidature = Candidature.objects.select_for_update().get(pk=candidature.pk)
    files = [candidature.recu_pdf.name]
    for name in ("fonction", "presentation", "situation", "problematique", "objectifs", "besoins_precisions"):
        setattr(candidature, name, "")
    candidature.personne_ressource_pressentie_texte = ""
    candidature.personne_ressource_pressentie = None
    candidature.motif_decision = ""
    candidature.brouillon = {}
    candidature.recu_pdf = ""
    candidature.save()

    pieces = PieceJointe.objects.filter(candidature=candidature)
    files += list(pieces.values_list("fichier", flat=True))
    pieces.update(fichier="", nom_original="document-supprime")
    Message.objects.filter(candidature=candidature).update(texte=REMOVED)
    NoteInterne.objects.filter(candidature=candidature).update(texte=REMOVED)
    EmailEnvoye.objects.filter(candidature=candidature).update(destinataire=f"anonyme@{ANONYMOUS_DOMAIN}", sujet="", corps="")
    DemandePiece.objects.filter(candidature=candidature).update(message="")
    CandidatureEvenement.objects.filter(candidature=candidature).update(reason="", details={})
    EntretienDiagnostic.objects.filter(candidature=candidature).update(notes="", lieu="", lien_visio="")
    Besoin.objects.filter(diagnostic__candidature=candidature).update(precision="")

    seances = Seance.objects.filter(accompagnement__candidature=candidature)
    # updated_at too (a bulk update skips auto_now): the calendar feeds' ETag follows it, and the feeds
    # show the place, which would stay in a kept feed body until midnight otherwise.
    seances.update(lieu="", lien_visio="", note_coordination="", motif_annulation="", updated_at=timezone.now())
    QuestionSeance.objects.filter(seance__in=seances).update(texte=REMOVED)
    CompteRendu.objects.filter(seance__in=seances).update(
        travaux="", outils="", prochaines_etapes="", commentaire_beneficiaire="", progres={}
    )
    supports = SupportTemoin.objects.filter(seance__in=seances)
    files += list(supports.exclude(fichier="").values_list("fichier", flat=True))
    supports.update(fichier="", nom_original="", url="", grille={})

    CandidatureEvenement.objects.create(
        candidature=candidature,
        kind=EventKind.AUTRE,
        transition=ANONYMISATION,
        reason="Durée de conservation échue : données personnelles effacées.",
    )
    _delete_files_after_commit(files)
    return candidature


def comptes_a_anonymiser(*, now: datetime.datetime | None = None) -> QuerySet[User]:
    """Accounts with no activity for the period, nothing in progress, no staff role, not a listed mentor."""
    now = now or timezone.now()
    cutoff = _months_ago(now, settings.TSF_RETENTION["compte_inactif_mois"])
    candidature_vivante = Candidature.objects.filter(candidat=OuterRef("pk")).exclude(
        Exists(CandidatureEvenement.objects.filter(candidature=OuterRef("pk"), transition=ANONYMISATION))
    )
    mission_en_cours = Accompagnement.objects.filter(mentors__user=OuterRef("pk")).exclude(etat__in=ACCOMPAGNEMENT_FINI)
    return (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(groups__name__in=[roles.COORDINATION, roles.COMITE])
        .exclude(email__endswith=f"@{ANONYMOUS_DOMAIN}")
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(candidature_vivante))
        .exclude(Exists(mission_en_cours))
        # A validated member of the directory stays listed (its own purpose) until the coordination removes it.
        .exclude(personne_ressource__etat="validee")
        .order_by("pk")
    )


@transaction.atomic
def user_anonymiser(*, user: User) -> User:
    """The account can no longer log in and no longer names anyone; the rows pointing to it stay."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.email = f"anonyme-{user.pk}@{ANONYMOUS_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.telephone = ""
    user.is_active = False
    user.set_unusable_password()  # also ends every session (the session hash changes)
    user.email_en_echec_le = None
    user.email_en_echec_motif = ""
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    # The delivery log names the old address.
    MessageEnvoye.objects.filter(personne=user).delete()
    Authenticator.objects.filter(user=user).delete()
    FluxCalendrier.objects.filter(user=user).delete()
    PersonneRessource.objects.filter(user=user).update(
        prenom="", nom="Anonyme", email=f"anonyme-pr-{user.pk}@{ANONYMOUS_DOMAIN}", telephone="", presentation=""
    )
    return user


def retention_appliquer(*, now: datetime.datetime | None = None) -> BilanRetention:
    """Anonymise every application and account past its period; purge the old access log. Idempotent."""
    now = now or timezone.now()
    bilan = BilanRetention()
    for candidature in candidatures_a_anonymiser(now=now):
        candidature_anonymiser(candidature=candidature)
        bilan.candidatures.append(candidature.pk)
    for user in comptes_a_anonymiser(now=now):
        user_anonymiser(user=user)
        bilan.comptes.append(user.pk)
    old_log = AccesDonnees.objects.filter(created_at__lt=_months_ago(now, settings.TSF_RETENTION["journal_acces_mois"]))
    bilan.acces_supprimes, _ = old_log.delete()
    bilan.taches_supprimees = jobs_purge(before=_months_ago(now, settings.TSF_RETENTION["taches_mois"]))
    # The delivery log of e-mails (addresses, subjects) is kept as long as the access log.
    MessageEnvoye.objects.filter(envoye_le__lt=_months_ago(now, settings.TSF_RETENTION["journal_acces_mois"])).delete()
    return bilan
