"""Reminder rules (relances/permissions.py)."""

from __future__ import annotations

import pytest

from core.permissions import may

pytestmark = pytest.mark.django_db


def test_only_the_coordination_configures_reminders(coordinateur, membre_comite):
    assert may(coordinateur, "relances.configurer")
    decision = may(membre_comite, "relances.configurer")
    assert not decision and decision.reason == "Seule la coordination règle les relances d’un programme."
