"""Which reminders are due: read the state of every stage and write one Relance row per reminder.

`relances_planifier` is run by beat every 15 minutes. It is idempotent: each reminder has a unique
key (kind, recipient, object, rank), rows are inserted with `bulk_create(ignore_conflicts=True)`,
so planning twice, or two beats planning at once, never makes a second row. Whether a row is
still relevant (session cancelled, report submitted, evaluation answered…) is checked again when
it is sent (`relances.services.relance_envoyer`).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from accompagnements.models import (
    Accompagnement,
    EtatAccompagnement,
    EtatSeance,
    Indicateur,
    Seance,
    ServiceFait,
    seance_comptee_q,
)
from accounts import roles
from accounts.models import User
from ateliers.models import Atelier, EtatAtelier, EtatInscription, Inscription
from candidatures.models import Candidature, Etat
from conventions.models import Convention, EtatConvention, Partie
from core.exceptions import DomainError
from evaluations import services as evaluation_services
from evaluations.models import EtatEvaluation, Evaluation, MesureIndicateur, Moment
from programmes.models import Programme

from .models import EtatRelance, Relance, TypeRelance

logger = logging.getLogger(__name__)

T = TypeRelance

# Delays of SPEC §4 (days unless said otherwise). The programme's own ones are fields of Programme:
# questions before a session (delai_avant_seance_heures), the 6-month evaluation's reminders
# (relance_six_mois_*_jours), a draft application's reminder (relance_brouillon_jours).
COMPTE_RENDU_DU = datetime.timedelta(days=5)
COMPTE_RENDU_RETARD = datetime.timedelta(days=8)
SIGNATURE_RELANCES = (datetime.timedelta(days=3), datetime.timedelta(days=10))
EVAL_SORTIE_RELANCE = datetime.timedelta(days=7)
# Service fait: the pair is reminded once, then the coordination is told.
SERVICE_FAIT_RELANCE = datetime.timedelta(days=3)
SERVICE_FAIT_ALERTE = datetime.timedelta(days=7)
# How far back the open attendance lists are looked for (beyond the programme's delay and RATTRAPAGE,
# the alert would be dropped as stale anyway).
ATELIERS_PASSES = datetime.timedelta(days=120)
# A reminder whose date is older than this when first planned is not sent at all (no flood of
# stale reminders after an outage or on the first deployment).
RATTRAPAGE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Prevue:
    programme_id: int
    type_relance: str
    destinataire_id: int
    objet: models.Model
    echeance: datetime.datetime
    rang: int = 1


def coordination_ids() -> list[int]:
    return list(User.objects.filter(groups__name=roles.COORDINATION, is_active=True).values_list("pk", flat=True))


def _mentor_user_ids(accompagnement: Accompagnement) -> list[int]:
    return [m.user_id for m in accompagnement.mentors.all() if m.user_id]


def _seances_base():
    return Seance.objects.select_related("accompagnement__programme").prefetch_related("accompagnement__mentors")


def seances_48h(now: datetime.datetime) -> list[Prevue]:
    seances = _seances_base().filter(etat=EtatSeance.PLANIFIEE, debut__gt=now, accompagnement__etat=EtatAccompagnement.EN_COURS)
    prevues = []
    for seance in seances:
        acc = seance.accompagnement
        for user_id in [acc.beneficiaire_id, *_mentor_user_ids(acc)]:
            prevues.append(
                Prevue(acc.programme_id, T.SEANCE_48H, user_id, seance, seance.debut - acc.programme.delai_avant_seance)
            )
    return prevues


def _sans_compte_rendu():
    return Q(compte_rendu__isnull=True) | Q(compte_rendu__soumis_le__isnull=True)


def comptes_rendus(now: datetime.datetime, coordination: list[int]) -> list[Prevue]:
    seances = _seances_base().filter(
        _sans_compte_rendu(),
        etat__in=[EtatSeance.PLANIFIEE, EtatSeance.REALISEE],
        debut__lte=now,
        debut__gte=now - COMPTE_RENDU_RETARD - RATTRAPAGE,
    )
    prevues = []
    for seance in seances:
        acc = seance.accompagnement
        for user_id in _mentor_user_ids(acc):
            prevues.append(Prevue(acc.programme_id, T.CR_DU, user_id, seance, seance.debut + COMPTE_RENDU_DU))
            prevues.append(Prevue(acc.programme_id, T.CR_RETARD, user_id, seance, seance.debut + COMPTE_RENDU_RETARD))
        for user_id in coordination:
            prevues.append(
                Prevue(acc.programme_id, T.CR_RETARD_COORDINATION, user_id, seance, seance.debut + COMPTE_RENDU_RETARD)
            )
    return prevues


def signataires_manquants(convention: Convention, coordination: list[int]) -> list[int]:
    """Users who still have to sign this convention (all coordinators stand for the pilot structure)."""
    signees = {s.partie for s in convention.signatures.all()}
    acc = convention.accompagnement
    manquants: list[int] = []
    if Partie.BENEFICIAIRE not in signees:
        manquants.append(acc.beneficiaire_id)
    if Partie.PERSONNE_RESSOURCE not in signees:
        manquants.extend(_mentor_user_ids(acc))
    if Partie.STRUCTURE_PILOTE not in signees:
        manquants.extend(coordination)
    return manquants


def signatures(now: datetime.datetime, coordination: list[int]) -> list[Prevue]:
    conventions = (
        Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE)
        .select_related("accompagnement")
        .prefetch_related("signatures", "accompagnement__mentors")
        .annotate(derniere_signature=Max("signatures__signee_le"))
    )
    prevues = []
    for convention in conventions:
        # Waiting since the last signature, or since the convention was put up for signature.
        depuis = convention.derniere_signature or convention.created_at
        for user_id in signataires_manquants(convention, coordination):
            for rang, delai in enumerate(SIGNATURE_RELANCES, start=1):
                prevues.append(
                    Prevue(convention.accompagnement.programme_id, T.SIGNATURE, user_id, convention, depuis + delai, rang)
                )
    return prevues


def evaluations(now: datetime.datetime) -> list[Prevue]:
    ouvertes = Evaluation.objects.filter(etat=EtatEvaluation.OUVERTE, personne__isnull=False).select_related(
        "accompagnement__programme"
    )
    prevues = []
    for evaluation in ouvertes:
        programme_id = evaluation.accompagnement.programme_id
        personne_id = evaluation.personne_id
        if personne_id is None:  # excluded by the query (personne__isnull=False)
            continue
        ouverte_le = evaluation.ouverte_le or now
        if evaluation.moment == Moment.SORTIE:
            prevues.append(Prevue(programme_id, T.EVAL_SORTIE, personne_id, evaluation, ouverte_le))
            prevues.append(Prevue(programme_id, T.EVAL_SORTIE_RELANCE, personne_id, evaluation, ouverte_le + EVAL_SORTIE_RELANCE))
        elif evaluation.moment == Moment.FIN_PROGRAMME:
            # Chased like the exit questionnaire: once when it opens, once a week later.
            prevues.append(Prevue(programme_id, T.EVAL_FIN, personne_id, evaluation, ouverte_le))
            prevues.append(Prevue(programme_id, T.EVAL_FIN_RELANCE, personne_id, evaluation, ouverte_le + EVAL_SORTIE_RELANCE))
        elif evaluation.moment == Moment.SIX_MOIS:
            prevues.append(Prevue(programme_id, T.EVAL_6MOIS, personne_id, evaluation, ouverte_le))
            for rang, delai in enumerate(evaluation.accompagnement.programme.relances_six_mois, start=1):
                prevues.append(Prevue(programme_id, T.EVAL_6MOIS_RELANCE, personne_id, evaluation, ouverte_le + delai, rang))
    return prevues


def brouillons(now: datetime.datetime) -> list[Prevue]:
    """Drafts left untouched for their programme's delay (14 days by default): one query per programme."""
    prevues = []
    for programme in Programme.objects.order_by("pk"):
        delai = programme.delai_brouillon
        drafts = Candidature.objects.filter(
            programme=programme,
            etat=Etat.BROUILLON,
            updated_at__lte=now - delai,
            updated_at__gte=now - delai - RATTRAPAGE,
        )
        prevues += [Prevue(c.programme_id, T.BROUILLON, c.candidat_id, c, c.updated_at + delai) for c in drafts]
    return prevues


