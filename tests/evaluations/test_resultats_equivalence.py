"""`resultats_programme` derives its figures in Python from a few grouped queries (issue 14): this pins it
against the straightforward definition of each figure (one filtered database aggregate per figure, the
implementation it replaced) on a data set that mixes moments, respondents, states and odd answers."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Avg, Count, F, Q
from django.utils.functional import Promise

from accompagnements.models import ETATS_TERMINES, Accompagnement, TypeIndicateur
from evaluations.models import MOMENTS_MESURES, Atteinte, EtatEvaluation, Evaluation, MesureIndicateur, Moment, Repondant
from evaluations.selectors import _round, _taux, resultats_programme
from tests.factories import AccompagnementFactory, IndicateurFactory, ObjectifFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

QUESTIONNAIRES = (
    ("sortie_beneficiaire", "Sortie – bénéficiaires"),
    ("sortie_mentor", "Sortie – personnes-ressources"),
    ("six_mois_beneficiaire", "6 mois – bénéficiaires"),
    ("fin_programme_beneficiaire", "Fin de programme – bénéficiaires"),
    ("fin_programme_mentor", "Fin de programme – personnes-ressources"),
)


def reference(programme) -> dict[str, Any]:
    """Each figure as its own filtered aggregate: the definition the grouped computation must match."""
    evaluations = Evaluation.objects.filter(accompagnement__programme=programme)
    repondues = Q(etat=EtatEvaluation.REPONDUE)
    aggregates = {}
    for key, _label in QUESTIONNAIRES:
        moment, repondant = key.rsplit("_", 1)
        q = Q(moment=moment, repondant=repondant)
        aggregates[f"{key}_envoyees"] = Count("pk", filter=~Q(etat=EtatEvaluation.A_VENIR) & q)
        aggregates[f"{key}_repondues"] = Count("pk", filter=repondues & q)
    sortie_benef = repondues & Q(moment=Moment.SORTIE, repondant=Repondant.BENEFICIAIRE)
    six_mois = repondues & Q(moment=Moment.SIX_MOIS)
    counts = evaluations.aggregate(
        **aggregates,
        sf=Avg("satisfaction_format", filter=sortie_benef),
        sp=Avg("satisfaction_personne", filter=sortie_benef),
        msf=Avg("satisfaction_format", filter=repondues & Q(moment=Moment.SORTIE, repondant=Repondant.MENTOR)),
        suites_recommandees=Count("accompagnement", filter=repondues & Q(recommande_suite=True), distinct=True),
        outils_utilises=Count("pk", filter=six_mois & Q(reponses__outils_utilises="oui")),
        emploi_maintenu=Count("pk", filter=six_mois & Q(reponses__emploi="maintenu")),
        emploi_cree=Count("pk", filter=six_mois & Q(reponses__emploi="cree")),
        personne_ressource_oui=Count("pk", filter=six_mois & Q(reponses__personne_ressource="oui")),
        personne_ressource_envisage=Count("pk", filter=six_mois & Q(reponses__personne_ressource="envisage")),
    )
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
    moments = []
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
        "questionnaires": [
            {
                "libelle": label,
                "envoyees": counts[f"{key}_envoyees"],
                "repondues": counts[f"{key}_repondues"],
                "taux": _taux(counts[f"{key}_repondues"], counts[f"{key}_envoyees"]),
            }
            for key, label in QUESTIONNAIRES
            if not key.startswith("fin_programme") or counts[f"{key}_envoyees"]
        ],
        "objectifs": {**objectifs, "taux_atteints": _taux(objectifs["atteints"], objectifs["evalues"])},
        "satisfaction_format": _round(counts["sf"]),
        "satisfaction_personne": _round(counts["sp"]),
        "mentors_satisfaction_format": _round(counts["msf"]),
        "six_mois": {
            "repondues": counts["six_mois_beneficiaire_repondues"],
            **{
                key: counts[key]
                for key in (
                    "outils_utilises",
                    "emploi_maintenu",
                    "emploi_cree",
                    "personne_ressource_oui",
                    "personne_ressource_envisage",
                )
            },
        },
        "progression": moments,
    }


def plain(value: Any) -> Any:
    """What a template renders: lazy labels as text, every leaf with its type (3.2 is not 3.20, 1 is not True)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (int, Decimal)) or value is None:
        return (type(value).__name__, str(value))
    return value


