"""Each programme's application questionnaire is data, edited in the admin; answers keep their version."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from candidatures.models import Candidature, Etat
from programmes.copie import copieurs
from questionnaires import services
from questionnaires.models import Etape, Question, Questionnaire, QuestionnaireVersion
from tests.candidatures.conftest import exe_renamed_pdf, fill_all_steps, pdf_upload, step_url
from tests.factories import ProgrammeFactory, UserFactory
from tests.tagged_pdf import pdftotext

pytestmark = pytest.mark.django_db

ANCIEN = "Pourquoi ce programme, maintenant ?"
NOUVEAU = "Qu’attendez-vous de l’accompagnement collectif ?"


@pytest.fixture
def candidat_client(client, candidat):
    client.force_login(candidat)
    return client


def _motivation(programme: Any) -> Question:
    """A free step with a required long question and an optional number, after the built-in steps."""
    version = services.questionnaire_version_courante(programme=programme)
    etape = services.etape_creer(
        version=version, donnees={"ordre": 8, "slug": "motivation", "titre": "Motivation", "intro": "Dites-nous tout."}
    )
    question = services.question_creer(
        etape=etape, donnees={"ordre": 1, "code": "motivation", "libelle": ANCIEN, "type": "texte_long", "obligatoire": True}
    )
    services.question_creer(
        etape=etape, donnees={"ordre": 2, "code": "effectif", "libelle": "Combien de bénévoles ?", "type": "nombre"}
    )
    return question


def _start(client: Any, programme: Any) -> Candidature:
    response = client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    assert response.status_code == 302
    return Candidature.objects.filter(programme=programme).order_by("-pk").first()


def _admin_post(client: Any, question: Question, **changes: Any) -> Any:
    url = reverse("admin:questionnaires_question_change", args=[question.pk])
    data = {
        "ordre": question.ordre,
        "code": question.code,
        "libelle": question.libelle,
        "aide": question.aide,
        "type": question.type,
        "obligatoire": "on" if question.obligatoire else "",
        "choix": question.choix,
        "champ": question.champ,
        **changes,
    }
    return client.post(url, {k: v for k, v in data.items() if v != ""}, follow=True)


def test_editing_a_question_in_the_admin_changes_the_next_form_not_the_answers_given(
    client, candidat, programme, coordinateur, django_capture_on_commit_callbacks
):
    question = _motivation(programme)
    # A candidate answers with the current version and submits.
    client.force_login(candidat)
    premiere = _start(client, programme)
    assert ANCIEN in client.get(step_url(premiere, "motivation")).content.decode()
    fill_all_steps(client, premiere)
    response = client.post(
        step_url(premiere, "motivation"),
        {"motivation": "Pour structurer notre diffusion.", "effectif": "12", "action": "suivant"},
    )
    assert response.status_code == 302
    recap = client.get(reverse("candidatures:recapitulatif", args=[premiere.pk])).content.decode()
    assert ANCIEN in recap and "Pour structurer notre diffusion." in recap
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidatures:recapitulatif", args=[premiere.pk]))
    premiere.refresh_from_db()
    assert premiere.etat == Etat.SOUMISE, response.content.decode()[:3000]
    # The receipt carries the programme's own question and the answer.
    with premiere.recu_pdf.open("rb") as handle:
        recu = " ".join(pdftotext(handle.read()).split())
    assert ANCIEN in recu and "Pour structurer notre diffusion." in recu

    # The coordination changes the question's label in the admin.
    admin = UserFactory(email="admin-q@exemple.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = _admin_post(client, question, libelle=NOUVEAU)
    assert response.status_code == 200
    assert "la modification est enregistrée dans la version 2" in response.content.decode()
    question.refresh_from_db()
    assert question.libelle == ANCIEN  # the version answered with does not change
    assert QuestionnaireVersion.objects.filter(questionnaire__programme=programme).count() == 2

    # The next application asks the new question.
    autre = UserFactory(email="suivante@exemple.test", roles=["candidat"])
    client.force_login(autre)
    seconde = _start(client, programme)
    page = client.get(step_url(seconde, "motivation")).content.decode()
    assert NOUVEAU in page and ANCIEN not in page
    assert seconde.questionnaire_version.numero == 2

    # The submitted file still reads with its own question and answer, for the coordination…
    client.force_login(coordinateur)
    page = client.get(reverse("candidatures:coordination_detail", args=[premiere.pk])).content.decode()
    assert ANCIEN in page and NOUVEAU not in page
    assert "Pour structurer notre diffusion." in page
    assert "version 1 du questionnaire" in page
    premiere.refresh_from_db()
    assert premiere.reponses == {"motivation": "Pour structurer notre diffusion.", "effectif": "12"}


def test_an_unanswered_version_is_edited_in_place(client, programme):
    question = _motivation(programme)
    admin = UserFactory(email="admin-q@exemple.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = _admin_post(client, question, libelle=NOUVEAU)
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.libelle == NOUVEAU
    assert QuestionnaireVersion.objects.filter(questionnaire__programme=programme).count() == 1


def test_a_required_free_question_left_empty_shows_a_french_error_and_keeps_the_other_values(candidat_client, programme):
    _motivation(programme)
    candidature = _start(candidat_client, programme)
    response = candidat_client.post(step_url(candidature, "motivation"), {"motivation": "", "effectif": "7", "action": "suivant"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce champ est obligatoire." in page
    assert 'value="7"' in page
    response = candidat_client.post(
        step_url(candidature, "motivation"), {"motivation": "Oui", "effectif": "beaucoup", "action": "suivant"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez un nombre." in page and "Oui</textarea>" in page
    # The step is flagged as to be completed before submission.
    candidature.refresh_from_db()
    assert "motivation" in candidature.brouillon["_invalides"]
    page = candidat_client.get(reverse("candidatures:recapitulatif", args=[candidature.pk])).content.decode()
    assert "Motivation" in page and "Étapes à compléter avant le dépôt" in page


def test_a_programme_with_its_own_questionnaire_shows_its_own_steps(candidat_client, candidat):
    peer = ProgrammeFactory(nom="PEER CULTURE 2026", slug="peer-culture-2026")
    questionnaire = services.questionnaire_creer(programme=peer, nature="candidature")
    version = questionnaire.version_courante()
    # PEER CULTURE keeps the applicant's block and replaces the rest with its own questions.
    Etape.objects.filter(version=version).exclude(bloc__in=["demandeur", "consentement"]).delete()
    etape = services.etape_creer(
        version=version, donnees={"ordre": 2, "slug": "adhesion", "titre": "Adhésion à MA Sphère", "intro": ""}
    )
    services.question_creer(
        etape=etape,
        donnees={
            "ordre": 1,
            "code": "statut_adhesion",
            "libelle": "Votre statut d’adhésion",
            "type": "choix",
            "obligatoire": True,
            "choix": "Membre actif\nMembre coopérant\nNon-membre",
        },
    )
    candidature = _start(candidat_client, peer)
    page = candidat_client.get(step_url(candidature, "adhesion")).content.decode()
    assert "Adhésion à MA Sphère" in page and "Membre coopérant" in page
    assert "Étape 2 sur 4" in page
    assert candidat_client.get(step_url(candidature, "structure")).status_code == 404
    # A value outside the choices is refused in French; a valid one is kept under the question's code.
    response = candidat_client.post(step_url(candidature, "adhesion"), {"statut_adhesion": "Autre", "action": "suivant"})
    assert "Choisissez l’une des réponses proposées." in response.content.decode()
    candidat_client.post(step_url(candidature, "adhesion"), {"statut_adhesion": "Membre actif", "action": "suivant"})
    candidature.refresh_from_db()
    assert candidature.reponses["statut_adhesion"] == "Membre actif"

    # The TSF's own candidates still see the default steps.
    tsf = ProgrammeFactory()
    autre = _start(candidat_client, tsf)
    page = candidat_client.get(step_url(autre, "structure")).content.decode()
    assert "Votre structure" in page and "Adhésion à MA Sphère" not in page


def test_copying_a_programme_copies_its_current_questionnaires_as_version_1(programme):
    question = _motivation(programme)
    services.version_geler(version=question.etape.version)
    services.question_modifier(question=question, donnees={"libelle": NOUVEAU})
    cible = ProgrammeFactory(nom="TSF 2027", slug="tsf-2027")
    for copier in copieurs():
        copier(source=programme, cible=cible)
    copie = Questionnaire.objects.get(programme=cible, nature="candidature").version_courante()
    assert copie.numero == 1 and copie.gelee_le is None
    assert Question.objects.get(etape__version=copie, code="motivation").libelle == NOUVEAU


def test_editing_questions_inline_on_a_frozen_step_makes_one_new_version_and_saving_unchanged_makes_none(client, programme):
    question = _motivation(programme)
    etape = question.etape
    services.version_geler(version=etape.version)
    admin = UserFactory(email="admin-q@exemple.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    url = reverse("admin:questionnaires_etape_change", args=[etape.pk])
    page = client.get(url)
    assert page.status_code == 200
    formset = next(f.formset for f in page.context["inline_admin_formsets"])
    data: dict[str, Any] = {
        "ordre": etape.ordre,
        "slug": etape.slug,
        "titre": etape.titre,
        "intro": etape.intro,
        "bloc": "",
        f"{formset.prefix}-TOTAL_FORMS": len(formset.forms),
        f"{formset.prefix}-INITIAL_FORMS": formset.initial_form_count(),
    }
    for i, form in enumerate(formset.forms):
        q = form.instance
        data.update(
            {
                f"{formset.prefix}-{i}-id": q.pk,
                f"{formset.prefix}-{i}-etape": etape.pk,
                f"{formset.prefix}-{i}-ordre": q.ordre,
                f"{formset.prefix}-{i}-code": q.code,
                f"{formset.prefix}-{i}-libelle": q.libelle,
                f"{formset.prefix}-{i}-aide": q.aide,
                f"{formset.prefix}-{i}-type": q.type,
                f"{formset.prefix}-{i}-choix": q.choix,
                f"{formset.prefix}-{i}-champ": q.champ,
            }
        )
        if q.obligatoire:
            data[f"{formset.prefix}-{i}-obligatoire"] = "on"
    # Saved as it is: nothing changes, no new version.
    assert client.post(url, data).status_code == 302
    assert QuestionnaireVersion.objects.filter(questionnaire__programme=programme).count() == 1
    # Two questions reworded on the same page: one new version holds both changes.
    data[f"{formset.prefix}-0-libelle"] = NOUVEAU
    data[f"{formset.prefix}-1-libelle"] = "Combien de personnes salariées ?"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    versions = QuestionnaireVersion.objects.filter(questionnaire__programme=programme).order_by("numero")
    assert [v.numero for v in versions] == [1, 2]
    assert set(Question.objects.filter(etape__version=versions[0]).values_list("libelle", flat=True)) == {
        ANCIEN,
        "Combien de bénévoles ?",
    }
    assert set(Question.objects.filter(etape__version=versions[1]).values_list("libelle", flat=True)) == {
        NOUVEAU,
        "Combien de personnes salariées ?",
    }


def test_a_file_question_keeps_the_document_in_the_file(candidat_client, programme):
    version = services.questionnaire_version_courante(programme=programme)
    etape = services.etape_creer(version=version, donnees={"ordre": 8, "slug": "portfolio", "titre": "Portfolio"})
    services.question_creer(
        etape=etape,
        donnees={"ordre": 1, "code": "portfolio", "libelle": "Votre dossier artistique", "type": "fichier", "obligatoire": True},
    )
    candidature = _start(candidat_client, programme)
    page = candidat_client.get(step_url(candidature, "portfolio")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    response = candidat_client.post(step_url(candidature, "portfolio"), {"action": "suivant"})
    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    response = candidat_client.post(step_url(candidature, "portfolio"), {"portfolio": exe_renamed_pdf(), "action": "suivant"})
    assert response.status_code == 200 and candidature.pieces.count() == 0
    response = candidat_client.post(
        step_url(candidature, "portfolio"), {"portfolio": pdf_upload("book.pdf"), "action": "suivant"}
    )
    assert response.status_code == 302
    candidature.refresh_from_db()
    piece = candidature.pieces.get()
    assert candidature.reponses["portfolio"] == {"piece": piece.pk, "nom": "book.pdf"}
    # Coming back: already sent, not asked again.
    page = candidat_client.get(step_url(candidature, "portfolio")).content.decode()
    assert "Déjà transmis : book.pdf" in page
    assert candidat_client.post(step_url(candidature, "portfolio"), {"action": "suivant"}).status_code == 302
