"""Reads of the ateliers: the calendar (with places left and the person's own registration), one
atelier's participants, the person's space section. Each costs a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts import perimetre, roles
from core.ics import PARIS
from core.pagination import existent, plafond
from core.permissions import may
from questionnaires.models import Nature, Public, QuestionnaireVersion
from questionnaires.selectors import EtapeAffichee, reponses_affichees_en_lot, version_courante

from .models import (
    ETATS_ACTIFS,
    ETATS_CONFIRMES,
    Adhesion,
    Atelier,
    EtatEvaluationAtelier,
    EtatImmersion,
    EtatInscription,
    EvaluationAtelier,
    GroupeCodev,
    Immersion,
    Inscription,
    MembreGroupe,
    PresenceGroupe,
    SeanceGroupe,
)

if TYPE_CHECKING:  # annotations only
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# How many of the person's coming ateliers the space lists (the calendar has them all).
ESPACE_ATELIERS = 5


def _mon_inscription(user: Any) -> Subquery:
    return Subquery(
        Inscription.objects.filter(atelier=OuterRef("pk"), participant_id=user.pk, etat__in=ETATS_ACTIFS).values("etat")[:1]
    )


def calendrier(user: Any, *, a_venir: bool = True) -> QuerySet[Atelier]:
    """Ateliers with their counts and the user's own registration state (`mon_etat`), in date order."""
    qs = Atelier.objects.select_related("programme", "format", "personne_ressource").annotate(
        confirmees=Count("inscriptions", filter=Q(inscriptions__etat__in=ETATS_CONFIRMES)),
        en_attente=Count("inscriptions", filter=Q(inscriptions__etat=EtatInscription.EN_ATTENTE)),
        mon_etat=_mon_inscription(user),
    )
    # The coordination: its pilots' programmes' ateliers.
    qs = qs.filter(perimetre.filtre_coordination(user))
    if a_venir:
        # From the start of today in Paris: a workshop under way stays in the calendar for its attendance.
        debut_du_jour = datetime.datetime.combine(timezone.localdate(timezone=PARIS), datetime.time.min, tzinfo=PARIS)
        qs = qs.filter(debut__gte=debut_du_jour)
    return qs.order_by("debut", "pk")


def atelier_detail(user: Any, pk: int) -> Atelier | None:
    return calendrier(user, a_venir=False).filter(pk=pk).first()


def participants(atelier: Atelier) -> QuerySet[Inscription]:
    """Everyone registered or waiting (then those who withdrew), waiting list in its order."""
    return (
        Inscription.objects.filter(atelier=atelier)
        .select_related("participant", "atelier__personne_ressource")
        .order_by("demandee_le", "pk")
    )


def ma_inscription(user: Any, atelier: Atelier) -> Inscription | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Inscription.objects.filter(atelier=atelier, participant=user, etat__in=ETATS_ACTIFS)
        .select_related("atelier", "evaluation")
        .first()
    )


def rang_attente(inscription: Inscription) -> int:
    """1 for the first on the waiting list."""
    return (
        Inscription.objects.filter(atelier_id=inscription.atelier_id, etat=EtatInscription.EN_ATTENTE)
        .filter(Q(demandee_le__lt=inscription.demandee_le) | Q(demandee_le=inscription.demandee_le, pk__lt=inscription.pk))
        .count()
        + 1
    )


def inscriptions_visibles(user: Any) -> QuerySet[Inscription]:
    """The registrations a user may act on: all for the coordination, their ateliers' for a leader,
    their own for anyone else (a view then answers 404 for the others)."""
    qs = Inscription.objects.select_related("atelier", "atelier__personne_ressource", "participant")
    if roles.is_coordination(user):
        return qs.filter(perimetre.filtre_coordination(user, "atelier__programme"))
    return qs.filter(Q(participant=user) | Q(atelier__personne_ressource__user=user))


