"""Read-side queries shared by pages: the evaluation section, the space, the programme's results."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from accompagnements.models import ETATS_TERMINES, Accompagnement, Objectif, TypeIndicateur
from accompagnements.selectors import grille_prefetch
from accounts import perimetre, roles
from accounts.models import User
from core.permissions import may
from programmes.models import Programme
from questionnaires.selectors import reponses_affichees

from .forms import SuiteForm, questionnaire_form_class
from .models import MOMENTS_MESURES, Atteinte, EtatEvaluation, Evaluation, MesureIndicateur, Moment, Repondant


def evaluations_a_remplir(user: User) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(personne=user, etat=EtatEvaluation.OUVERTE)
        .select_related("accompagnement__format")
        .order_by("echeance")
    )


def espace(user: User | AnonymousUser) -> dict[str, Any]:
    """Context for this app's section of the person's space (templates/evaluations/includes/espace.html)."""
    if isinstance(user, AnonymousUser):
        return {}
    # The questionnaires to fill are listed once, by the "À faire" block at the top of the space.
    return {"voit_resultats": may(user, "evaluation.resultats").allowed}


def programmes_resultats(user: User | AnonymousUser) -> QuerySet[Programme]:
    """The programmes whose results `user` reads: its pilots' for the coordination, those whose committee
    they sit on for a committee member (comite.MembreComite), none otherwise."""
    if roles.is_coordination(user) or roles.is_comite(user):
        return perimetre.programmes_visibles(user)
    return Programme.objects.none()


def grille_mesuree(accompagnement: Accompagnement) -> list[dict[str, Any]]:
    """The objectives grid with each indicator's value at start, exit and 6 months, side by side."""
    objectifs = grille_prefetch(accompagnement)
    lignes = []
    for objectif in objectifs:
        indicateurs = []
        atteintes: dict[str, str] = {}
        for indicateur in objectif.indicateurs.all():
            mesures = {m.moment: m for m in indicateur.mesures.all()}
            for moment in (Moment.SORTIE, Moment.SIX_MOIS):
                if moment in mesures and mesures[moment].atteinte:
                    atteintes[moment] = mesures[moment].get_atteinte_display()
            indicateurs.append(
                {
                    "indicateur": indicateur,
                    "quantitatif": indicateur.type_indicateur == TypeIndicateur.QUANTITATIF,
                    "debut": mesures.get(Moment.DEBUT),
                    "sortie": mesures.get(Moment.SORTIE),
                    "six_mois": mesures.get(Moment.SIX_MOIS),
                }
            )
        lignes.append({"objectif": objectif, "indicateurs": indicateurs, "atteinte_sortie": atteintes.get(Moment.SORTIE, "")})
    return lignes


def reponses_lisibles(evaluation: Evaluation) -> list[tuple[Any, Any]]:
    """The free answers of a questionnaire as (question, answer) pairs, in the form's order."""
    fields = questionnaire_form_class(evaluation).base_fields
    lignes = []
    for name, field in fields.items():
        if name not in evaluation.reponses:
            continue
        value = evaluation.reponses[name]
        choices = dict(getattr(field, "choices", []) or [])
        lignes.append((field.label, choices.get(value, value)))
    # The programme's own questions, with the labels of the version they were answered with.
    for etape in reponses_affichees(evaluation.questionnaire_version, evaluation.reponses_programme):
        lignes += [(reponse.libelle, reponse.valeur) for reponse in etape.reponses]
    return lignes


