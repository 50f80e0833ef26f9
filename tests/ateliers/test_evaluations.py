"""Each participant noted present evaluates a held workshop once, from their space, with the programme's
workshop evaluation questionnaire (nature « Évaluation d’atelier »); the coordination reads the answers
and the average satisfaction on the workshop's page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ateliers import services
from ateliers.models import Atelier, EvaluationAtelier, Inscription
from core.exceptions import PermissionRefused, RuleViolation
from core.invariants import find_violations
from questionnaires.models import Nature, Question, TypeQuestion
from questionnaires.selectors import version_courante
from questionnaires.services import question_creer, question_modifier
from tests.ateliers.conftest import beneficiaires, dans, format_atelier

pytestmark = pytest.mark.django_db

REPONSE = {"satisfaction": "4", "utilite": "Très utile", "mise_en_pratique": "Un pitch de trois minutes.", "commentaire": ""}


def _tenu(atelier: Atelier, coordinateur, personnes: list, absents: tuple = ()) -> list[Inscription]:
    """Register `personnes`, let the workshop start, note them (those in `absents` absent), close the list."""
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-4))
    atelier.refresh_from_db()
    for inscription in inscriptions:
        inscription.refresh_from_db()
        services.presence_record(inscription=inscription, presente=inscription.participant not in absents, by=coordinateur)
    services.atelier_clore(atelier=atelier, by=coordinateur)
    atelier.refresh_from_db()
    return inscriptions


def _repondre(inscription: Inscription, **reponses: str) -> EvaluationAtelier:
    evaluation = EvaluationAtelier.objects.get(inscription=inscription)
    version = version_courante(programme=inscription.atelier.programme, nature=Nature.EVALUATION_ATELIER, public="")
    return services.evaluation_atelier_repondre(
        evaluation=evaluation, questionnaire_version=version, reponses={**REPONSE, **reponses}, by=inscription.participant
    )


def test_closing_the_list_opens_an_evaluation_for_each_participant_present_only(atelier, coordinateur, candidat, autre_candidat):
    presente, absente = _tenu(atelier, coordinateur, [candidat, autre_candidat], absents=(autre_candidat,))

    assert list(EvaluationAtelier.objects.values_list("inscription_id", "etat")) == [(presente.pk, "a_remplir")]
    # The programme got the default workshop questionnaire, with its satisfaction question.
    version = version_courante(programme=atelier.programme, nature=Nature.EVALUATION_ATELIER, public="")
    assert "satisfaction" in set(Question.objects.filter(etape__version=version).values_list("code", flat=True))
    assert find_violations() == []


def test_nothing_to_evaluate_before_the_list_is_closed(client, atelier, candidat):
    inscription = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    client.force_login(candidat)
    assert client.get(reverse("ateliers:evaluer", args=[inscription.pk])).status_code == 404
    assert "Évaluer l’atelier" not in client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()


def test_the_participant_evaluates_from_their_space(client, atelier, coordinateur, candidat, django_assert_max_num_queries):
    (inscription,) = _tenu(atelier, coordinateur, [candidat])
    client.force_login(candidat)
    url = reverse("ateliers:evaluer", args=[inscription.pk])

    espace = client.get(reverse("accounts:home")).content.decode()
    assert "Ateliers suivis" in espace and url in espace and "Évaluer l’atelier" in espace
    with django_assert_max_num_queries(20):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dans l’ensemble, êtes-vous satisfait·e de cet atelier ?" in page
    assert "Qu’allez-vous mettre en pratique" in page

    # A required answer missing: said next to the field, nothing recorded.
    response = client.post(url, {"utilite": "Très utile"})
    assert response.status_code == 400 and "Ce champ est obligatoire." in response.content.decode()
    assert EvaluationAtelier.objects.get(inscription=inscription).est_a_remplir

    response = client.post(url, REPONSE, follow=True)
    assert "Merci ! Votre évaluation de l’atelier est enregistrée." in response.content.decode()
    evaluation = EvaluationAtelier.objects.get(inscription=inscription)
    assert evaluation.est_remplie and evaluation.repondue_le is not None and evaluation.satisfaction == 4
    assert evaluation.reponses["mise_en_pratique"] == "Un pitch de trois minutes."
    assert evaluation.questionnaire_version.gelee
    # The button is gone from the space; the answers can be read again.
    espace = client.get(reverse("accounts:home")).content.decode()
    assert "Évaluer l’atelier" not in espace and "Évalué" in espace
    assert "Un pitch de trois minutes." in client.get(url).content.decode()
    assert find_violations() == []


def test_the_space_runs_a_constant_number_of_queries_with_its_workshops_to_evaluate(
    client, programme, coordinateur, candidat, django_assert_max_num_queries
):
    fmt = format_atelier(programme)

    def _atelier(titre: str) -> Atelier:
        return services.atelier_create(
            programme=programme,
            format=fmt,
            titre=titre,
            debut=dans(days=3),
            duree=1,
            lieu="Toulouse",
            by=coordinateur,
        )

    _tenu(_atelier("Premier"), coordinateur, [candidat])
    client.force_login(candidat)
    url = reverse("accounts:home")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for k in range(4):
        _tenu(_atelier(f"Atelier {k}"), coordinateur, [candidat, *beneficiaires(2)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="evaluer-atelier"') == 5


def test_someone_elses_evaluation_is_not_found(client, atelier, coordinateur, candidat, autre_candidat):
    (inscription,) = _tenu(atelier, coordinateur, [candidat])
    url = reverse("ateliers:evaluer", args=[inscription.pk])
    for intrus in (autre_candidat, coordinateur):
        client.force_login(intrus)
        assert client.get(url).status_code == 404
        assert client.post(url, REPONSE).status_code == 404
    assert EvaluationAtelier.objects.get(inscription=inscription).est_a_remplir
    # The service refuses too, in French.
    evaluation = EvaluationAtelier.objects.get(inscription=inscription)
    with pytest.raises(PermissionRefused, match="Vous ne pouvez pas faire cette action"):
        services.evaluation_atelier_repondre(
            evaluation=evaluation,
            questionnaire_version=version_courante(programme=atelier.programme, nature=Nature.EVALUATION_ATELIER, public=""),
            reponses=REPONSE,
            by=autre_candidat,
        )


def test_answering_twice_is_refused_with_a_french_message(client, atelier, coordinateur, candidat):
    (inscription,) = _tenu(atelier, coordinateur, [candidat])
    _repondre(inscription)
    with pytest.raises(RuleViolation, match="Vous avez déjà évalué cet atelier"):
        _repondre(inscription, satisfaction="1")
    client.force_login(candidat)
    response = client.post(reverse("ateliers:evaluer", args=[inscription.pk]), {**REPONSE, "satisfaction": "1"})
    assert response.status_code == 400
    assert "Vous avez déjà évalué cet atelier : une évaluation ne se remplit qu’une fois." in response.content.decode()
    assert EvaluationAtelier.objects.get(inscription=inscription).satisfaction == 4


def test_the_coordination_sees_the_answers_and_the_average_satisfaction(
    client, atelier, coordinateur, django_assert_max_num_queries
):
    personnes = beneficiaires(4)
    inscriptions = _tenu(atelier, coordinateur, personnes, absents=(personnes[3],))
    _repondre(inscriptions[0], satisfaction="4", commentaire="Très concret.")
    _repondre(inscriptions[1], satisfaction="5")
    client.force_login(coordinateur)
    url = reverse("ateliers:detail", args=[atelier.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 réponses sur 3 participant·es présent·es" in page
    assert "satisfaction moyenne : 4,5 / 5" in page
    assert "Très concret." in page
    # A third answer costs no more queries.
    _repondre(inscriptions[2], satisfaction="3")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert "3 réponses sur 3 participant·es présent·es" in page and "satisfaction moyenne : 4,0 / 5" in page
    # A participant does not read the others' answers.
    client.force_login(personnes[0])
    page = client.get(url).content.decode()
    assert "satisfaction moyenne" not in page and "Très concret." not in page


def test_answers_keep_the_questionnaire_version_after_the_coordination_edits_it(client, atelier, coordinateur):
    premiere, seconde = _tenu(atelier, coordinateur, beneficiaires(2))
    evaluation = _repondre(premiere, satisfaction="5")
    ancienne = evaluation.questionnaire_version
    question = Question.objects.get(etape__version=ancienne, code="utilite")
    # The coordination edits the questionnaire in the admin (the service behind it): a new version.
    question_modifier(question=question, donnees={"libelle": "Recommanderiez-vous cet atelier ?"})
    nouvelle = version_courante(programme=atelier.programme, nature=Nature.EVALUATION_ATELIER, public="")
    assert nouvelle.pk != ancienne.pk

    evaluation.refresh_from_db()
    assert evaluation.questionnaire_version_id == ancienne.pk
    client.force_login(seconde.participant)
    assert "Recommanderiez-vous cet atelier ?" in client.get(reverse("ateliers:evaluer", args=[seconde.pk])).content.decode()
    assert _repondre(seconde).questionnaire_version_id == nouvelle.pk
    # Each answer reads with the labels it was given with.
    client.force_login(coordinateur)
    page = client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    assert "Ce que vous avez appris vous sera-t-il utile dans votre activité ?" in page
    assert "Recommanderiez-vous cet atelier ?" in page
    assert find_violations() == []


def test_a_required_file_question_does_not_block_the_evaluation(client, atelier, coordinateur):
    """The evaluation form does not ask file questions: the service skips them too, so a required one in
    the programme's questionnaire never refuses an answer the form could not give."""
    premiere, seconde = _tenu(atelier, coordinateur, beneficiaires(2))
    version = version_courante(programme=atelier.programme, nature=Nature.EVALUATION_ATELIER, public="")
    etape = Question.objects.filter(etape__version=version).first().etape
    question_creer(
        etape=etape,
        donnees={"code": "justificatif", "libelle": "Joignez un justificatif", "type": TypeQuestion.FICHIER, "obligatoire": True},
    )

    evaluation = _repondre(premiere)
    assert evaluation.est_remplie and "justificatif" not in evaluation.reponses
    # Through the form as well: the file question is not asked, the answer is recorded.
    client.force_login(seconde.participant)
    url = reverse("ateliers:evaluer", args=[seconde.pk])
    assert "Joignez un justificatif" not in client.get(url).content.decode()
    client.post(url, REPONSE)
    assert EvaluationAtelier.objects.get(inscription=seconde).est_remplie
    assert find_violations() == []
