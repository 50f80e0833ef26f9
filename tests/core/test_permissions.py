"""The permission module: one registry answering "may this user do this, and if not, why"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.translation import gettext_lazy as _

from accompagnements.workflow import WORKFLOW as ACCOMPAGNEMENT_WORKFLOW
from accompagnements.workflow_seances import WORKFLOW as SEANCE_WORKFLOW
from annuaire.workflow import PROPOSITION_WORKFLOW
from annuaire.workflow import WORKFLOW as PERSONNE_RESSOURCE_WORKFLOW
from candidatures.models import Etat
from candidatures.workflow import WORKFLOW as CANDIDATURE_WORKFLOW
from conventions.workflow import WORKFLOW as CONVENTION_WORKFLOW
from core import permissions
from core.exceptions import PermissionRefused, TransitionRefused
from core.permissions import ALLOWED, Decision, may, refused, register_workflow, require
from core.workflow import Transition, Workflow
from evaluations.workflow import WORKFLOW as EVALUATION_WORKFLOW
from tests.factories import CandidatureFactory, UserFactory

WORKFLOWS = {
    "candidature": CANDIDATURE_WORKFLOW,
    "accompagnement": ACCOMPAGNEMENT_WORKFLOW,
    "seance": SEANCE_WORKFLOW,
    "personne_ressource": PERSONNE_RESSOURCE_WORKFLOW,
    "proposition": PROPOSITION_WORKFLOW,
    "convention": CONVENTION_WORKFLOW,
    "evaluation": EVALUATION_WORKFLOW,
}


@pytest.fixture
def scratch_rules():
    """Rules registered by a test are removed afterwards."""
    before = dict(permissions._RULES)
    yield
    permissions._RULES.clear()
    permissions._RULES.update(before)


def test_every_transition_says_who_may_ask_for_it_and_is_a_registered_rule():
    for prefix, workflow in WORKFLOWS.items():
        for name, transition in workflow.by_name.items():
            assert transition.roles, f"{prefix}.{name} has no roles"
            assert f"{prefix}.{name}" in permissions.actions()


def test_decision_is_truthy_only_when_allowed_and_refusals_carry_a_french_reason():
    assert ALLOWED and ALLOWED.allowed
    no = refused("Parce que.")
    assert not no and no.reason == "Parce que." and no.role_refused
    assert refused().reason == "Vous ne pouvez pas faire cette action."


def test_rule_may_require_and_unknown_or_duplicate_actions(scratch_rules):
    @permissions.rule("test.pair")
    def pair(user, obj):
        return obj % 2 == 0 or refused(f"{obj} est impair.")

    assert may(None, "test.pair", 2) == ALLOWED
    assert may(None, "test.pair", 3) == Decision(False, "3 est impair.")
    require(None, "test.pair", 4)
    with pytest.raises(PermissionRefused, match="3 est impair"):
        require(None, "test.pair", 3)
    with pytest.raises(KeyError, match="test.inconnue"):
        may(None, "test.inconnue")
    with pytest.raises(ValueError, match="registered twice"):
        permissions.register("test.pair", lambda user, obj: True)


class _Dossier:
    def __init__(self, etat, proprietaire):
        self.etat, self.proprietaire = etat, proprietaire


def test_a_transition_rule_is_role_allowed_and_state_a_source(scratch_rules):
    workflow = Workflow(
        Etat,
        [
            Transition(
                "retenir", frozenset({Etat.EN_ATTENTE_DECISION}), Etat.SELECTIONNEE, _("retenir"), roles=frozenset({"chef"})
            )
        ],
    )
    register_workflow("test_dossier", workflow, role_of=lambda user, obj: "chef" if user == obj.proprietaire else None)
    assert may("alice", "test_dossier.retenir", _Dossier(Etat.EN_ATTENTE_DECISION, "alice"))
    not_mine = may("bob", "test_dossier.retenir", _Dossier(Etat.EN_ATTENTE_DECISION, "alice"))
    assert not not_mine and not_mine.role_refused and "retenir" in not_mine.reason
    wrong_state = may("alice", "test_dossier.retenir", _Dossier(Etat.SOUMISE, "alice"))
    assert not wrong_state and wrong_state.error is TransitionRefused and "Déposée, à vérifier" in wrong_state.reason
    with pytest.raises(TransitionRefused):
        require("alice", "test_dossier.retenir", _Dossier(Etat.SOUMISE, "alice"))


@pytest.mark.django_db
def test_the_template_tag_hides_a_button_the_rule_refuses(coordinateur, candidat):
    template = Template(
        '{% load permissions %}{% may "candidature.coordonner" as ok %}{% if ok %}bouton{% else %}{{ ok.reason }}{% endif %}'
    )
    request = RequestFactory().get("/")
    request.user = coordinateur
    assert template.render(Context({"request": request})) == "bouton"
    request.user = candidat
    assert template.render(Context({"request": request})) == "Seule la coordination peut faire cette opération."


@pytest.mark.django_db
def test_action_required_sends_anonymous_to_login_and_refuses_other_roles(coordinateur, candidat):
    @permissions.action_required("candidature.coordonner")
    def view(request):
        return HttpResponse("ok")

    assert view.permission_action == "candidature.coordonner"
    request = RequestFactory().get("/bureau/")
    request.user = AnonymousUser()
    assert view(request).status_code == 302
    request.user = candidat
    with pytest.raises(permissions.PermissionDenied):
        view(request)
    request.user = coordinateur
    assert view(request).status_code == 200


@pytest.mark.django_db
def test_forbid_unless_is_403_for_a_role_and_returns_a_state_refusal(coordinateur, programme):
    brouillon = CandidatureFactory(programme=programme, etat=Etat.BROUILLON)
    with pytest.raises(permissions.PermissionDenied):
        permissions.forbid_unless(UserFactory(), "candidature.soumettre_comite", brouillon)
    decision = permissions.forbid_unless(coordinateur, "candidature.soumettre_comite", brouillon)
    assert not decision and "Brouillon" in decision.reason


@pytest.mark.django_db
def test_the_admin_mixin_asks_the_rule_after_django(coordinateur, candidat):
    class Base:
        def has_change_permission(self, request, obj=None):
            return True

    class Admin(permissions.PermissionRulesAdminMixin, Base):
        permission_rules = {"change": "candidature.coordonner"}

    request = RequestFactory().get("/")
    request.user = coordinateur
    assert Admin().has_change_permission(request)
    request.user = candidat
    assert not Admin().has_change_permission(request)
    assert permissions.admin_may(request, "aucune.regle") is True
