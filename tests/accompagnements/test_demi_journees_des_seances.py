"""The accompagnement page counts its half-day figures from the sessions it has read
(`demi_journees_des_seances`) instead of the aggregate query (`demi_journees`, issue 14): both must
give the same figures for every kind of session, or the page and the budget would disagree."""

import itertools

import pytest
from django.utils import timezone

from accompagnements.models import CompteRendu, EtatSeance, Seance, ServiceFait
from accompagnements.selectors import demi_journees, demi_journees_des_seances, seances_context
from tests.accompagnements.conftest import dans
from tests.factories import SeanceFactory


@pytest.mark.django_db
def test_the_page_figures_are_the_budget_figures_for_every_kind_of_session(acc, mentor):
    # Every state × counted or not × service fait × no report / draft report / handed-in report.
    jours = itertools.count(1)
    for etat, comptee, service_fait, rapport in itertools.product(
        EtatSeance.values, (False, True), ServiceFait.values, ("aucun", "brouillon", "remis")
    ):
        seance = SeanceFactory(
            accompagnement=acc,
            debut=dans(days=-next(jours)),
            demi_journees=1 + next(jours) % 2,
            etat=etat,
            comptee=comptee,
            service_fait=service_fait,
        )
        if rapport != "aucun":
            CompteRendu.objects.create(
                seance=seance, redige_par=mentor.user, soumis_le=timezone.now() if rapport == "remis" else None
            )
    seances = list(Seance.objects.filter(accompagnement=acc).select_related("compte_rendu"))
    attendu = demi_journees(accompagnement_ids=[acc.pk])[acc.pk]
    assert attendu.livrees and attendu.planifiees and attendu.realisees  # every branch is exercised
    assert demi_journees_des_seances(acc, seances) == attendu


@pytest.mark.django_db
def test_the_sessions_section_reads_no_aggregate(acc, mentor, django_assert_num_queries):
    held = SeanceFactory(accompagnement=acc, debut=dans(days=-10), demi_journees=2, etat=EtatSeance.REALISEE)
    CompteRendu.objects.create(seance=held, redige_par=mentor.user, soumis_le=timezone.now())
    SeanceFactory(accompagnement=acc, debut=dans(days=3))
    with django_assert_num_queries(1):  # the sessions with their reports, nothing more
        context = seances_context(acc, mentor.user, "mentor")
    assert context["seances_demi_journees"] == demi_journees(accompagnement_ids=[acc.pk])[acc.pk]
