"""Read-side queries shared by pages: the evaluation section, the space, the programme's results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accompagnements.models import ETATS_TERMINES, Accompagnement, Objectif, TypeIndicateur
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
    objectifs = accompagnement.objectifs.prefetch_related(
        "indicateurs", Prefetch("indicateurs__mesures", queryset=MesureIndicateur.objects.all())
    )
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
    evaluations = list(accompagnement.evaluations.select_related("personne"))
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


def resultats_programme(programme: Programme) -> dict[str, Any]:
    """The programme's evaluation results, computed by the database (a handful of aggregate queries)."""
    evaluations = Evaluation.objects.filter(accompagnement__programme=programme)
    envoyees = ~Q(etat=EtatEvaluation.A_VENIR)
    repondues = Q(etat=EtatEvaluation.REPONDUE)
    par_questionnaire = {}
    for moment, repondant in (
        (Moment.SORTIE, Repondant.BENEFICIAIRE),
        (Moment.SORTIE, Repondant.MENTOR),
        (Moment.SIX_MOIS, Repondant.BENEFICIAIRE),
        (Moment.FIN_PROGRAMME, Repondant.BENEFICIAIRE),
        (Moment.FIN_PROGRAMME, Repondant.MENTOR),
    ):
        key = f"{moment}_{repondant}"
        par_questionnaire[key] = (
            envoyees & Q(moment=moment, repondant=repondant),
            repondues & Q(moment=moment, repondant=repondant),
        )
    aggregates = {}
    for key, (sent, answered) in par_questionnaire.items():
        aggregates[f"{key}_envoyees"] = Count("pk", filter=sent)
        aggregates[f"{key}_repondues"] = Count("pk", filter=answered)
    sortie_benef = repondues & Q(moment=Moment.SORTIE, repondant=Repondant.BENEFICIAIRE)
    six_mois = repondues & Q(moment=Moment.SIX_MOIS)
    counts = evaluations.aggregate(
        **aggregates,
        moy_satisfaction_format=Avg("satisfaction_format", filter=sortie_benef),
        moy_satisfaction_personne=Avg("satisfaction_personne", filter=sortie_benef),
        moy_mentors_satisfaction_format=Avg(
            "satisfaction_format", filter=repondues & Q(moment=Moment.SORTIE, repondant=Repondant.MENTOR)
        ),
        suites_recommandees=Count("accompagnement", filter=repondues & Q(recommande_suite=True), distinct=True),
        outils_utilises=Count("pk", filter=six_mois & Q(reponses__outils_utilises="oui")),
        emploi_maintenu=Count("pk", filter=six_mois & Q(reponses__emploi="maintenu")),
        emploi_cree=Count("pk", filter=six_mois & Q(reponses__emploi="cree")),
        personne_ressource_oui=Count("pk", filter=six_mois & Q(reponses__personne_ressource="oui")),
        personne_ressource_envisage=Count("pk", filter=six_mois & Q(reponses__personne_ressource="envisage")),
    )
    # Objectives: the beneficiary's exit answer is stored on each indicator of the objective.
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
    quantitatif = Q(indicateur__type_indicateur=TypeIndicateur.QUANTITATIF, valeur__isnull=False)
    qualitatif = Q(indicateur__type_indicateur=TypeIndicateur.QUALITATIF, niveau__isnull=False)
    progression = {
        row["moment"]: row
        for row in mesures.values("moment").annotate(
            niveau_moyen=Avg("niveau", filter=qualitatif),
            qualitatifs=Count("pk", filter=qualitatif),
            quantitatifs=Count("pk", filter=quantitatif),
            cibles_atteintes=Count("pk", filter=quantitatif & Q(valeur__gte=F("indicateur__cible"))),
        )
    }
    accompagnements = Accompagnement.objects.filter(programme=programme).aggregate(
        termines=Count("pk", filter=Q(etat__in=ETATS_TERMINES)),
        suites=Count("pk", filter=Q(suite_de__isnull=False)),
    )
    questionnaires = [
        {
            "libelle": label,
            "envoyees": counts[f"{key}_envoyees"],
            "repondues": counts[f"{key}_repondues"],
            "taux": _taux(counts[f"{key}_repondues"], counts[f"{key}_envoyees"]),
        }
        for key, label in (
            ("sortie_beneficiaire", _("Sortie – bénéficiaires")),
            ("sortie_mentor", _("Sortie – personnes-ressources")),
            ("six_mois_beneficiaire", _("6 mois – bénéficiaires")),
            ("fin_programme_beneficiaire", _("Fin de programme – bénéficiaires")),
            ("fin_programme_mentor", _("Fin de programme – personnes-ressources")),
        )
        # A programme without a cohort's end (the TSF) shows no end-of-programme row.
        if not key.startswith("fin_programme") or counts[f"{key}_envoyees"]
    ]
    six_mois_repondues = counts["six_mois_beneficiaire_repondues"]
    moments = []
    # The grid is scored at three moments only (the end-of-programme questionnaire scores none).
    for moment in MOMENTS_MESURES:
        row = progression.get(moment.value, {})
        moments.append(
            {
                "moment": moment.label,
                "niveau_moyen": _round(row.get("niveau_moyen")),
                "qualitatifs": row.get("qualitatifs", 0),
                "quantitatifs": row.get("quantitatifs", 0),
                "cibles_atteintes": row.get("cibles_atteintes", 0),
                "taux_cibles": _taux(row.get("cibles_atteintes"), row.get("quantitatifs")),
            }
        )
    return {
        "programme": programme,
        "accompagnements_termines": accompagnements["termines"],
        "suites_ouvertes": accompagnements["suites"],
        "suites_recommandees": counts["suites_recommandees"],
        "questionnaires": questionnaires,
        "objectifs": {**objectifs, "taux_atteints": _taux(objectifs["atteints"], objectifs["evalues"])},
        "satisfaction_format": _round(counts["moy_satisfaction_format"]),
        "satisfaction_personne": _round(counts["moy_satisfaction_personne"]),
        "mentors_satisfaction_format": _round(counts["moy_mentors_satisfaction_format"]),
        "six_mois": {
            "repondues": six_mois_repondues,
            "outils_utilises": counts["outils_utilises"],
            "emploi_maintenu": counts["emploi_maintenu"],
            "emploi_cree": counts["emploi_cree"],
            "personne_ressource_oui": counts["personne_ressource_oui"],
            "personne_ressource_envisage": counts["personne_ressource_envisage"],
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
