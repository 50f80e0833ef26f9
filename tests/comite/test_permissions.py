"""Comité rules (comite/permissions.py)."""

from __future__ import annotations

import pytest

from comite import services
from core.exceptions import PermissionRefused
from core.permissions import may
from tests.candidatures.coordination_helpers import soumise

pytestmark = pytest.mark.django_db


def test_members_read_and_give_opinions_the_coordination_manages(coordinateur, membre_comite, candidat):
    assert may(membre_comite, "comite.consulter") and may(coordinateur, "comite.consulter")
    assert not may(candidat, "comite.consulter")
    assert may(membre_comite, "comite.donner_avis") and not may(coordinateur, "comite.donner_avis")
    decision = may(membre_comite, "comite.gerer")
    assert not decision and decision.reason == "Seule la coordination peut faire cette opération."


def test_the_service_refuses_with_the_rules_reason(programme, membre_comite):
    with pytest.raises(PermissionRefused, match="Seule la coordination"):
        services.saisine_create(candidature=soumise(programme), by=membre_comite, question="?")
