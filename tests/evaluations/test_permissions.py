"""Evaluation rules (evaluations/permissions.py): a questionnaire is its respondent's, once, while open."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.exceptions import TransitionRefused
from core.permissions import may, require
from evaluations import services
from evaluations.models import EtatEvaluation
from tests.factories import AccompagnementFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_the_respondent_fills_an_open_questionnaire(coordinateur, membre_comite):
    acc = AccompagnementFactory()
    evaluations = services.evaluations_sortie_ouvrir(accompagnement=acc, by=coordinateur)
    mine = next(e for e in evaluations if e.personne_id == acc.beneficiaire_id)
    assert may(acc.beneficiaire, "evaluation.remplir", mine)
    refused = may(UserFactory(), "evaluation.remplir", mine)
    assert not refused and refused.reason == "Ce questionnaire est destiné à une autre personne."
    mine.etat = EtatEvaluation.REPONDUE
    with pytest.raises(TransitionRefused, match="déjà été rempli"):
        require(acc.beneficiaire, "evaluation.remplir", mine)
    assert may(membre_comite, "evaluation.resultats") and not may(membre_comite, "evaluation.piloter")


def test_ending_an_accompagnement_is_the_coordinations_while_it_runs(coordinateur):
    acc = AccompagnementFactory()
    assert may(coordinateur, "accompagnement.terminer", acc)
    assert not may(acc.beneficiaire, "accompagnement.terminer", acc)
    acc.etat = "termine"
    assert not may(coordinateur, "accompagnement.terminer", acc)


def test_expiry_moves_open_questionnaires_through_the_table(coordinateur):
    acc = AccompagnementFactory()
    services.evaluations_sortie_ouvrir(accompagnement=acc, by=coordinateur)
    later = timezone.localdate() + datetime.timedelta(days=400)
    assert services.evaluations_expirer(today=later) == 2
    assert set(acc.evaluations.values_list("etat", flat=True)) == {EtatEvaluation.EXPIREE}
