import datetime

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from evaluations import liens, services
from evaluations.models import Evaluation, MesureIndicateur
from tests.factories import UserFactory, siege_comite
from tests.relances.conftest import build_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def ouvert(db):
    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    return d


def exit_post(d, **overrides):
    data = {
        f"objectif_{d.objectif.pk}": "atteint",
        f"indicateur_{d.quantitatif.pk}": "2,5",
        f"indicateur_{d.qualitatif.pk}": "4",
        "competences": "Construire un budget de mécénat",
        "changements": "Un premier mécène",
        "satisfaction_format": "5",
        "satisfaction_personne": "4",
        "recommande_suite": "on",
    }
    data.update(overrides)
    return data


def test_the_beneficiary_fills_the_exit_questionnaire_from_the_platform(client, ouvert):
    evaluation = Evaluation.objects.get(repondant="beneficiaire")
    url = reverse("evaluations:remplir", args=[evaluation.pk])
    client.force_login(ouvert.beneficiaire)
    page = client.get(url).content.decode()
    assert "Monter une stratégie de mécénat" in page and "est-il atteint" in page
    # The qualitative indicator has no baseline level: the beneficiary says where they started.
    assert "Aisance à l’oral : où en étiez-vous au démarrage ?" in page
    response = client.post(url, exit_post(ouvert, **{f"depart_{ouvert.qualitatif.pk}": "2"}))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.etat == "repondue" and evaluation.recommande_suite and evaluation.satisfaction_format == 5
    assert evaluation.reponses["competences"] == "Construire un budget de mécénat"
    assert "depart_" not in str(evaluation.reponses)
    niveaux = dict(MesureIndicateur.objects.filter(indicateur=ouvert.qualitatif).values_list("moment", "niveau"))
    assert niveaux == {"debut": 2, "sortie": 4}


def test_a_missing_answer_is_shown_next_to_the_field_and_what_was_typed_is_kept(client, ouvert):
    evaluation = Evaluation.objects.get(repondant="beneficiaire")
    client.force_login(ouvert.beneficiaire)
    response = client.post(reverse("evaluations:remplir", args=[evaluation.pk]), exit_post(ouvert, satisfaction_format=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page and "Construire un budget de mécénat" in page
    assert Evaluation.objects.get(pk=evaluation.pk).etat == "ouverte"


def test_the_mentor_answers_their_own_questionnaire(client, ouvert):
    evaluation = Evaluation.objects.get(repondant="mentor")
    client.force_login(ouvert.mentor)
    url = reverse("evaluations:remplir", args=[evaluation.pk])
    assert "Qu’avez-vous appris vous-même" in client.get(url).content.decode()
    client.post(url, {"transmis": "Une méthode", "appris": "Un regard neuf", "satisfaction_format": "4"})
    evaluation.refresh_from_db()
    assert evaluation.etat == "repondue" and evaluation.reponses["appris"] == "Un regard neuf"


def test_someone_elses_questionnaire_is_not_found_and_anonymous_must_log_in(client, ouvert):
    evaluation = Evaluation.objects.get(repondant="beneficiaire")
    url = reverse("evaluations:remplir", args=[evaluation.pk])
    assert client.get(url).status_code == 302
    for intrus in (ouvert.mentor, ouvert.coordinateur, UserFactory(roles=["candidat"])):
        client.force_login(intrus)
        assert client.get(url).status_code == 404
        assert client.post(url, exit_post(ouvert)).status_code == 404
    assert Evaluation.objects.get(pk=evaluation.pk).etat == "ouverte"


def test_the_signed_link_opens_that_questionnaire_only_without_login(client, ouvert):
    six = services.evaluation_six_mois_ouvrir(accompagnement=ouvert.accompagnement)
    url = reverse("evaluations:lien", args=[liens.jeton(six)])
    assert "Questionnaire à 6 mois" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            f"indicateur_{ouvert.qualitatif.pk}": "5",
            "outils_utilises": "oui",
            "avancee_projet": "Le projet avance",
            "emploi": "maintenu",
            "personne_ressource": "envisage",
        },
    )
    assert response.status_code == 302
    assert "Merci pour vos réponses" in client.get(url).content.decode()
    six.refresh_from_db()
    assert six.etat == "repondue" and six.reponses["emploi"] == "maintenu"
    # The link logs no one in: the space still asks for a login.
    assert client.get(reverse("accounts:home")).status_code == 302


