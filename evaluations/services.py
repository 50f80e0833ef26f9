"""Business operations on evaluations: baseline, exit, six-month and end-of-programme questionnaires, continuation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # types-python-dateutil not installed
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accompagnements.models import (
    ETATS_DEMARRES,
    Accompagnement,
    AccompagnementEvenement,
    EtatAccompagnement,
    Indicateur,
    Objectif,
    TypeIndicateur,
)
from accompagnements.services import accompagnement_create, accompagnement_transition
from accounts.models import User
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.permissions import require
from core.workflow import apply_transition
from programmes.models import Format, Programme
from questionnaires.models import Nature, QuestionnaireVersion
from questionnaires.services import questionnaire_version_courante, version_geler

from .models import Atteinte, EtatEvaluation, Evaluation, MesureIndicateur, Moment, Repondant
from .workflow import WORKFLOW

# How long a questionnaire stays to fill before it counts as unanswered, and when 6-month comes.
DELAI_SORTIE_JOURS = 21
DELAI_SIX_MOIS_JOURS = 30
MOIS_APRES_SORTIE = 6
DELAI_FIN_PROGRAMME_JOURS = DELAI_SORTIE_JOURS
# A programme whose period ended longer ago than this gets no end-of-programme questionnaire from the scan
# (no questionnaire sent to a cohort long gone when the feature is first deployed).
FIN_PROGRAMME_RATTRAPAGE_JOURS = 60
# The questionnaires whose beneficiary answers score the objectives grid (MesureIndicateur).
MOMENTS_GRILLE = (Moment.SORTIE, Moment.SIX_MOIS)


def _indicateurs(accompagnement: Accompagnement) -> list[Indicateur]:
    return list(Indicateur.objects.filter(objectif__accompagnement=accompagnement).select_related("objectif"))


@transaction.atomic
def mesures_debut_enregistrer(*, accompagnement: Accompagnement) -> int:
    """Record the baseline (start) measure of every indicator of the grid; idempotent. Returns rows created."""
    existing = set(
        MesureIndicateur.objects.filter(indicateur__objectif__accompagnement=accompagnement, moment=Moment.DEBUT).values_list(
            "indicateur_id", flat=True
        )
    )
    nouvelles = [
        MesureIndicateur(indicateur=indicateur, moment=Moment.DEBUT, valeur=indicateur.valeur_initiale)
        for indicateur in _indicateurs(accompagnement)
        if indicateur.pk not in existing
    ]
    MesureIndicateur.objects.bulk_create(nouvelles, ignore_conflicts=True)
    return len(nouvelles)


def _mentor_user(accompagnement: Accompagnement) -> User | None:
    mentor = accompagnement.mentors.filter(user__isnull=False).select_related("user").order_by("pk").first()
    return mentor.user if mentor else None


@transaction.atomic
def evaluations_sortie_ouvrir(*, accompagnement: Accompagnement, by: User | None = None) -> list[Evaluation]:
    """End the action (en cours → terminé) if needed and open the exit questionnaires; idempotent.

    Called when the last planned session is held (by the planning scan) or when the coordinator
    closes the action.
    """
    accompagnement = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if accompagnement.etat == EtatAccompagnement.EN_COURS:
        accompagnement = accompagnement_transition(accompagnement=accompagnement, name="terminer", by=by)
    elif not accompagnement.est_termine:
        raise TransitionRefused(
            _("L’évaluation de sortie s’ouvre quand l’accompagnement est en cours ou terminé (état actuel : %(etat)s).")
            % {"etat": accompagnement.get_etat_display()}
        )
    now = timezone.now()
    if accompagnement.termine_le is None:
        Accompagnement.objects.filter(pk=accompagnement.pk).update(termine_le=now)
        accompagnement.termine_le = now
    mesures_debut_enregistrer(accompagnement=accompagnement)
    echeance = timezone.localdate(now) + datetime.timedelta(days=DELAI_SORTIE_JOURS)
    evaluations = []
    for repondant, personne in (
        (Repondant.BENEFICIAIRE, accompagnement.beneficiaire),
        (Repondant.MENTOR, _mentor_user(accompagnement)),
    ):
        evaluation, _created = Evaluation.objects.get_or_create(
            accompagnement=accompagnement,
            moment=Moment.SORTIE,
            repondant=repondant,
            defaults={"personne": personne, "etat": EtatEvaluation.OUVERTE, "ouverte_le": now, "echeance": echeance},
        )
        evaluations.append(evaluation)
    return evaluations


@transaction.atomic
def evaluation_six_mois_ouvrir(*, accompagnement: Accompagnement) -> Evaluation:
    """Open the beneficiary's six-month questionnaire; idempotent."""
    now = timezone.now()
    evaluation, _created = Evaluation.objects.get_or_create(
        accompagnement=accompagnement,
        moment=Moment.SIX_MOIS,
        repondant=Repondant.BENEFICIAIRE,
        defaults={
            "personne_id": accompagnement.beneficiaire_id,
            "etat": EtatEvaluation.OUVERTE,
            "ouverte_le": now,
            "echeance": timezone.localdate(now) + datetime.timedelta(days=DELAI_SIX_MOIS_JOURS),
        },
    )
    return evaluation


