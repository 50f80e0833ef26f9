"""Accompagnement and session rules (accompagnements/permissions.py) and the session page's buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompagnements import services
from accompagnements.models import EtatAccompagnement
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.permissions import may, require
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, SeanceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_planning_needs_a_planner_and_a_signed_convention(acc, mentor, coordinateur):
    assert may(mentor.user, "seance.planifier", acc) and may(coordinateur, "seance.planifier", acc)
    beneficiaire = may(acc.beneficiaire, "seance.planifier", acc)
    assert not beneficiaire and beneficiaire.role_refused
    assert not may(UserFactory(), "seance.planifier", acc).allowed
    acc.etat = EtatAccompagnement.CONVENTION
    refused = may(mentor.user, "seance.planifier", acc)
    assert not refused and refused.error is RuleViolation and "convention signée" in refused.reason


def test_holding_a_session_is_for_planners_once_it_started(acc, mentor):
    future = SeanceFactory(accompagnement=acc, debut=dans(days=2))
    decision = may(mentor.user, "seance.realiser", future)
    assert not decision and "pas encore commencé" in decision.reason
    passee = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    assert may(mentor.user, "seance.realiser", passee)
    assert not may(acc.beneficiaire, "seance.realiser", passee)
    services.seance_mark_held(seance=passee, by=mentor.user)
    again = may(mentor.user, "seance.realiser", passee)
    assert not again and again.error is TransitionRefused


def test_cancelling_questions_reports_and_overrule(acc, mentor, coordinateur):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=7))
    assert may(acc.beneficiaire, "seance.annuler", seance)
    assert may(acc.beneficiaire, "seance.questionner", seance)
    assert not may(coordinateur, "seance.questionner", seance)
    assert not may(coordinateur, "seance.arbitrer", seance)
    services.seance_cancel(seance=seance, motif="Malade", by=acc.beneficiaire)
    assert may(coordinateur, "seance.arbitrer", seance)
    assert not may(acc.beneficiaire, "seance.annuler", seance)
    assert not may(mentor.user, "seance.joindre_support", seance)
    with pytest.raises(RuleViolation, match="annulée"):
        require(mentor.user, "seance.joindre_support", seance)
    with pytest.raises(PermissionRefused):
        require(acc.beneficiaire, "compte_rendu.rediger", seance)


def test_only_the_pair_writes_the_grid_before_the_signature(coordinateur):
    acc = AccompagnementFactory(etat=EtatAccompagnement.OBJECTIFS)
    assert may(acc.beneficiaire, "accompagnement.rediger_grille", acc)
    assert may(acc.beneficiaire, "accompagnement.valider_grille", acc)
    refused = may(coordinateur, "accompagnement.rediger_grille", acc)
    assert not refused and "rédigent la grille" in refused.reason
    assert may(coordinateur, "accompagnement.commenter_grille", acc)
    acc.etat = EtatAccompagnement.EN_COURS
    assert not may(acc.beneficiaire, "accompagnement.rediger_grille", acc)


def _page(client, seance) -> str:
    return client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).content.decode()


def test_session_buttons_are_shown_only_when_allowed(client, acc, mentor):
    client.force_login(mentor.user)
    future = SeanceFactory(accompagnement=acc, debut=dans(days=7))
    page = _page(client, future)
    assert "Modifier ou déplacer" in page and "Annuler la séance" in page
    assert "Marquer la séance comme réalisée" not in page
    passee = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    assert "Marquer la séance comme réalisée" in _page(client, passee)
    services.seance_mark_held(seance=passee, by=mentor.user)
    page = _page(client, passee)
    assert "Marquer la séance comme réalisée" not in page and "Annuler la séance" not in page
    assert "Rédiger le compte-rendu" in page
    client.force_login(acc.beneficiaire)
    page = _page(client, future)
    assert "Annuler la séance" in page and "Modifier ou déplacer" not in page
    assert "Rédiger le compte-rendu" not in _page(client, passee)
