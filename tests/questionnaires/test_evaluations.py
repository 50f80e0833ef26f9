"""The programme's own evaluation questions (exit, 6 months; beneficiary or mentor) keep the version answered with."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evaluations import services as evaluations_services
from evaluations.forms import questionnaire_form
from evaluations.models import Evaluation
from questionnaires import services
from tests.evaluations.test_views import exit_post
from tests.relances.conftest import build_dossier

pytestmark = pytest.mark.django_db


def test_the_programmes_exit_questions_are_asked_and_keep_their_labels(client):
    d = build_dossier()
    programme = d.accompagnement.programme
    questionnaire = services.questionnaire_creer(programme=programme, nature="evaluation_sortie", public="beneficiaire")
    etape = services.etape_creer(
        version=questionnaire.version_courante(), donnees={"ordre": 1, "slug": "impact", "titre": "Impact"}
    )
    question = services.question_creer(
        etape=etape,
        donnees={
            "ordre": 1,
            "code": "reseau",
            "libelle": "Votre réseau s’est-il élargi ?",
            "type": "choix",
            "obligatoire": True,
            "choix": "Oui\nNon",
        },
    )
    evaluations_services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    evaluation = Evaluation.objects.get(repondant="beneficiaire")
    url = reverse("evaluations:remplir", args=[evaluation.pk])
    client.force_login(d.beneficiaire)
    assert "Votre réseau s’est-il élargi ?" in client.get(url).content.decode()
    # Required: left empty, a French error next to it, and the rest kept.
    response = client.post(url, exit_post(d))
    assert response.status_code == 200
    assert (
        "Ce champ est obligatoire." in response.content.decode()
        and "Construire un budget de mécénat" in response.content.decode()
    )
    response = client.post(url, exit_post(d, programme_reseau="Oui"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.reponses_programme == {"reseau": "Oui"} and evaluation.questionnaire_version.gelee

    # The coordination rewords the question: the next questionnaire asks the new one…
    services.question_modifier(question=question, donnees={"libelle": "Avez-vous rencontré de nouveaux partenaires ?"})
    nouvelle = Evaluation(accompagnement=d.accompagnement, moment="sortie", repondant="beneficiaire", personne=d.beneficiaire)
    labels = [str(f.label) for f in questionnaire_form(nouvelle).fields.values()]
    assert "Avez-vous rencontré de nouveaux partenaires ?" in labels and "Votre réseau s’est-il élargi ?" not in labels
    # …and the answered one still reads with its own question.
    client.force_login(d.coordinateur)
    page = client.get(reverse("accompagnements:detail", args=[d.accompagnement.pk])).content.decode()
    assert "Votre réseau s’est-il élargi ?" in page
    assert "Avez-vous rencontré de nouveaux partenaires ?" not in page
