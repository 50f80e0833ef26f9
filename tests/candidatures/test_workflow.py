import pytest

from candidatures import services
from candidatures.models import Candidature, Etat
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from tests.factories import CandidatureFactory, ProgrammeFactory


@pytest.mark.django_db
def test_submission_gives_a_reference_and_records_who_when_from_to(candidature, candidat):
    services.candidature_submit(candidature=candidature, by=candidat)
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SOUMISE
    assert candidature.reference.startswith("TSF-")
    event = candidature.evenements.get()
    assert (event.actor, event.from_state, event.to_state, event.transition) == (candidat, "brouillon", "soumise", "soumettre")
    assert event.created_at is not None


@pytest.mark.django_db
def test_two_submissions_get_distinct_references(programme):
    first = CandidatureFactory(programme=programme)
    second = CandidatureFactory(programme=programme)
    services.candidature_submit(candidature=first, by=first.candidat)
    services.candidature_submit(candidature=second, by=second.candidat)
    assert first.reference != second.reference


@pytest.mark.django_db
def test_someone_else_cannot_submit_my_draft(candidature, autre_candidat):
    with pytest.raises(TransitionRefused):
        services.candidature_submit(candidature=candidature, by=autre_candidat)
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.BROUILLON


@pytest.mark.django_db
def test_selecting_a_file_never_found_eligible_is_refused_in_french(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    with pytest.raises(TransitionRefused) as refused:
        services.candidature_select(
            candidature=candidature, by=coordinateur, format=ProgrammeFactory.tsf(programme), demi_journees=2
        )
    assert "impossible" in refused.value.message and "Déposée, à vérifier" in refused.value.message
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SOUMISE and candidature.format_retenu is None
    assert not candidature.evenements.exists()


@pytest.mark.django_db
def test_rejection_needs_a_reason(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    with pytest.raises(TransitionRefused, match="motif est obligatoire"):
        services.candidature_reject(candidature=candidature, by=coordinateur, reason="  ")
    services.candidature_reject(candidature=candidature, by=coordinateur, reason="Structure hors champ des musiques actuelles")
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.IRRECEVABLE


@pytest.mark.django_db
def test_whole_path_to_selection_then_revert(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    services.candidature_declare_eligible(candidature=candidature, by=coordinateur)
    services.candidature_plan_diagnostic(candidature=candidature, by=coordinateur)
    services.candidature_complete_diagnostic(candidature=candidature, by=coordinateur)
    services.candidature_select(candidature=candidature, by=coordinateur, format=ProgrammeFactory.tsf(programme), demi_journees=3)
    assert candidature.etat == Etat.SELECTIONNEE and candidature.demi_journees_retenues == 3
    services.candidature_revert_decision(candidature=candidature, by=coordinateur, reason="Erreur de dossier")
    assert candidature.etat == Etat.DIAGNOSTIC_REALISE
    last = candidature.evenements.last()
    assert (last.transition, last.from_state, last.to_state, last.reason) == (
        "annulation",
        "selectionnee",
        "diagnostic_realise",
        "Erreur de dossier",
    )


@pytest.mark.django_db
def test_selection_over_the_tsf_limit_is_refused(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.DIAGNOSTIC_REALISE)
    with pytest.raises(RuleViolation, match="maximum est de 4"):
        services.candidature_select(
            candidature=candidature, by=coordinateur, format=ProgrammeFactory.tsf(programme), demi_journees=5
        )
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.DIAGNOSTIC_REALISE


# Each move asks core.permissions (the transition table's roles) in the service itself: a caller that
# skips the page (a script, the shell, another app) is refused as the page would refuse it.
COORDINATION_MOVES = [
    (Etat.SOUMISE, services.candidature_declare_eligible, {}),
    (Etat.SOUMISE, services.candidature_reject, {"reason": "Hors champ"}),
    (Etat.SOUMISE, services.candidature_return_for_correction, {"reason": "Pièce manquante"}),
    (Etat.RECEVABLE, services.candidature_plan_diagnostic, {}),
    (Etat.DIAGNOSTIC_PLANIFIE, services.candidature_complete_diagnostic, {}),
    (Etat.DIAGNOSTIC_REALISE, services.candidature_await_decision, {}),
    (Etat.EN_ATTENTE_DECISION, services.candidature_refuse, {"reason": "Non retenue"}),
    (Etat.EN_ATTENTE_DECISION, services.candidature_redirect, {"reason": "Autre dispositif"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("etat", "move", "arguments"), COORDINATION_MOVES, ids=lambda p: getattr(p, "__name__", None))
def test_the_applicant_calling_a_coordination_move_directly_is_refused(programme, candidat, etat, move, arguments):
    candidature = CandidatureFactory(programme=programme, candidat=candidat, etat=etat)
    with pytest.raises(PermissionRefused, match="Vous ne pouvez pas faire cette action"):
        move(candidature=candidature, by=candidat, **arguments)
    assert Candidature.objects.get(pk=candidature.pk).etat == etat
    assert not candidature.evenements.exists()


@pytest.mark.django_db
def test_selection_by_someone_else_than_the_coordination_is_refused(programme, membre_comite):
    candidature = CandidatureFactory(programme=programme, etat=Etat.EN_ATTENTE_DECISION)
    with pytest.raises(PermissionRefused):
        services.candidature_select(
            candidature=candidature, by=membre_comite, format=ProgrammeFactory.tsf(programme), demi_journees=2
        )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.EN_ATTENTE_DECISION and candidature.format_retenu is None


@pytest.mark.django_db
def test_only_the_applicant_withdraws_the_file_not_the_coordination(candidature, coordinateur):
    Candidature.objects.filter(pk=candidature.pk).update(etat=Etat.SOUMISE)
    candidature.refresh_from_db()
    with pytest.raises(PermissionRefused):
        services.candidature_withdraw(candidature=candidature, by=coordinateur, reason="À sa demande")
    services.candidature_withdraw(candidature=candidature, by=candidature.candidat, reason="Projet reporté")
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.RETIREE