def test_a_tampered_or_expired_link_opens_nothing(client, ouvert):
    six = services.evaluation_six_mois_ouvrir(accompagnement=ouvert.accompagnement)
    token = liens.jeton(six)
    assert client.get(reverse("evaluations:lien", args=[token[:-2] + "xx"])).status_code == 404
    other = Evaluation.objects.get(repondant="mentor")
    # Signed with another salt (another feature's token), or naming someone else's questionnaire.
    other_salt = signing.dumps({"e": six.pk, "p": six.personne_id}, salt="autre-usage")
    assert client.get(reverse("evaluations:lien", args=[other_salt])).status_code == 404
    not_theirs = signing.dumps({"e": other.pk, "p": six.personne_id}, salt=liens.SALT)
    assert client.get(reverse("evaluations:lien", args=[not_theirs])).status_code == 404
    with time_machine.travel(timezone.now() + liens.lien_duree() + datetime.timedelta(hours=1)):
        response = client.get(reverse("evaluations:lien", args=[token]))
    assert response.status_code == 410 and "Ce lien a expiré" in response.content.decode()


def test_the_coordinator_ends_the_action_and_opens_the_continuation_from_the_page(client):
    d = build_dossier()
    client.force_login(d.coordinateur)
    detail = reverse("accompagnements:detail", args=[d.accompagnement.pk])
    assert "Terminer l’accompagnement" in client.get(detail).content.decode()
    client.post(reverse("evaluations:terminer", args=[d.accompagnement.pk]))
    assert Evaluation.objects.filter(accompagnement=d.accompagnement).count() == 2
    page = client.get(detail).content.decode()
    assert "Ouvrir la suite avec la même grille" in page and "Relances de ce dossier" in page
    mentorat = d.accompagnement.programme.formats.get(code="mentorat")
    response = client.post(
        reverse("evaluations:suite", args=[d.accompagnement.pk]), {"format": mentorat.pk, "demi_journees": "4"}
    )
    suite = d.accompagnement.suites.get()
    assert response.url == reverse("accompagnements:detail", args=[suite.pk])
    assert suite.demi_journees_prevues == 4 and suite.objectifs.count() == 1


def test_only_the_coordination_ends_an_action_or_opens_a_continuation(client, ouvert):
    client.force_login(ouvert.beneficiaire)
    assert client.post(reverse("evaluations:terminer", args=[ouvert.accompagnement.pk])).status_code == 403
    assert client.post(reverse("evaluations:suite", args=[ouvert.accompagnement.pk])).status_code == 403
    assert not ouvert.accompagnement.suites.exists()


def test_the_parties_see_the_grid_side_by_side_but_not_each_others_answers(client, ouvert):
    beneficiaire_eval = Evaluation.objects.get(repondant="beneficiaire")
    client.force_login(ouvert.beneficiaire)
    client.post(reverse("evaluations:remplir", args=[beneficiaire_eval.pk]), exit_post(ouvert))
    detail = reverse("accompagnements:detail", args=[ouvert.accompagnement.pk])
    client.force_login(ouvert.mentor)
    page = client.get(detail).content.decode()
    assert "Au démarrage" in page and "2,50" in page
    assert "Construire un budget de mécénat" not in page
    client.force_login(ouvert.coordinateur)
    assert "Construire un budget de mécénat" in client.get(detail).content.decode()


def test_results_page_for_coordination_and_committee_only(client, ouvert, membre_comite):
    url = reverse("evaluations:resultats")
    assert client.get(url).status_code == 302
    client.force_login(ouvert.beneficiaire)
    assert client.get(url).status_code == 403
    siege_comite(membre_comite, ouvert.accompagnement.programme)
    client.force_login(membre_comite)
    response = client.get(url)
    assert response.status_code == 200 and "Taux de réponse" in response.content.decode()
    response = client.get(reverse("evaluations:resultats_programme", args=[ouvert.accompagnement.programme_id]))
    assert response.status_code == 200


def test_results_page_runs_a_constant_number_of_queries(client, programme, membre_comite, django_assert_max_num_queries):
    url = reverse("evaluations:resultats_programme", args=[programme.pk])
    client.force_login(membre_comite)
    for _i in range(3):
        d = build_dossier(programme=programme)
        services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    with django_assert_max_num_queries(14):
        client.get(url)
    for _i in range(6):
        d = build_dossier(programme=programme)
        services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    with django_assert_max_num_queries(14):
        client.get(url)


def test_the_space_lists_my_questionnaires_to_fill(client, ouvert):
    client.force_login(ouvert.mentor)
    page = client.get(reverse("accounts:home")).content.decode()
    assert "évaluation à remplir" in page
    assert reverse("evaluations:remplir", args=[Evaluation.objects.get(repondant="mentor").pk]) in page


def test_the_evaluation_section_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    from accompagnements.models import Indicateur, Objectif

    d = build_dossier()
    services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    client.force_login(d.coordinateur)
    url = reverse("accompagnements:detail", args=[d.accompagnement.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for i in range(8):
        objectif = Objectif.objects.create(accompagnement=d.accompagnement, intitule=f"Objectif {i}")
        Indicateur.objects.create(objectif=objectif, libelle=f"Indicateur {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