def remplir(programme, *, graine: int) -> None:
    """Accompaniments in every state, each questionnaire in every state, answers that count and answers that
    don't (a fixed seed: the same data set on every run)."""
    rnd = random.Random(graine)
    precedent = None
    for i in range(10):
        etat = rnd.choice(["en_cours", "termine", "clos", "abandonne", "termine"])
        acc = AccompagnementFactory(candidature__programme=programme, etat=etat, suite_de=precedent if i % 3 else None)
        precedent = acc
        for moment, repondant in itertools.product(Moment, Repondant):
            if rnd.random() < 0.15:
                continue  # not every questionnaire exists for every accompaniment
            reponses: dict[str, Any] = {"commentaire": "Très utile."}
            if moment == Moment.SIX_MOIS or rnd.random() < 0.2:
                # Six-month answers, also on a mentor's row, another moment's and unanswered rows (not counted).
                reponses = {
                    "outils_utilises": rnd.choice(["oui", "en_partie", "non"]),
                    "emploi": rnd.choice(["maintenu", "cree", "aucun", "sans_objet"]),
                    "personne_ressource": rnd.choice(["oui", "envisage", "non"]),
                }
                reponses.pop(rnd.choice(["outils_utilises", "emploi", "personne_ressource", "aucune"]), None)
            if rnd.random() < 0.1:
                reponses = {"emploi": ["maintenu"], "outils_utilises": True}  # not the expected shape: never counted
            Evaluation.objects.create(
                accompagnement=acc,
                moment=moment,
                repondant=repondant,
                etat=rnd.choice([*EtatEvaluation.values, EtatEvaluation.REPONDUE, EtatEvaluation.REPONDUE]),
                satisfaction_format=rnd.choice([None, 1, 2, 3, 3, 4, 4, 5]),
                satisfaction_personne=rnd.choice([None, 1, 2, 3, 4, 4, 5]),
                recommande_suite=rnd.random() < 0.3,
                reponses=reponses,
            )
        for _o in range(rnd.randint(0, 3)):
            objectif = ObjectifFactory(accompagnement=acc)
            indicateurs = [
                IndicateurFactory(objectif=objectif, cible=Decimal("3")),
                IndicateurFactory(objectif=objectif, type_indicateur="qualitatif", unite="", cible=None),
            ]
            for indicateur in rnd.sample(indicateurs, rnd.randint(1, 2)):
                for moment in MOMENTS_MESURES:
                    if rnd.random() < 0.2:
                        continue
                    quantitatif = indicateur.type_indicateur == TypeIndicateur.QUANTITATIF
                    MesureIndicateur.objects.create(
                        indicateur=indicateur,
                        moment=moment,
                        valeur=rnd.choice([None, Decimal("1"), Decimal("3.00"), Decimal("5.5")]) if quantitatif else None,
                        niveau=None if quantitatif else rnd.choice([None, 1, 2, 3, 4, 5]),
                        # The objective's answer is stored per indicator: two indicators may disagree.
                        atteinte="" if moment == Moment.DEBUT else rnd.choice(["", *Atteinte.values]),
                    )


def test_the_grouped_results_are_the_figures_one_by_one():
    programme, autre = ProgrammeFactory(), ProgrammeFactory()
    remplir(programme, graine=2)
    remplir(autre, graine=6)
    attendu = reference(programme)
    # The data set exercises every figure, and an objective whose indicators disagree (counted in two columns).
    assert all(attendu["six_mois"].values()) and all(attendu["objectifs"].values())
    assert attendu["suites_recommandees"] and attendu["satisfaction_personne"] and len(attendu["questionnaires"]) == 5
    assert all(all(m.values()) for m in attendu["progression"][1:])
    o = attendu["objectifs"]
    assert o["atteints"] + o["partiels"] + o["non_atteints"] > o["evalues"]
    assert plain(resultats_programme(programme)) == plain(attendu)
    # The other programme's answers stay its own.
    assert plain(resultats_programme(autre)) == plain(reference(autre))


def test_an_empty_programme_has_the_same_empty_results():
    programme = ProgrammeFactory()
    AccompagnementFactory(candidature__programme=programme, etat="termine")  # no questionnaire, no grid
    for p in (programme, ProgrammeFactory()):
        assert plain(resultats_programme(p)) == plain(reference(p))


def test_averages_round_the_same_way():
    """3.25 and 3.35 sit on a rounding edge: the database's average and the computed one agree."""
    programme = ProgrammeFactory()
    for notes in ([3, 3, 3, 4], [3, 3, 4, 4, 3, 3, 4, 4, 3, 4, 4, 3, 3, 3, 4, 4, 3, 4, 4, 4]):
        for note in notes:
            acc = AccompagnementFactory(candidature__programme=programme, etat="termine")
            Evaluation.objects.create(
                accompagnement=acc,
                moment=Moment.SORTIE,
                repondant=Repondant.BENEFICIAIRE,
                etat=EtatEvaluation.REPONDUE,
                satisfaction_format=note,
                satisfaction_personne=note,
            )
        assert plain(resultats_programme(programme)) == plain(reference(programme))
