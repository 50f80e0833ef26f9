"""The online questionnaire: draft at every step, validation that keeps what was typed, submission."""

import pytest
from django.core import mail
from django.urls import reverse

from candidatures.models import Candidature, DemandePiece, Etat
from programmes.models import Structure
from tests.factories import CompetenceFactory, StructureFactory
from tests.tagged_pdf import assert_tagged, pdftotext

from .conftest import big_pdf, exe_renamed_pdf, fill_all_steps, pdf_upload, step_data, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def brouillon(candidat_client, candidat, programme):
    response = candidat_client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    assert response.status_code == 302
    return Candidature.objects.get(candidat=candidat)


def test_starting_gives_a_draft_and_the_candidate_role(candidat_client, candidat, programme):
    candidat.groups.clear()
    response = candidat_client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    candidature = Candidature.objects.get(candidat=candidat)
    assert response["Location"] == step_url(candidature, "demandeur")
    assert candidature.etat == Etat.BROUILLON
    assert candidat.groups.filter(name="candidat").exists()
    # Starting again resumes the same draft.
    candidat_client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    assert Candidature.objects.filter(candidat=candidat).count() == 1


def test_each_step_is_saved_and_found_again_from_another_device(client, candidat, brouillon):
    client.force_login(candidat)
    data = step_data()["demandeur"]
    response = client.post(step_url(brouillon, "demandeur"), {**data, "action": "quitter"})
    assert response.status_code == 302
    # "Another device": a fresh session.
    client.logout()
    client.force_login(candidat)
    page = client.get(step_url(brouillon, "demandeur")).content.decode()
    assert "Je développe le pôle d’accompagnement d’artistes." in page
    assert 'value="Alex"' in page
    brouillon.refresh_from_db()
    assert brouillon.presentation == data["presentation"]


def test_progress_indicator_shows_the_current_step(candidat_client, brouillon):
    page = candidat_client.get(step_url(brouillon, "structure")).content.decode()
    assert "Étape 2 sur 10" in page
    assert 'aria-current="step"' in page


