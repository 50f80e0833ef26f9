import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accompagnements.models import Accompagnement, Indicateur
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from evaluations import services
from evaluations.models import Evaluation, MesureIndicateur
from tests.relances.conftest import build_dossier


def answer_exit(d, *, atteinte="atteint", valeur="2", recommande=False):
    evaluation = Evaluation.objects.get(accompagnement=d.accompagnement, moment="sortie", repondant="beneficiaire")
    return services.evaluation_repondre(
        evaluation=evaluation,
        by=d.beneficiaire,
        reponses={"competences": "Monter un dossier", "changements": "Un premier mécène"},
        atteintes={d.objectif.pk: atteinte},
        indicateurs={d.quantitatif.pk: {"valeur": valeur}, d.qualitatif.pk: {"niveau": 4}},
        satisfaction_format=4,
        satisfaction_personne=5,
        recommande_suite=recommande,
    )


@pytest.mark.django_db
def test_the_coordinator_ends_the_action_and_both_exit_questionnaires_open():
    d = build_dossier()
    evaluations = services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    acc = Accompagnement.objects.get(pk=d.accompagnement.pk)
    assert acc.etat == "termine" and acc.termine_le is not None
    assert {(e.repondant, e.personne_id, e.etat) for e in evaluations} == {
        ("beneficiaire", d.beneficiaire.pk, "ouverte"),
        ("mentor", d.mentor.pk, "ouverte"),
    }
    # The baseline is on the grid: start values of every indicator.
    debut = MesureIndicateur.objects.filter(moment="debut", indicateur__objectif=d.objectif)
    assert {(m.indicateur_id, m.valeur) for m in debut} == {(d.quantitatif.pk, Decimal("0")), (d.qualitatif.pk, None)}
    # Opening again changes nothing.
    services.evaluations_sortie_ouvrir(accompagnement=acc, by=None)
    assert Evaluation.objects.filter(accompagnement=acc).count() == 2
    assert acc.evenements.filter(transition="terminer").count() == 1


@pytest.mark.django_db
def test_only_the_coordination_ends_an_action_and_only_when_it_is_running():
    d = build_dossier()
    with pytest.raises(PermissionRefused):
        services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.beneficiaire)
    Accompagnement.objects.filter(pk=d.accompagnement.pk).update(etat="convention")
    d.accompagnement.refresh_from_db()
    with pytest.raises(TransitionRefused):
        services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_the_beneficiary_rates_each_objective_and_scores_the_indicators_once():
    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    evaluation = answer_exit(d, atteinte="partiel", valeur="2")
    assert evaluation.etat == "repondue" and evaluation.reponses["objectifs"] == {str(d.objectif.pk): "partiel"}
    sortie = {m.indicateur_id: m for m in MesureIndicateur.objects.filter(moment="sortie")}
    assert sortie[d.quantitatif.pk].valeur == Decimal("2") and sortie[d.quantitatif.pk].atteinte == "partiel"
    assert sortie[d.qualitatif.pk].niveau == 4
    with pytest.raises(TransitionRefused, match="déjà été rempli"):
        answer_exit(d)


@pytest.mark.django_db
def test_nobody_answers_in_someone_elses_name():
    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    evaluation = Evaluation.objects.get(repondant="beneficiaire")
    with pytest.raises(PermissionRefused):
        services.evaluation_repondre(evaluation=evaluation, by=d.mentor, reponses={})
    with pytest.raises(RuleViolation):
        services.evaluation_repondre(evaluation=evaluation, by=d.beneficiaire, reponses={}, satisfaction_format=9)
    assert Evaluation.objects.get(pk=evaluation.pk).etat == "ouverte"


@pytest.mark.django_db
def test_the_six_month_questionnaire_opens_six_months_after_the_exit():
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC), tick=False) as clock:
        from relances.planning import relances_planifier

        d = build_dossier()
        services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
        clock.move_to(datetime.datetime(2026, 7, 14, 10, tzinfo=datetime.UTC))
        relances_planifier()
        assert not Evaluation.objects.filter(moment="six_mois").exists()
        clock.move_to(datetime.datetime(2026, 7, 15, 10, 30, tzinfo=datetime.UTC))
        relances_planifier()
        six = Evaluation.objects.get(moment="six_mois")
        assert six.repondant == "beneficiaire" and six.personne == d.beneficiaire and six.etat == "ouverte"


@pytest.mark.django_db
def test_a_continuation_opens_in_one_click_with_the_grid_carried_over():
    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    answer_exit(d, valeur="2", recommande=True)
    suite = services.accompagnement_suite_ouvrir(accompagnement=d.accompagnement, by=d.coordinateur)
    assert suite.suite_de == d.accompagnement and suite.beneficiaire == d.beneficiaire
    assert suite.format.code == "mentorat" and suite.etat == "objectifs"
    assert list(suite.mentors.all()) == list(d.accompagnement.mentors.all())
    (objectif,) = suite.objectifs.all()
    assert objectif.intitule == d.objectif.intitule
    indicateurs = {i.libelle: i for i in Indicateur.objects.filter(objectif=objectif)}
    # The mentorat starts where the TSF ended.
    assert indicateurs["Dossiers de mécénat déposés"].valeur_initiale == Decimal("2")
    assert indicateurs["Dossiers de mécénat déposés"].cible == Decimal("3")
    with pytest.raises(RuleViolation, match="déjà été ouverte"):
        services.accompagnement_suite_ouvrir(accompagnement=d.accompagnement, by=d.coordinateur)


@pytest.mark.django_db
def test_no_continuation_before_the_end():
    d = build_dossier()
    with pytest.raises(TransitionRefused):
        services.accompagnement_suite_ouvrir(accompagnement=d.accompagnement, by=d.coordinateur)


@pytest.mark.django_db
def test_unanswered_questionnaires_expire_a_month_after_their_due_date():
    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    today = timezone.localdate()
    assert services.evaluations_expirer(today=today + datetime.timedelta(days=services.DELAI_SORTIE_JOURS + 30)) == 0
    assert services.evaluations_expirer(today=today + datetime.timedelta(days=services.DELAI_SORTIE_JOURS + 31)) == 2
    assert set(Evaluation.objects.values_list("etat", flat=True)) == {"expiree"}