def espace(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """The person's space: their coming ateliers, and the calendar's link for those who may see it;
    their co-développement groups and their immersion days (with what is expected of them)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    context: dict[str, Any] = {}
    if may(user, "atelier.voir").allowed:
        mes = (
            Inscription.objects.filter(participant_id=user.pk, etat__in=ETATS_ACTIFS, atelier__debut__gte=timezone.now())
            .select_related("atelier")
            .order_by("atelier__debut", "pk")
        )
        context.update(ateliers_visibles=True, mes_ateliers=list(mes[: plafond(ESPACE_ATELIERS)]))
        # The workshops the person attended or missed (the attendance list noted), newest first, with the count.
        suivis = (
            Inscription.objects.filter(participant_id=user.pk, etat__in=(EtatInscription.PRESENTE, EtatInscription.ABSENTE))
            .select_related("atelier", "evaluation")
            .order_by("-atelier__debut", "-pk")
        )
        comptes = suivis.aggregate(
            presences=Count("pk", filter=Q(etat=EtatInscription.PRESENTE)),
            absences=Count("pk", filter=Q(etat=EtatInscription.ABSENTE)),
        )
        context.update(
            ateliers_suivis=list(suivis[: plafond(ESPACE_ATELIERS)]),
            ateliers_presences=comptes["presences"],
            ateliers_absences=comptes["absences"],
        )
    if not roles.is_coordination(user):
        groupes = groupes_visibles(user)
        immersions = immersions_visibles(user).exclude(etat=EtatImmersion.ANNULEE)
        # Few people lead a group or take part in an immersion: one query asks whether there is any,
        # and only a non-empty list is read (issue 14).
        a_des_groupes, a_des_immersions = existent([groupes, immersions])
        context["mes_groupes"] = list(groupes[: plafond(ESPACE_GROUPES)]) if a_des_groupes else []
        context["mes_immersions"] = list(immersions[: plafond(ESPACE_IMMERSIONS)]) if a_des_immersions else []
    return context


# --- Immersion days and co-développement groups ------------------------------------------------------

ESPACE_GROUPES = 5
ESPACE_IMMERSIONS = 5


def groupes_visibles(user: Any) -> QuerySet[GroupeCodev]:
    """The groups of its pilots' programmes for the coordination; those one leads or belongs to for anyone else."""
    qs = GroupeCodev.objects.select_related("programme", "format", "animateur").annotate(nb_membres=Count("membres"))
    if roles.is_coordination(user):
        return qs.filter(perimetre.filtre_coordination(user)).order_by("programme", "nom", "pk")
    membre = MembreGroupe.objects.filter(personne_id=user.pk).values("groupe_id")
    return qs.filter(Q(animateur__user_id=user.pk) | Q(pk__in=membre)).order_by("programme", "nom", "pk")


def membres_du_groupe(groupe: GroupeCodev) -> list[MembreGroupe]:
    return list(MembreGroupe.objects.filter(groupe=groupe).select_related("personne").order_by("ajoute_le", "pk"))


def seances_du_groupe(groupe: GroupeCodev) -> QuerySet[SeanceGroupe]:
    """The group's meetings in date order, each with its client and its attendance (prefetched)."""
    return (
        SeanceGroupe.objects.filter(groupe=groupe)
        .select_related("client__personne", "groupe__animateur")
        .prefetch_related(Prefetch("presences", queryset=PresenceGroupe.objects.select_related("membre__personne")))
        .order_by("debut", "pk")
    )


def immersions_visibles(user: Any) -> QuerySet[Immersion]:
    qs = Immersion.objects.select_related("programme", "format", "mentore", "mentor")
    if roles.is_coordination(user):
        return qs.filter(perimetre.filtre_coordination(user)).order_by("jour", "pk")
    return qs.filter(Q(mentore_id=user.pk) | Q(mentor__user_id=user.pk)).order_by("jour", "pk")


def est_adherent(programme_id: int, user_id: int) -> bool:
    """Whether the person is a member of the programme (the eligibility pre-check asks it: candidatures)."""
    return Adhesion.objects.filter(programme_id=programme_id, personne_id=user_id).exists()


# --- Evaluations of the held workshops ----------------------------------------------------------------

# How many answers the workshop's page lists (the average counts them all).
EVALUATIONS_LISTEES = 50


def version_evaluation(evaluation: EvaluationAtelier) -> QuestionnaireVersion | None:
    """The questionnaire of an evaluation: the version answered with, else the programme's current one."""
    if evaluation.questionnaire_version_id:
        return evaluation.questionnaire_version
    return version_courante(
        programme=evaluation.inscription.atelier.programme_id, nature=Nature.EVALUATION_ATELIER, public=Public.TOUS
    )


def evaluation_a_remplir(user: Any, inscription_pk: int) -> EvaluationAtelier | None:
    """The evaluation of the user's own registration (None when it is someone else's or there is none)."""
    return (
        EvaluationAtelier.objects.filter(inscription_id=inscription_pk, inscription__participant_id=user.pk)
        .select_related("inscription__atelier__programme", "inscription__participant", "questionnaire_version")
        .first()
    )


def evaluations_atelier(atelier: Atelier) -> dict[str, Any]:
    """For the coordination: how many of the participants noted present answered, their average
    satisfaction, and the answers (the latest first, bounded), each read with the labels of the version
    it was answered with. A fixed number of queries whatever the number of answers."""
    evaluations = EvaluationAtelier.objects.filter(inscription__atelier=atelier)
    comptes = evaluations.aggregate(
        ouvertes=Count("pk"),
        remplies=Count("pk", filter=Q(etat=EtatEvaluationAtelier.REMPLIE)),
        moyenne=Avg("satisfaction", filter=Q(etat=EtatEvaluationAtelier.REMPLIE)),
    )
    presentes = atelier.inscriptions.filter(etat=EtatInscription.PRESENTE).count()
    remplies = list(
        evaluations.filter(etat=EtatEvaluationAtelier.REMPLIE)
        .select_related("inscription__participant")
        .order_by("-repondue_le", "-pk")[: plafond(EVALUATIONS_LISTEES)]
    )
    lues = reponses_affichees_en_lot([(e.questionnaire_version_id, e.reponses) for e in remplies])
    return {
        "presentes": presentes,
        "remplies": comptes["remplies"],
        "moyenne": comptes["moyenne"],
        "reponses": [ReponsesEvaluation(evaluation=e, etapes=etapes) for e, etapes in zip(remplies, lues, strict=True)],
        "tronquee": comptes["remplies"] > len(remplies),
    }


@dataclass
class ReponsesEvaluation:
    evaluation: EvaluationAtelier
    etapes: list[EtapeAffichee]