def test_wrong_siret_checksum_gets_a_french_message_and_keeps_everything_typed(candidat_client, brouillon):
    data = {**step_data()["structure"], "siret": "12345678901234", "action": "suivant"}
    response = candidat_client.post(step_url(brouillon, "structure"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce numéro SIRET n’est pas valide" in page
    assert 'value="Le Bocal sonore"' in page and 'value="12345678901234"' in page
    # Left and came back: still there, with the error.
    page = candidat_client.get(step_url(brouillon, "structure")).content.decode()
    assert 'value="12345678901234"' in page and "Ce numéro SIRET n’est pas valide" in page
    brouillon.refresh_from_db()
    assert brouillon.structure is None
    assert brouillon.brouillon["structure"]["commune"] == ["Toulouse"]


def test_departement_outside_occitanie_gets_a_clear_message(candidat_client, brouillon):
    data = {**step_data()["structure"], "departement": "hors", "code_postal": "75011", "action": "suivant"}
    response = candidat_client.post(step_url(brouillon, "structure"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "réservé aux structures dont le siège est dans l’un des 13 départements d’Occitanie" in page
    assert 'value="75011"' in page and 'value="Le Bocal sonore"' in page
    # A forged value is refused too, with a French message.
    response = candidat_client.post(step_url(brouillon, "structure"), {**data, "departement": "75"})
    assert "Choisissez l’un des 13 départements d’Occitanie." in response.content.decode()


def test_empty_required_field_gets_a_message_next_to_it_and_keeps_the_rest(candidat_client, brouillon):
    data = {**step_data()["demandeur"], "fonction": "", "action": "suivant"}
    response = candidat_client.post(step_url(brouillon, "demandeur"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce champ est obligatoire." in page
    assert "Le formulaire contient 1 erreur." in page
    assert "Je développe le pôle d’accompagnement d’artistes." in page


def test_going_back_with_an_error_keeps_the_answers_and_flags_the_step(candidat_client, brouillon):
    data = {**step_data()["demandeur"], "fonction": "", "action": "precedent"}
    response = candidat_client.post(step_url(brouillon, "demandeur"), data)
    assert response.status_code == 302
    review = candidat_client.get(reverse("candidatures:recapitulatif", args=[brouillon.pk])).content.decode()
    assert "Étapes à compléter avant le dépôt" in review
    assert "Déposer ma candidature" not in review


def test_twenty_megabyte_file_is_refused_with_the_reason(candidat_client, brouillon):
    response = candidat_client.post(
        step_url(brouillon, "pieces"), {"type_piece": "budget", "fichier": big_pdf(), "action": "ajouter"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "est trop volumineux" in page and "10,0" in page
    assert '<option value="budget" selected>' in page
    assert brouillon.pieces.count() == 0


def test_executable_renamed_pdf_is_refused_by_its_content(candidat_client, brouillon):
    response = candidat_client.post(
        step_url(brouillon, "pieces"), {"type_piece": "statuts", "fichier": exe_renamed_pdf(), "action": "ajouter"}
    )
    assert response.status_code == 200
    assert "n’est pas accepté : son contenu n’est pas d’un type autorisé" in response.content.decode()
    assert brouillon.pieces.count() == 0


def test_upload_limit_is_configurable(candidat_client, brouillon, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = candidat_client.post(
        step_url(brouillon, "pieces"), {"type_piece": "statuts", "fichier": pdf_upload(), "action": "ajouter"}
    )
    assert "est trop volumineux" in response.content.decode()


def test_pdf_is_attached_downloadable_and_removable(candidat_client, brouillon):
    response = candidat_client.post(
        step_url(brouillon, "pieces"), {"type_piece": "statuts", "fichier": pdf_upload(), "action": "ajouter"}
    )
    assert response.status_code == 302
    piece = brouillon.pieces.get()
    assert piece.nom_original == "statuts.pdf" and "statuts" not in piece.fichier.name
    download = candidat_client.get(reverse("candidatures:piece_telecharger", args=[brouillon.pk, piece.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    response = candidat_client.post(reverse("candidatures:piece_supprimer", args=[brouillon.pk, piece.pk]))
    assert response.status_code == 302
    assert brouillon.pieces.count() == 0


def test_competences_are_offered_grouped_by_domain(candidat_client, brouillon):
    competence = CompetenceFactory(nom="Compétence de test rare")
    page = candidat_client.get(step_url(brouillon, "besoins")).content.decode()
    assert competence.domaine.nom in page and "Compétence de test rare" in page
    response = candidat_client.post(
        step_url(brouillon, "besoins"), {"competences": [competence.pk], "besoins_precisions": "", "action": "suivant"}
    )
    assert response.status_code == 302
    assert list(brouillon.competences_souhaitees.all()) == [competence]


def test_needs_step_requires_a_competence_or_a_description(candidat_client, brouillon):
    response = candidat_client.post(step_url(brouillon, "besoins"), {"besoins_precisions": "", "action": "suivant"})
    assert response.status_code == 200
    assert "Cochez au moins une compétence" in response.content.decode()


def test_known_siret_links_the_shared_structure_without_overwriting_it(candidat_client, brouillon):
    known = StructureFactory(raison_sociale="Salle connue", part_musiques_actuelles=90)
    data = {**step_data()["structure"], "siret": known.siret, "raison_sociale": "Autre nom", "part_musiques_actuelles": "10"}
    response = candidat_client.post(step_url(brouillon, "structure"), {**data, "action": "suivant"})
    assert response.status_code == 302
    brouillon.refresh_from_db()
    known.refresh_from_db()
    assert brouillon.structure == known
    assert (known.raison_sociale, known.part_musiques_actuelles) == ("Salle connue", 90)
    assert brouillon.brouillon["structure"]["raison_sociale"] == ["Autre nom"]


def test_own_structure_row_is_updated_not_duplicated(candidat_client, brouillon):
    data = step_data()["structure"]
    candidat_client.post(step_url(brouillon, "structure"), {**data, "action": "suivant"})
    candidat_client.post(
        step_url(brouillon, "structure"), {**data, "commune": "Blagnac", "code_postal": "31700", "action": "suivant"}
    )
    brouillon.refresh_from_db()
    assert brouillon.structure.commune == "Blagnac"
    assert Structure.objects.filter(siret=data["siret"]).count() == 1


def test_precheck_says_which_criterion_looks_unmet_and_does_not_block(candidat_client, brouillon):
    fill_all_steps(candidat_client, brouillon)
    candidat_client.post(
        step_url(brouillon, "structure"),
        {**step_data()["structure"], "part_musiques_actuelles": "20", "action": "suivant"},
    )
    page = candidat_client.get(reverse("candidatures:recapitulatif", args=[brouillon.pk])).content.decode()
    assert "Critère non rempli :" in page and "Structure de musiques actuelles" in page
    assert "Déposer ma candidature" in page


def test_submission_gives_a_reference_an_email_with_the_receipt_and_freezes_the_file(
    candidat_client, brouillon, django_capture_on_commit_callbacks
):
    fill_all_steps(candidat_client, brouillon)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    assert response.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.etat == Etat.SOUMISE and brouillon.reference.startswith("TSF-")
    assert [c["statut"] for c in brouillon.precheck["criteres"]] == ["ok", "ok", "ok"]
    assert brouillon.recu_pdf
    (email,) = mail.outbox
    assert brouillon.reference in email.subject
    assert email.attachments[0][2] == "application/pdf"
    receipt = candidat_client.get(reverse("candidatures:recu", args=[brouillon.pk]))
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content).startswith(b"%PDF")
    page = candidat_client.get(reverse("candidatures:dossier", args=[brouillon.pk])).content.decode()
    assert brouillon.reference in page and "Déposée, à vérifier" in page
    doc = assert_tagged(
        b"".join(candidat_client.get(reverse("candidatures:recu", args=[brouillon.pk])).streaming_content),
        title="Accusé de réception de candidature",
        expect=("H1", "H2", "P"),
    )
    assert ("H2", "Problématique") in doc.headings() and ("H2", "Consentement") in doc.headings()
    assert brouillon.reference in pdftotext(email.attachments[0][1])
    # No more editing.
    response = candidat_client.post(step_url(brouillon, "demandeur"), {**step_data()["demandeur"], "fonction": "Autre"})
    assert response.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.fonction == "Chargée de développement"
    response = candidat_client.post(
        step_url(brouillon, "pieces"), {"type_piece": "statuts", "fichier": pdf_upload(), "action": "ajouter"}
    )
    assert brouillon.pieces.count() == 0


def test_incomplete_questionnaire_cannot_be_submitted(candidat_client, brouillon):
    response = candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    assert response.status_code == 200
    assert "Le questionnaire n’est pas complet" in response.content.decode()
    brouillon.refresh_from_db()
    assert brouillon.etat == Etat.BROUILLON


def test_withdrawal_needs_a_reason(candidat_client, brouillon):
    fill_all_steps(candidat_client, brouillon)
    candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    url = reverse("candidatures:retirer", args=[brouillon.pk])
    response = candidat_client.post(url, {"motif": ""})
    assert "Indiquez le motif du retrait." in response.content.decode()
    response = candidat_client.post(url, {"motif": "J’ai trouvé une autre solution."})
    assert response.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.etat == Etat.RETIREE
    assert brouillon.evenements.filter(transition="retirer", reason="J’ai trouvé une autre solution.").exists()


def test_document_asked_by_the_coordination_can_be_sent_after_submission(candidat_client, brouillon, coordinateur):
    fill_all_steps(candidat_client, brouillon)
    candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    demande = DemandePiece.objects.create(candidature=brouillon, type_piece="budget", message="Le budget 2025, svp.")
    page = candidat_client.get(reverse("candidatures:dossier", args=[brouillon.pk])).content.decode()
    assert "Le budget 2025, svp." in page
    url = reverse("candidatures:demande_piece", args=[brouillon.pk, demande.pk])
    response = candidat_client.post(url, {f"demande-{demande.pk}-fichier": exe_renamed_pdf()})
    assert response.status_code == 200 and "n’est pas accepté" in response.content.decode()
    response = candidat_client.post(url, {f"demande-{demande.pk}-fichier": pdf_upload("budget.pdf")})
    assert response.status_code == 302
    demande.refresh_from_db()
    assert demande.fournie_le is not None
    assert brouillon.pieces.get().demande == demande


@pytest.mark.parametrize(
    "etape, data",
    [
        ("structure", {"part_musiques_actuelles": "beaucoup", "nombre_salaries": "-3", "employeuse": "peut-être"}),
        ("structure", {"part_musiques_actuelles": "150", "code_postal": "ABCDE", "site_web": "pas une adresse"}),
        ("besoins", {"competences": ["abc", "999999"]}),
        ("personne_ressource", {"personne_ressource_pressentie": "999999"}),
        ("demandeur", {"statut_demandeur": "pirate", "prenom": "x" * 500}),
        ("consentement", {}),
    ],
)
def test_garbage_answers_get_french_messages_never_a_server_error(candidat_client, brouillon, etape, data):
    response = candidat_client.post(step_url(brouillon, etape), {**data, "action": "suivant"})
    assert response.status_code == 200
    assert "Le formulaire contient" in response.content.decode()


def test_unknown_step_is_a_404(candidat_client, brouillon):
    assert candidat_client.get(step_url(brouillon, "inconnue")).status_code == 404


def test_only_the_steps_fields_are_kept_in_the_draft(candidat_client, brouillon):
    candidat_client.post(step_url(brouillon, "situation"), {"situation": "", "intrus": "x" * 1000, "action": "suivant"})
    brouillon.refresh_from_db()
    assert brouillon.brouillon["situation"] == {"situation": [""]}


def test_draft_structure_row_is_dropped_when_the_siret_turns_out_to_be_known(candidat_client, brouillon):
    data = step_data()["structure"]
    candidat_client.post(step_url(brouillon, "structure"), {**data, "action": "suivant"})
    brouillon.refresh_from_db()
    own = brouillon.structure
    known = StructureFactory()
    candidat_client.post(step_url(brouillon, "structure"), {**data, "siret": known.siret, "action": "suivant"})
    brouillon.refresh_from_db()
    assert brouillon.structure == known
    assert not Structure.objects.filter(pk=own.pk).exists()
    page = candidat_client.get(step_url(brouillon, "structure")).content.decode()
    assert "déjà connue de la plateforme par son numéro SIRET" in page


def test_file_returned_for_correction_can_be_edited_and_submitted_again(
    candidat_client, brouillon, coordinateur, django_capture_on_commit_callbacks
):
    from candidatures.services import candidature_return_for_correction

    fill_all_steps(candidat_client, brouillon)
    with django_capture_on_commit_callbacks(execute=True):
        candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    brouillon.refresh_from_db()
    reference = brouillon.reference
    candidature_return_for_correction(candidature=brouillon, by=coordinateur, reason="Précisez vos objectifs.")
    page = candidat_client.get(reverse("accounts:home")).content.decode()
    assert "Précisez vos objectifs." in page and "Reprendre le questionnaire" in page
    response = candidat_client.post(step_url(brouillon, "objectifs"), {"objectifs": "Des objectifs précis.", "action": "suivant"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    brouillon.refresh_from_db()
    assert (brouillon.etat, brouillon.reference, brouillon.objectifs) == (Etat.SOUMISE, reference, "Des objectifs précis.")


def test_attachments_of_a_submitted_file_cannot_be_removed(candidat_client, brouillon):
    fill_all_steps(candidat_client, brouillon)
    candidat_client.post(step_url(brouillon, "pieces"), {"type_piece": "statuts", "fichier": pdf_upload(), "action": "ajouter"})
    candidat_client.post(reverse("candidatures:recapitulatif", args=[brouillon.pk]))
    piece = brouillon.pieces.get()
    response = candidat_client.post(reverse("candidatures:piece_supprimer", args=[brouillon.pk, piece.pk]), follow=True)
    assert "ne peut plus être modifiée" in response.content.decode()
    assert brouillon.pieces.count() == 1


def test_personal_fields_carry_their_autocomplete_purpose(candidat_client, brouillon):
    """WCAG 1.3.5 (issue 15): given name, family name, telephone (type=tel), the seat's commune."""
    response = candidat_client.get(step_url(brouillon, "demandeur"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'autocomplete="given-name"' in page
    assert 'autocomplete="family-name"' in page
    assert 'type="tel"' in page and 'autocomplete="tel"' in page
    structure = candidat_client.get(step_url(brouillon, "structure")).content.decode()
    assert 'autocomplete="address-level2"' in structure


def test_title_says_when_the_form_came_back_with_errors(candidat_client, brouillon):
    """WCAG 2.4.2 (issue 15): "Erreur :" first in the title of a page with errors, once the site name."""
    page = candidat_client.get(step_url(brouillon, "demandeur")).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert not title.startswith("Erreur") and title.count("TSF Occitanie") == 1
    response = candidat_client.post(step_url(brouillon, "demandeur"), {"prenom": ""})
    assert response.status_code == 200
    title = response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Erreur :") and title.count("TSF Occitanie") == 1