def ecarts_seances(now: datetime.datetime, coordination: list[int]) -> list[Prevue]:
    """Two consecutive sessions further apart than the format allows (rank 1, on the later session),
    or no next session planned that long after the last one while half-days remain (rank 2)."""
    if not coordination:
        return []
    accompagnements = (
        Accompagnement.objects.filter(etat=EtatAccompagnement.EN_COURS)
        .select_related("format")
        .prefetch_related(models.Prefetch("seances", queryset=Seance.objects.comptees().order_by("debut")))
    )
    prevues = []
    for acc in accompagnements:
        ecart = datetime.timedelta(days=acc.format.ecart_max_jours)
        seances = list(acc.seances.all())
        for precedente, suivante in zip(seances, seances[1:], strict=False):
            if suivante.debut - precedente.debut > ecart:
                for user_id in coordination:
                    prevues.append(Prevue(acc.programme_id, T.ECART_SEANCES, user_id, suivante, now))
        reste = acc.demi_journees_prevues - sum(s.demi_journees for s in seances)
        if seances and reste > 0 and now - seances[-1].debut > ecart:
            for user_id in coordination:
                prevues.append(Prevue(acc.programme_id, T.ECART_SEANCES, user_id, seances[-1], seances[-1].debut + ecart, 2))
    return prevues


