from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.models import Evaluation
from evaluations.selectors import resultats_programme
from tests.factories import ProgrammeFactory
from tests.relances.conftest import build_dossier

from .test_services import answer_exit


def finished(d, *, atteinte="atteint", six_mois=None, recommande=False):
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    answer_exit(d, atteinte=atteinte, valeur="3" if atteinte == "atteint" else "1", recommande=recommande)
    if six_mois:
        six = services.evaluation_six_mois_ouvrir(accompagnement=d.accompagnement)
        services.evaluation_repondre(
            evaluation=six, by=d.beneficiaire, reponses=six_mois, indicateurs={d.qualitatif.pk: {"niveau": 5}}
        )


@pytest.mark.django_db
def test_programme_results_are_the_aggregates_of_the_answers(programme):
    a = build_dossier(programme=programme)
    finished(a, six_mois={"outils_utilises": "oui", "emploi": "cree", "personne_ressource": "oui"}, recommande=True)
    b = build_dossier(programme=programme)
    finished(b, atteinte="non_atteint", six_mois=None)
    Evaluation.objects.filter(accompagnement=b.accompagnement, repondant="beneficiaire").update(satisfaction_format=2)

    r = resultats_programme(programme)
    assert r["objectifs"] == {"evalues": 2, "atteints": 1, "partiels": 0, "non_atteints": 1, "taux_atteints": 50}
    assert r["satisfaction_format"] == Decimal("3.0")  # (4 + 2) / 2
    assert r["satisfaction_personne"] == Decimal("5.0")
    assert r["suites_recommandees"] == 1 and r["accompagnements_termines"] == 2
    rates = {str(q["libelle"]): (q["envoyees"], q["repondues"], q["taux"]) for q in r["questionnaires"]}
    assert rates == {
        "Sortie – bénéficiaires": (2, 2, 100),
        "Sortie – personnes-ressources": (2, 0, 0),
        "6 mois – bénéficiaires": (1, 1, 100),
    }
    assert r["six_mois"] == {
        "repondues": 1,
        "outils_utilises": 1,
        "emploi_maintenu": 0,
        "emploi_cree": 1,
        "personne_ressource_oui": 1,
        "personne_ressource_envisage": 0,
    }
    by_moment = {str(m["moment"]): m for m in r["progression"]}
    assert by_moment["À la sortie"]["taux_cibles"] == 50  # 3/3 reached, 1/3 not
    assert by_moment["À 6 mois"]["niveau_moyen"] == Decimal("5.0")
    # Another programme's answers are not counted.
    assert resultats_programme(ProgrammeFactory())["objectifs"]["evalues"] == 0


@pytest.mark.django_db
def test_results_take_the_same_number_of_queries_whatever_the_number_of_answers(programme):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            resultats_programme(programme)
        return len(ctx.captured_queries)

    empty = count()
    d = build_dossier(programme=programme)
    finished(d, six_mois={"outils_utilises": "non", "emploi": "maintenu", "personne_ressource": "non"})
    assert count() == empty <= 6
