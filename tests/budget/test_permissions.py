"""Budget rules (budget/permissions.py)."""

from __future__ import annotations

import pytest

from core.permissions import may

pytestmark = pytest.mark.django_db


def test_the_committee_reads_the_coordination_writes(coordinateur, membre_comite, candidat):
    assert may(coordinateur, "budget.consulter") and may(membre_comite, "budget.consulter")
    assert not may(candidat, "budget.consulter")
    assert may(coordinateur, "budget.modifier")
    decision = may(membre_comite, "budget.modifier")
    assert not decision and "coordination" in decision.reason
