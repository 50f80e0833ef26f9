"""The end-of-programme evaluation (issue 16): a cohort programme (PEER CULTURE) asks every beneficiary and
personne-ressource of its accompaniments its own questions once its period has ended."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import AccompagnementEvenement
from core.exceptions import RuleViolation
from core.invariants import find_violations
from evaluations import services
from evaluations.forms import questionnaire_form
from evaluations.models import Evaluation, MesureIndicateur
from evaluations.selectors import resultats_programme
from questionnaires import services as questionnaires_services
from questionnaires.models import Question
from questionnaires.selectors import version_courante
from relances import tasks
from relances.models import Relance
from relances.services import relances_envoyer_dues
from tests.factories import AccompagnementFactory, ProgrammeFactory
from tests.relances.conftest import build_dossier

pytestmark = pytest.mark.django_db

FIN = "fin_programme"


def _programme(*, fin_dans_jours: int):
    today = timezone.localdate()
    return ProgrammeFactory(
        nom="PEER CULTURE",
        date_debut=today - datetime.timedelta(days=365),
        date_fin=today + datetime.timedelta(days=fin_dans_jours),
    )


def _cohorte(programme, n: int = 2):
    """`n` accompaniments that took place (in progress, ended), plus two that did not."""
    dossiers = [build_dossier(programme=programme, etat="termine" if i % 2 else "en_cours") for i in range(n)]
    # Abandoned while the objectives were drawn up, and still drawing them up: never took place.
    abandonne = AccompagnementFactory(candidature__programme=programme, etat="abandonne")
    AccompagnementEvenement.objects.create(
        accompagnement=abandonne, transition="abandonner", from_state="objectifs", to_state="abandonne"
    )
    AccompagnementFactory(candidature__programme=programme, etat="objectifs")
    return dossiers


def _fin(**filters):
    return Evaluation.objects.filter(moment=FIN, **filters)


def test_after_the_end_date_the_beat_opens_one_per_beneficiary_and_mentor_with_the_programmes_questions():
    programme = _programme(fin_dans_jours=-1)
    dossiers = _cohorte(programme)
    # Abandoned after its start: it took place, its pair is asked too.
    parti = build_dossier(programme=programme, etat="abandonne")
    AccompagnementEvenement.objects.create(
        accompagnement=parti.accompagnement, transition="abandonner", from_state="en_cours", to_state="abandonne"
    )
    dossiers.append(parti)

    tasks.plan_relances()

    attendues = {(d.beneficiaire.pk, "beneficiaire") for d in dossiers} | {(d.mentor.pk, "mentor") for d in dossiers}
    assert set(_fin().values_list("personne_id", "repondant")) == attendues
    assert set(_fin().values_list("etat", flat=True)) == {"ouverte"}
    assert all(e.echeance > timezone.localdate() for e in _fin())
    # The programme's end-of-programme questionnaire, made from the default content, is the one asked.
    version = version_courante(programme=programme, nature="evaluation_fin", public="")
    assert version is not None
    evaluation = _fin(personne=dossiers[0].beneficiaire).get()
    form = questionnaire_form(evaluation)
    assert form.version == version
    labels = [str(f.label) for f in form.fields.values()]
    assert "Qu’est-ce que le programme vous a apporté ?" in labels
    assert "Recommanderiez-vous le programme à une autre structure ?" in labels
    # The reminders chase it like the exit questionnaire: one "to fill" per person.
    planned = set(Relance.objects.filter(type_relance="eval_fin").values_list("destinataire_id", flat=True))
    assert planned == {personne for personne, _repondant in attendues}
    assert not find_violations(codes=["evaluations.fin_programme"])


def test_running_the_beat_twice_opens_nothing_more():
    programme = _programme(fin_dans_jours=0)  # the last day of the period counts as reached
    _cohorte(programme)
    tasks.plan_relances()
    opened = set(_fin().values_list("pk", flat=True))
    relances = Relance.objects.count()
    assert len(opened) == 4

    tasks.plan_relances()
    assert services.evaluations_fin_programme_ouvrir(programme=programme) == 0

    assert set(_fin().values_list("pk", flat=True)) == opened
    assert Relance.objects.count() == relances


def test_before_the_end_date_none_is_opened_and_the_service_refuses():
    programme = _programme(fin_dans_jours=10)
    _cohorte(programme)

    tasks.plan_relances()

    assert not _fin().exists()
    with pytest.raises(RuleViolation, match="fin de sa période"):
        services.evaluations_fin_programme_ouvrir(programme=programme)
    assert not _fin().exists()


def test_opening_runs_the_same_queries_for_two_or_eight_accompaniments():
    def queries(n: int) -> int:
        programme = _programme(fin_dans_jours=-1)
        _cohorte(programme, n)
        with CaptureQueriesContext(connection) as ctx:
            assert services.evaluations_fin_programme_ouvrir(programme=programme) == 2 * n
        return len(ctx.captured_queries)

    small = queries(2)
    assert small <= 20
    assert queries(8) == small


def test_the_respondent_answers_from_their_space_and_the_coordination_reads_it(client, django_assert_max_num_queries):
    programme = _programme(fin_dans_jours=-1)
    d = _cohorte(programme, 1)[0]
    tasks.plan_relances()
    evaluation = _fin(repondant="beneficiaire").get()
    url = reverse("evaluations:remplir", args=[evaluation.pk])

    client.force_login(d.beneficiaire)
    assert url in client.get(reverse("accounts:home")).content.decode()
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    assert "Évaluation de fin de programme" in page and "Qu’est-ce que le programme vous a apporté ?" in page
    # Nothing from the objectives grid: the exit questionnaire scored it already.
    assert "est-il atteint" not in page

    data = {
        "programme_satisfaction_globale": "Très satisfait·e",
        "programme_apports": "Un réseau de pairs et un plan de développement",
        "programme_recommande": "Oui",
        "commentaire": "Merci à toute l’équipe",
    }
    response = client.post(url, {**data, "programme_apports": ""})
    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    with django_assert_max_num_queries(40):
        response = client.post(url, data)
    assert response.status_code == 302

    evaluation.refresh_from_db()
    assert evaluation.etat == "repondue" and evaluation.repondue_le is not None
    assert evaluation.reponses_programme["apports"] == "Un réseau de pairs et un plan de développement"
    assert evaluation.reponses == {"commentaire": "Merci à toute l’équipe"}
    assert evaluation.questionnaire_version.gelee
    assert not MesureIndicateur.objects.filter(moment=FIN).exists()
    assert client.get(url).status_code == 200 and "Merci pour vos réponses" in client.get(url).content.decode()

    # The coordination's results: the end-of-programme rows, the grid still at its three moments.
    resultats = resultats_programme(programme)
    rows = {str(q["libelle"]): (q["envoyees"], q["repondues"], q["taux"]) for q in resultats["questionnaires"]}
    assert rows["Fin de programme – bénéficiaires"] == (1, 1, 100)
    assert rows["Fin de programme – personnes-ressources"] == (1, 0, 0)
    assert rows["Sortie – bénéficiaires"] == (0, 0, None)
    assert len(resultats["progression"]) == 3
    client.force_login(d.coordinateur)
    page = client.get(reverse("evaluations:resultats_programme", args=[programme.pk])).content.decode()
    assert "Fin de programme – bénéficiaires" in page
    detail = client.get(reverse("accompagnements:detail", args=[d.accompagnement.pk])).content.decode()
    assert "Un réseau de pairs et un plan de développement" in detail


def test_a_tsf_like_programme_shows_no_end_of_programme_row():
    programme = _programme(fin_dans_jours=100)
    rows = [str(q["libelle"]) for q in resultats_programme(programme)["questionnaires"]]
    assert rows == ["Sortie – bénéficiaires", "Sortie – personnes-ressources", "6 mois – bénéficiaires"]


def test_editing_the_questionnaire_afterwards_keeps_the_answered_version(client):
    programme = _programme(fin_dans_jours=-1)
    d = _cohorte(programme, 1)[0]
    tasks.plan_relances()
    benef = _fin(repondant="beneficiaire").get()
    client.force_login(d.beneficiaire)
    client.post(
        reverse("evaluations:remplir", args=[benef.pk]),
        {"programme_satisfaction_globale": "Satisfait·e", "programme_apports": "Des outils", "programme_recommande": "Oui"},
    )
    benef.refresh_from_db()
    answered = benef.questionnaire_version

    question = Question.objects.get(etape__version=answered, code="apports")
    questionnaires_services.question_modifier(question=question, donnees={"libelle": "Ce que vous retenez du programme"})

    benef.refresh_from_db()
    assert benef.questionnaire_version == answered
    assert Question.objects.get(etape__version=answered, code="apports").libelle == "Qu’est-ce que le programme vous a apporté ?"
    # The mentor, who has not answered yet, is asked the new wording.
    mentor = _fin(repondant="mentor").get()
    labels = [str(f.label) for f in questionnaire_form(mentor).fields.values()]
    assert "Ce que vous retenez du programme" in labels
    # The coordination reads the beneficiary's answer with the question as it was asked.
    client.force_login(d.coordinateur)
    detail = client.get(reverse("accompagnements:detail", args=[d.accompagnement.pk])).content.decode()
    assert "Qu’est-ce que le programme vous a apporté ?" in detail and "Des outils" in detail


def test_the_reminder_email_names_the_programme():
    programme = _programme(fin_dans_jours=-1)
    d = _cohorte(programme, 1)[0]
    tasks.plan_relances()
    mail.outbox.clear()
    relances_envoyer_dues()
    to_benef = [m for m in mail.outbox if d.beneficiaire.email in m.to]
    assert len(to_benef) == 1
    assert to_benef[0].subject.endswith("Votre évaluation de fin de programme (PEER CULTURE)")
    evaluation = _fin(repondant="beneficiaire").get()
    assert reverse("evaluations:remplir", args=[evaluation.pk]) in to_benef[0].body


def test_the_invariant_reports_an_evaluation_of_an_accompaniment_that_never_started():
    programme = _programme(fin_dans_jours=-1)
    acc = AccompagnementFactory(candidature__programme=programme, etat="convention")
    Evaluation.objects.create(accompagnement=acc, moment=FIN, repondant="beneficiaire", etat="ouverte", ouverte_le=timezone.now())
    violations = find_violations(codes=["evaluations.fin_programme"])
    assert [v.objet for v in violations] == [f"Évaluation de fin de programme (Bénéficiaire) de {acc.reference}"]
    assert "n’a pas eu lieu" in violations[0].message