def accompagnement_context(accompagnement: Accompagnement, user: User | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the evaluations section of the accompagnement page (issue 9)."""
    # Ordered as the model orders them within one accompagnement, without its join to the accompagnement.
    evaluations = list(accompagnement.evaluations.select_related("personne").order_by("moment", "repondant", "pk"))
    for evaluation in evaluations:
        # Read by the template beside each evaluation.
        evaluation.lignes = reponses_lisibles(evaluation)  # type: ignore[attr-defined]
    coordination = role == "coordination"
    context: dict[str, Any] = {
        "eval_grille": grille_mesuree(accompagnement),
        "eval_mes_questionnaires": [e for e in evaluations if e.personne_id == user.pk],
        # Answers are read by the coordination and by their author only.
        "eval_reponses": evaluations if coordination else [e for e in evaluations if e.personne_id == user.pk],
        "eval_coordination": coordination,
        "eval_suite_recommandee": any(e.recommande_suite for e in evaluations),
    }
    if coordination:
        suites = list(accompagnement.suites.all())
        context.update(
            {
                "eval_suites": suites,
                "eval_peut_ouvrir_suite": accompagnement.est_termine and not suites,
                "eval_suite_form": SuiteForm(accompagnement=accompagnement),
            }
        )
    return context


def _taux(part: int | None, total: int | None) -> int | None:
    if not total:
        return None
    return round(100 * (part or 0) / total)


# The questionnaires of the results, in their order: exit, 6 months, end of programme.
QUESTIONNAIRES_RESULTATS = (
    (Moment.SORTIE, Repondant.BENEFICIAIRE, _("Sortie – bénéficiaires")),
    (Moment.SORTIE, Repondant.MENTOR, _("Sortie – personnes-ressources")),
    (Moment.SIX_MOIS, Repondant.BENEFICIAIRE, _("6 mois – bénéficiaires")),
    (Moment.FIN_PROGRAMME, Repondant.BENEFICIAIRE, _("Fin de programme – bénéficiaires")),
    (Moment.FIN_PROGRAMME, Repondant.MENTOR, _("Fin de programme – personnes-ressources")),
)
# The 6-month answers counted: figure → (answer's key, value counted).
REPONSES_SIX_MOIS = {
    "outils_utilises": ("outils_utilises", "oui"),
    "emploi_maintenu": ("emploi", "maintenu"),
    "emploi_cree": ("emploi", "cree"),
    "personne_ressource_oui": ("personne_ressource", "oui"),
    "personne_ressource_envisage": ("personne_ressource", "envisage"),
}


def _moyenne(total: int | None, nombre: int) -> Decimal | None:
    """The average the database's AVG gives (NULLs left out), rounded as displayed."""
    if not nombre:
        return None
    return _round(Decimal(total or 0) / nombre)


def resultats_programme(programme: Programme) -> dict[str, Any]:
    """The programme's evaluation results.

    The database groups the rows (questionnaires by moment, respondent, state and 6-month answer; measures by
    moment and indicator type) and the figures are summed here: one filtered aggregate per figure cost the ORM
    more to compile than the database to run (issue 14). The groups are bounded by the states and the 6-month
    questions' choices, not by the history."""
    cles = {key for key, _value in REPONSES_SIX_MOIS.values()}
    groupes = (
        Evaluation.objects.filter(accompagnement__programme=programme)
        .order_by()
        .values("moment", "repondant", "etat", **{key: KT(f"reponses__{key}") for key in sorted(cles)})
        .annotate(
            nombre=Count("pk"),
            notes_format=Count("satisfaction_format"),
            total_format=Sum("satisfaction_format"),
            notes_personne=Count("satisfaction_personne"),
            total_personne=Sum("satisfaction_personne"),
        )
    )
    envoyees: Counter[tuple[str, str]] = Counter()
    repondues: Counter[tuple[str, str]] = Counter()
    # (moment, respondent) → [sum, count] of the answered notes, per note.
    notes: dict[str, dict[tuple[str, str], list[int]]] = {"format": {}, "personne": {}}
    six_mois: Counter[str] = Counter()
    for groupe in groupes:
        questionnaire, nombre = (groupe["moment"], groupe["repondant"]), groupe["nombre"]
        if groupe["etat"] != EtatEvaluation.A_VENIR:
            envoyees[questionnaire] += nombre
        if groupe["etat"] != EtatEvaluation.REPONDUE:
            continue
        repondues[questionnaire] += nombre
        for note, cumul in notes.items():
            somme = cumul.setdefault(questionnaire, [0, 0])
            somme[0] += groupe[f"total_{note}"] or 0
            somme[1] += groupe[f"notes_{note}"]
        if groupe["moment"] == Moment.SIX_MOIS:
            for figure, (key, value) in REPONSES_SIX_MOIS.items():
                if groupe[key] == value:
                    six_mois[figure] += nombre

    def moyenne(note: str, moment: str, repondant: str) -> Decimal | None:
        return _moyenne(*notes[note].get((moment, repondant), (0, 0)))

    # Objectives: the beneficiary's exit answer is stored on each indicator of the objective, and an objective
    # counts once per answer given to any of its indicators (hence distinct counts, left to the database).
    mesures = MesureIndicateur.objects.filter(indicateur__objectif__accompagnement__programme=programme)
    objectifs = (
        mesures.filter(moment=Moment.SORTIE)
        .exclude(atteinte="")
        .aggregate(
            evalues=Count("indicateur__objectif", distinct=True),
            atteints=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.ATTEINT), distinct=True),
            partiels=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.PARTIEL), distinct=True),
            non_atteints=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.NON_ATTEINT), distinct=True),
        )
    )
    progression = {
        (row["moment"], row["type_indicateur"]): row
        for row in mesures.order_by()
        .values("moment", type_indicateur=F("indicateur__type_indicateur"))
        .annotate(
            niveaux=Count("niveau"),
            total_niveaux=Sum("niveau"),
            valeurs=Count("valeur"),
            cibles_atteintes=Count("pk", filter=Q(valeur__gte=F("indicateur__cible"))),
        )
    }
    accompagnements = Accompagnement.objects.filter(programme=programme).aggregate(
        termines=Count("pk", filter=Q(etat__in=ETATS_TERMINES)),
        suites=Count("pk", filter=Q(suite_de__isnull=False)),
        # Accompaniments of which an answered questionnaire recommends a follow-up: the few recommending rows
        # hashed once (IN), cheaper to compile and to run than a correlated EXISTS probed per accompaniment.
        suites_recommandees=Count(
            "pk",
            filter=Q(
                pk__in=Evaluation.objects.filter(etat=EtatEvaluation.REPONDUE, recommande_suite=True).values("accompagnement_id")
            ),
        ),
    )
    questionnaires = [
        {
            "libelle": label,
            "envoyees": envoyees[moment, repondant],
            "repondues": repondues[moment, repondant],
            "taux": _taux(repondues[moment, repondant], envoyees[moment, repondant]),
        }
        for moment, repondant, label in QUESTIONNAIRES_RESULTATS
        # A programme without a cohort's end (the TSF) shows no end-of-programme row.
        if moment != Moment.FIN_PROGRAMME or envoyees[moment, repondant]
    ]
    moments = []
    # The grid is scored at three moments only (the end-of-programme questionnaire scores none).
    for moment in MOMENTS_MESURES:
        qualitatifs = progression.get((moment.value, TypeIndicateur.QUALITATIF), {})
        quantitatifs = progression.get((moment.value, TypeIndicateur.QUANTITATIF), {})
        cibles_atteintes, valeurs = quantitatifs.get("cibles_atteintes", 0), quantitatifs.get("valeurs", 0)
        moments.append(
            {
                "moment": moment.label,
                "niveau_moyen": _moyenne(qualitatifs.get("total_niveaux"), qualitatifs.get("niveaux", 0)),
                "qualitatifs": qualitatifs.get("niveaux", 0),
                "quantitatifs": valeurs,
                "cibles_atteintes": cibles_atteintes,
                "taux_cibles": _taux(cibles_atteintes, valeurs),
            }
        )
    return {
        "programme": programme,
        "accompagnements_termines": accompagnements["termines"],
        "suites_ouvertes": accompagnements["suites"],
        "suites_recommandees": accompagnements["suites_recommandees"],
        "questionnaires": questionnaires,
        "objectifs": {**objectifs, "taux_atteints": _taux(objectifs["atteints"], objectifs["evalues"])},
        "satisfaction_format": moyenne("format", Moment.SORTIE, Repondant.BENEFICIAIRE),
        "satisfaction_personne": moyenne("personne", Moment.SORTIE, Repondant.BENEFICIAIRE),
        "mentors_satisfaction_format": moyenne("format", Moment.SORTIE, Repondant.MENTOR),
        "six_mois": {
            "repondues": repondues[Moment.SIX_MOIS, Repondant.BENEFICIAIRE],
            **{figure: six_mois[figure] for figure in REPONSES_SIX_MOIS},
        },
        "progression": moments,
    }


