"""Closing a finished accompagnement: the coordination's move, recorded in its history."""

import pytest

from accompagnements.models import EtatAccompagnement
from accompagnements.services import accompagnement_clore
from core.exceptions import PermissionRefused, RuleViolation

pytestmark = pytest.mark.django_db


def test_the_coordination_closes_a_finished_accompagnement(acc, coordinateur):
    acc.etat = EtatAccompagnement.TERMINE
    acc.save(update_fields=["etat"])

    accompagnement_clore(accompagnement=acc, by=coordinateur, reason="Évaluations recueillies.")

    acc.refresh_from_db()
    assert acc.etat == EtatAccompagnement.CLOS
    event = acc.evenements.get(transition="clore")
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        EtatAccompagnement.TERMINE,
        EtatAccompagnement.CLOS,
        coordinateur,
        "Évaluations recueillies.",
    )


def test_an_accompagnement_under_way_cannot_be_closed(acc, coordinateur):
    with pytest.raises(RuleViolation, match="terminé"):
        accompagnement_clore(accompagnement=acc, by=coordinateur)
    acc.refresh_from_db()
    assert acc.etat == EtatAccompagnement.EN_COURS


def test_only_the_coordination_closes(acc):
    acc.etat = EtatAccompagnement.TERMINE
    acc.save(update_fields=["etat"])

    with pytest.raises(PermissionRefused):
        accompagnement_clore(accompagnement=acc, by=acc.beneficiaire)
    acc.refresh_from_db()
    assert acc.etat == EtatAccompagnement.TERMINE