def accompagnements_a_evaluer(now: datetime.datetime):
    """En cours, every planned half-day used, nothing left planned: the last session has been held."""
    return (
        Accompagnement.objects.filter(etat=EtatAccompagnement.EN_COURS)
        .annotate(
            # No session is left planned (excluded below): the counted ones are the held and the late-cancelled.
            consommees=Sum("seances__demi_journees", filter=seance_comptee_q("seances__")),
        )
        .filter(consommees__gte=models.F("demi_journees_prevues"))
        .exclude(Exists(Seance.objects.filter(accompagnement=OuterRef("pk"), etat=EtatSeance.PLANIFIEE)))
        .filter(Exists(Seance.objects.filter(accompagnement=OuterRef("pk"), etat=EtatSeance.REALISEE)))
    )


def _each(accompagnements, step, **kwargs) -> None:
    """Apply one service per accompagnement; a refusal on one file does not stop the others."""
    for acc in accompagnements:
        try:
            step(accompagnement=acc, **kwargs)
        except DomainError:
            logger.exception("Étape d’évaluation refusée pour %s", acc)


def etapes_avancer(now: datetime.datetime) -> None:
    """The time-driven steps of the evaluation stage: baseline measures, exit, 6-month and end-of-programme openings."""
    grilles = Accompagnement.objects.filter(
        grille_validee_beneficiaire_le__isnull=False, grille_validee_mentor_le__isnull=False
    ).filter(
        Exists(Indicateur.objects.filter(objectif__accompagnement=OuterRef("pk")))
        & ~Exists(MesureIndicateur.objects.filter(indicateur__objectif__accompagnement=OuterRef("pk"), moment=Moment.DEBUT))
    )
    _each(grilles, evaluation_services.mesures_debut_enregistrer)
    _each(accompagnements_a_evaluer(now), evaluation_services.evaluations_sortie_ouvrir, by=None)
    # Ended by another path (the sessions stage, the admin…) without its exit questionnaires.
    sans_evaluation = Accompagnement.objects.filter(etat=EtatAccompagnement.TERMINE).exclude(
        Exists(Evaluation.objects.filter(accompagnement=OuterRef("pk"), moment=Moment.SORTIE))
    )
    _each(sans_evaluation, evaluation_services.evaluations_sortie_ouvrir, by=None)
    six_mois = Accompagnement.objects.filter(
        etat__in=[EtatAccompagnement.TERMINE, EtatAccompagnement.CLOS],
        termine_le__isnull=False,
        termine_le__lte=now - datetime.timedelta(days=180),
    ).exclude(Exists(Evaluation.objects.filter(accompagnement=OuterRef("pk"), moment=Moment.SIX_MOIS)))
    _each(
        [acc for acc in six_mois if evaluation_services.six_mois_apres(acc.termine_le) <= now],
        evaluation_services.evaluation_six_mois_ouvrir,
    )
    # A programme's period has ended: its cohort's end-of-programme questionnaires (one query per programme
    # to open, whatever its number of accompaniments).
    for programme in evaluation_services.programmes_fin_a_ouvrir(today=timezone.localdate(now)).order_by("pk"):
        try:
            evaluation_services.evaluations_fin_programme_ouvrir(programme=programme, now=now)
        except DomainError:
            logger.exception("Évaluation de fin de programme refusée pour %s", programme)
    evaluation_services.evaluations_expirer(today=timezone.localdate(now))


def service_fait(now: datetime.datetime, coordination: list[int]) -> list[Prevue]:
    """A held session not confirmed by both: the party who has not answered is reminded once, then the
    coordination is alerted once (the session is then on its list, accompagnements.selectors)."""
    seances = (
        _seances_base()
        .filter(
            etat=EtatSeance.REALISEE,
            service_fait=ServiceFait.A_CONFIRMER,
            realisee_le__isnull=False,
            realisee_le__gte=now - SERVICE_FAIT_ALERTE - RATTRAPAGE,
        )
        .prefetch_related("confirmations")
    )
    prevues = []
    for seance in seances:
        acc = seance.accompagnement
        answered = {c.partie for c in seance.confirmations.all()}
        realisee_le = seance.realisee_le or now
        waiting = [] if "beneficiaire" in answered else [acc.beneficiaire_id]
        if "mentor" not in answered:
            waiting.extend(_mentor_user_ids(acc))
        for user_id in waiting:
            prevues.append(Prevue(acc.programme_id, T.SERVICE_FAIT, user_id, seance, realisee_le + SERVICE_FAIT_RELANCE))
        for user_id in coordination:
            prevues.append(
                Prevue(acc.programme_id, T.SERVICE_FAIT_COORDINATION, user_id, seance, realisee_le + SERVICE_FAIT_ALERTE)
            )
    return prevues