def a_eu_lieu_q(prefix: str = "") -> Q:
    """Accompaniments that actually took place: started (convention signed), or abandoned after their start.
    Not those abandoned while the objectives or the convention were being drawn up."""
    abandon_en_cours = AccompagnementEvenement.objects.filter(
        accompagnement=OuterRef(f"{prefix}pk"), transition="abandonner", from_state=EtatAccompagnement.EN_COURS
    )
    return Q(**{f"{prefix}etat__in": ETATS_DEMARRES}) | (
        Q(**{f"{prefix}etat": EtatAccompagnement.ABANDONNE}) & Q(Exists(abandon_en_cours))
    )


def _sans_fin_programme_q() -> Q:
    fin = Evaluation.objects.filter(accompagnement=OuterRef("pk"), moment=Moment.FIN_PROGRAMME)
    return ~Q(Exists(fin.filter(repondant=Repondant.BENEFICIAIRE))) | ~Q(Exists(fin.filter(repondant=Repondant.MENTOR)))


def programmes_fin_a_ouvrir(*, today: datetime.date) -> QuerySet[Programme]:
    """Programmes whose period has ended (lately) with an accompaniment still lacking its end-of-programme questionnaires."""
    a_ouvrir = Accompagnement.objects.filter(a_eu_lieu_q(), _sans_fin_programme_q(), programme=OuterRef("pk"))
    return Programme.objects.filter(
        date_fin__lte=today,
        date_fin__gte=today - datetime.timedelta(days=FIN_PROGRAMME_RATTRAPAGE_JOURS),
    ).filter(Exists(a_ouvrir))


def _mentor_final_id(accompagnement: Accompagnement) -> int | None:
    """The personne-ressource with the pair at the end (their part not ended), else the first one; from prefetches."""
    terminees = {p.personne_ressource_id for p in accompagnement.parties_terminees.all()}
    mentors = sorted((m for m in accompagnement.mentors.all() if m.user_id), key=lambda m: m.pk)
    actifs = [m for m in mentors if m.pk not in terminees]
    choisi = (actifs or mentors or [None])[0]
    return choisi.user_id if choisi is not None else None


@transaction.atomic
def evaluations_fin_programme_ouvrir(*, programme: Programme, now: datetime.datetime | None = None) -> int:
    """Open the end-of-programme questionnaire of the beneficiary and of the personne-ressource of every
    accompaniment of `programme` that took place, once its period has ended; idempotent. Returns how many opened.

    Their questions are the programme's end-of-programme questionnaire (created from the defaults if the
    coordination has made none). A fixed number of queries whatever the number of accompaniments."""
    now = now or timezone.now()
    # Serialises two scans on the same programme (the unique constraint would anyway refuse a double).
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    today = timezone.localdate(now)
    if today < programme.date_fin:
        raise RuleViolation(
            _("L’évaluation de fin de programme s’ouvre à la fin de sa période (le %(date)s).")
            % {"date": programme.date_fin.strftime("%d/%m/%Y")}
        )
    questionnaire_version_courante(programme=programme, nature=Nature.EVALUATION_FIN)
    deja = set(
        Evaluation.objects.filter(accompagnement__programme=programme, moment=Moment.FIN_PROGRAMME).values_list(
            "accompagnement_id", "repondant"
        )
    )
    accompagnements = (
        Accompagnement.objects.filter(a_eu_lieu_q(), programme=programme)
        .prefetch_related("mentors", "parties_terminees")
        .order_by("pk")
    )
    echeance = today + datetime.timedelta(days=DELAI_FIN_PROGRAMME_JOURS)
    nouvelles = [
        Evaluation(
            accompagnement=accompagnement,
            moment=Moment.FIN_PROGRAMME,
            repondant=repondant,
            personne_id=personne_id,
            etat=EtatEvaluation.OUVERTE,
            ouverte_le=now,
            echeance=echeance,
        )
        for accompagnement in accompagnements
        for repondant, personne_id in (
            (Repondant.BENEFICIAIRE, accompagnement.beneficiaire_id),
            (Repondant.MENTOR, _mentor_final_id(accompagnement)),
        )
        if (accompagnement.pk, repondant) not in deja
    ]
    return len(Evaluation.objects.bulk_create(nouvelles, ignore_conflicts=True))