def _round(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"))


def objectifs_de(accompagnement: Accompagnement):
    return Objectif.objects.filter(accompagnement=accompagnement).prefetch_related("indicateurs")


def objectifs_par_moment(programme: Programme) -> list[dict[str, Any]]:
    """Objectives reached, partly reached and not reached, as scored at exit and at 6 months (one query)."""
    counts = {
        row["moment"]: row
        for row in MesureIndicateur.objects.filter(indicateur__objectif__accompagnement__programme=programme)
        .exclude(atteinte="")
        .order_by()
        .values("moment")
        .annotate(
            evalues=Count("indicateur__objectif", distinct=True),
            atteints=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.ATTEINT), distinct=True),
            partiels=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.PARTIEL), distinct=True),
            non_atteints=Count("indicateur__objectif", filter=Q(atteinte=Atteinte.NON_ATTEINT), distinct=True),
        )
    }
    lignes = []
    for moment in (Moment.SORTIE, Moment.SIX_MOIS):
        row = counts.get(moment.value, {})
        evalues, atteints = row.get("evalues", 0), row.get("atteints", 0)
        lignes.append(
            {
                "moment": str(moment.label),
                "evalues": evalues,
                "atteints": atteints,
                "partiels": row.get("partiels", 0),
                "non_atteints": row.get("non_atteints", 0),
                "taux_atteints": _taux(atteints, evalues),
            }
        )
    return lignes