def rappel_atelier(atelier: Atelier) -> datetime.datetime:
    """When the registered participants of a workshop are reminded: its programme's delay before a session
    (questions sent and cancellations free until then, `delai_avant_seance_heures`)."""
    return atelier.debut - atelier.programme.delai_avant_seance


def presence_atelier(atelier: Atelier) -> datetime.datetime:
    """When the coordination is told a workshop's attendance list is still open: the programme's delay for
    a report after the start (the list is the workshop's report)."""
    return atelier.debut + datetime.timedelta(days=atelier.programme.delai_compte_rendu_jours)


def ateliers(now: datetime.datetime, coordination: list[int]) -> list[Prevue]:
    """Each confirmed participant of a coming workshop is reminded once before it; the coordination is
    alerted once about a past workshop whose attendance list is still open (neither held nor cancelled)."""
    a_venir = list(Atelier.objects.filter(etat=EtatAtelier.PROGRAMME, debut__gt=now).select_related("programme"))
    par_atelier: dict[int, list[int]] = {}
    confirmees = Inscription.objects.filter(atelier__in=a_venir, etat=EtatInscription.INSCRITE).order_by("pk")
    for atelier_id, participant_id in confirmees.values_list("atelier_id", "participant_id"):
        par_atelier.setdefault(atelier_id, []).append(participant_id)
    prevues = []
    for atelier in a_venir:
        for user_id in par_atelier.get(atelier.pk, []):
            prevues.append(Prevue(atelier.programme_id, T.ATELIER_RAPPEL, user_id, atelier, rappel_atelier(atelier)))
    if coordination:
        passes = Atelier.objects.filter(
            etat=EtatAtelier.PROGRAMME, debut__lte=now, debut__gte=now - ATELIERS_PASSES
        ).select_related("programme")
        for atelier in passes:
            for user_id in coordination:
                prevues.append(Prevue(atelier.programme_id, T.ATELIER_PRESENCE, user_id, atelier, presence_atelier(atelier)))
    return prevues


def relances_prevues(now: datetime.datetime) -> list[Prevue]:
    coordination = coordination_ids()
    prevues = [
        *seances_48h(now),
        *comptes_rendus(now, coordination),
        *signatures(now, coordination),
        *evaluations(now),
        *brouillons(now),
        *ecarts_seances(now, coordination),
        *service_fait(now, coordination),
        *ateliers(now, coordination),
    ]
    return [p for p in prevues if p.echeance >= now - RATTRAPAGE]


def relances_planifier(*, now: datetime.datetime | None = None) -> int:
    """Advance the evaluation stage, then insert the missing reminder rows. Returns how many were new.

    Not one transaction on purpose: each step is its own (services), and the insert is atomic.
    """
    now = now or timezone.now()
    etapes_avancer(now)
    prevues = relances_prevues(now)
    if not prevues:
        return 0
    types = {model: ContentType.objects.get_for_model(model) for model in {type(p.objet) for p in prevues}}
    rows = [
        Relance(
            programme_id=p.programme_id,
            type_relance=p.type_relance,
            destinataire_id=p.destinataire_id,
            content_type=types[type(p.objet)],
            object_id=p.objet.pk,
            rang=p.rang,
            echeance=p.echeance,
        )
        for p in prevues
    ]
    before = Relance.objects.count()
    Relance.objects.bulk_create(rows, ignore_conflicts=True)
    _recaler(prevues, types)
    return Relance.objects.count() - before


def _recaler(prevues: list[Prevue], types: dict[type, Any]) -> None:
    """A session moved, a new signature: the reminders not sent yet follow the new date."""
    wanted = {
        (p.type_relance, p.destinataire_id, types[type(p.objet)].pk, p.objet.pk, p.rang): p.echeance
        for p in prevues
        if p.type_relance
        in (T.SEANCE_48H, T.SIGNATURE, T.CR_DU, T.CR_RETARD, T.CR_RETARD_COORDINATION, T.ATELIER_RAPPEL, T.ATELIER_PRESENCE)
    }
    if not wanted:
        return
    pending = Relance.objects.filter(etat=EtatRelance.PREVUE, type_relance__in={k[0] for k in wanted}).only(
        "pk", "type_relance", "destinataire_id", "content_type_id", "object_id", "rang", "echeance"
    )
    for relance in pending:
        key = (relance.type_relance, relance.destinataire_id, relance.content_type_id, relance.object_id, relance.rang)
        echeance = wanted.get(key)
        if echeance is not None and echeance != relance.echeance:
            Relance.objects.filter(pk=relance.pk, etat=EtatRelance.PREVUE).update(echeance=echeance)