def six_mois_apres(moment: datetime.datetime) -> datetime.datetime:
    return moment + relativedelta(months=MOIS_APRES_SORTIE)


def _check_answerable(evaluation: Evaluation, by: User | None) -> Evaluation:
    locked = Evaluation.objects.select_for_update(of=("self",)).select_related("accompagnement").get(pk=evaluation.pk)
    if by is None:
        # The platform never answers in someone's name.
        raise PermissionRefused(_("Ce questionnaire est destiné à une autre personne."))
    require(by, "evaluation.remplir", locked)
    return locked


def _note(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    note = int(value)
    if not 1 <= note <= 5:
        raise RuleViolation(_("Choisissez une note de 1 à 5."), field=field)
    return note


def _enregistrer_mesures(
    *, evaluation: Evaluation, moment: str, indicateurs: dict[int, dict[str, Any]], atteintes: dict[int, str]
) -> None:
    """Write one MesureIndicateur per indicator of the grid for `moment` (values from the questionnaire)."""
    for indicateur in _indicateurs(evaluation.accompagnement):
        saisie = indicateurs.get(indicateur.pk, {})
        valeur: Any = saisie.get("valeur")
        niveau: Any = saisie.get("niveau")
        if indicateur.type_indicateur == TypeIndicateur.QUANTITATIF:
            niveau = None
            valeur = Decimal(valeur) if valeur not in (None, "") else None
        else:
            valeur = None
            niveau = _note(niveau, f"indicateur_{indicateur.pk}")
        atteinte = atteintes.get(indicateur.objectif_id, "")
        if atteinte and atteinte not in Atteinte.values:
            raise RuleViolation(_("Réponse inconnue pour l’atteinte d’un objectif."), field=f"objectif_{indicateur.objectif_id}")
        MesureIndicateur.objects.update_or_create(
            indicateur=indicateur,
            moment=moment,
            defaults={
                "valeur": valeur,
                "niveau": niveau,
                "atteinte": atteinte,
                "commentaire": saisie.get("commentaire", ""),
                "evaluation": evaluation,
            },
        )


def _completer_depart(*, evaluation: Evaluation, departs: dict[int, int]) -> None:
    """Fill the baseline level of qualitative indicators that had none (retrospective self-assessment)."""
    qualitatifs = {i.pk for i in _indicateurs(evaluation.accompagnement) if i.type_indicateur == TypeIndicateur.QUALITATIF}
    for indicateur_id, niveau in departs.items():
        if indicateur_id not in qualitatifs:
            continue
        note = _note(niveau, f"depart_{indicateur_id}")
        mesure, _created = MesureIndicateur.objects.get_or_create(indicateur_id=indicateur_id, moment=Moment.DEBUT)
        if mesure.niveau is None:
            mesure.niveau = note
            mesure.commentaire = mesure.commentaire or _("Niveau de départ indiqué par le·la bénéficiaire à la sortie.")
            mesure.save(update_fields=["niveau", "commentaire"])


@transaction.atomic
def evaluation_repondre(
    *,
    evaluation: Evaluation,
    by: User | None,
    reponses: dict[str, Any],
    atteintes: dict[int, str] | None = None,
    indicateurs: dict[int, dict[str, Any]] | None = None,
    departs: dict[int, int] | None = None,
    satisfaction_format: int | None = None,
    satisfaction_personne: int | None = None,
    recommande_suite: bool = False,
    questionnaire_version: QuestionnaireVersion | None = None,
    reponses_programme: dict[str, Any] | None = None,
) -> Evaluation:
    """Record the answers of the person the questionnaire is for; answers cannot be changed afterwards.

    `reponses_programme` answers the programme's own questions (by code) of `questionnaire_version`,
    which from now on never changes (the coordination's edits make a new version).

    `atteintes` maps objective id → Atteinte (exit, beneficiary); `indicateurs` maps indicator id →
    {"valeur"| "niveau", "commentaire"} scored on the same scale as the baseline; `departs` maps a
    qualitative indicator id → the level the beneficiary says they started from, when the baseline has none.
    """
    evaluation = _check_answerable(evaluation, by)
    objectifs_ids = set(Objectif.objects.filter(accompagnement=evaluation.accompagnement).values_list("pk", flat=True))
    atteintes = {int(k): v for k, v in (atteintes or {}).items() if int(k) in objectifs_ids}
    if evaluation.repondant == Repondant.BENEFICIAIRE and evaluation.moment in MOMENTS_GRILLE:
        _enregistrer_mesures(evaluation=evaluation, moment=evaluation.moment, indicateurs=indicateurs or {}, atteintes=atteintes)
        _completer_depart(evaluation=evaluation, departs=departs or {})
    stored = dict(reponses)
    if atteintes:
        stored["objectifs"] = {str(k): v for k, v in atteintes.items()}
    changes: dict[str, Any] = {
        "reponses": stored,
        "satisfaction_format": _note(satisfaction_format, "satisfaction_format"),
        "satisfaction_personne": _note(satisfaction_personne, "satisfaction_personne"),
        "recommande_suite": bool(recommande_suite) and evaluation.moment == Moment.SORTIE,
        "repondue_le": timezone.now(),
    }
    if questionnaire_version is not None:
        version_geler(version=questionnaire_version)
        changes["questionnaire_version"] = questionnaire_version
        changes["reponses_programme"] = dict(reponses_programme or {})
    return apply_transition(evaluation, workflow=WORKFLOW, name="repondre", actor=by, changes=changes)


@transaction.atomic
def evaluations_expirer(*, today: datetime.date | None = None, grace_jours: int = 30) -> int:
    """Mark as unanswered the questionnaires still open `grace_jours` after their due date."""
    today = today or timezone.localdate()
    echues = Evaluation.objects.filter(etat=EtatEvaluation.OUVERTE, echeance__lt=today - datetime.timedelta(days=grace_jours))
    count = 0
    for evaluation in echues.only("pk", "etat"):
        apply_transition(evaluation, workflow=WORKFLOW, name="expirer", actor=None)
        count += 1
    return count


def format_suite_propose(accompagnement: Accompagnement) -> tuple[Format | None, int | None]:
    """The format and half-days proposed for a continuation: the diagnostic's « ensuite », else a mentorat."""
    candidature = accompagnement.candidature
    fmt = candidature.format_suite if candidature.format_suite_id else None
    demi = candidature.demi_journees_suite
    if fmt is None:
        fmt = (
            Format.objects.filter(programme_id=accompagnement.programme_id, code="mentorat").first()
            or Format.objects.filter(programme_id=accompagnement.programme_id).exclude(pk=accompagnement.format_id).first()
        )
    if fmt is not None and not demi:
        demi = fmt.demi_journees_min
    return fmt, demi


@transaction.atomic
def accompagnement_suite_ouvrir(
    *, accompagnement: Accompagnement, by: User, format: Format | None = None, demi_journees: int | None = None
) -> Accompagnement:
    """Open the continuation (e.g. a mentorat after a TSF) for the same beneficiary, carrying the grid over."""
    accompagnement = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if not accompagnement.est_termine:
        raise TransitionRefused(_("Une suite s’ouvre quand l’accompagnement est terminé."))
    if accompagnement.suites.exists():
        raise RuleViolation(_("Une suite a déjà été ouverte pour cet accompagnement."))
    proposed_format, proposed_demi = format_suite_propose(accompagnement)
    format = format or proposed_format
    demi_journees = demi_journees or proposed_demi
    if format is None or not demi_journees:
        raise RuleViolation(_("Choisissez le format et le nombre de demi-journées de la suite."), field="format")
    suite = accompagnement_create(
        candidature=accompagnement.candidature,
        format=format,
        demi_journees=demi_journees,
        mentors=list(accompagnement.mentors.all()),
        by=by,
        suite_de=accompagnement,
    )
    for objectif in accompagnement.objectifs.prefetch_related("indicateurs"):
        copie = Objectif.objects.create(
            accompagnement=suite, ordre=objectif.ordre, intitule=objectif.intitule, critere_reussite=objectif.critere_reussite
        )
        sortie = {
            m.indicateur_id: m for m in MesureIndicateur.objects.filter(indicateur__objectif=objectif, moment=Moment.SORTIE)
        }
        Indicateur.objects.bulk_create(
            [
                Indicateur(
                    objectif=copie,
                    type_indicateur=indicateur.type_indicateur,
                    libelle=indicateur.libelle,
                    description=indicateur.description,
                    unite=indicateur.unite,
                    # The continuation starts where the first action ended.
                    valeur_initiale=(
                        sortie[indicateur.pk].valeur
                        if indicateur.pk in sortie and sortie[indicateur.pk].valeur is not None
                        else indicateur.valeur_initiale
                    ),
                    cible=indicateur.cible,
                )
                for indicateur in objectif.indicateurs.all()
            ]
        )
    return suite


@transaction.atomic
def accompagnement_terminer(*, accompagnement: Accompagnement, by: User) -> list[Evaluation]:
    """The coordinator closes the action: en cours → terminé, and the exit questionnaires open."""
    require(by, "accompagnement.terminer", accompagnement)
    return evaluations_sortie_ouvrir(accompagnement=accompagnement, by=by)
