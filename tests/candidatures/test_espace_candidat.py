"""The candidate's space: their files only, the timeline, what is next, the thread with the coordination."""

import pytest
from django.core import mail
from django.urls import reverse

from candidatures.models import DemandePiece, Etat, Message
from candidatures.selectors import frise
from candidatures.services import message_send
from tests.factories import AccompagnementFactory, CandidatureFactory, SeanceFactory, convention_signee

from .conftest import exe_renamed_pdf, pdf_upload, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier_autre(autre_candidat, programme):
    from candidatures.models import PieceJointe

    candidature = CandidatureFactory(candidat=autre_candidat, programme=programme, etat=Etat.SOUMISE)
    piece = PieceJointe.objects.create(
        candidature=candidature, nom_original="secret.pdf", taille=10, type_mime="application/pdf", sha256="0" * 64
    )
    piece.fichier.save("x.pdf", pdf_upload(), save=True)
    demande = DemandePiece.objects.create(candidature=candidature, type_piece="budget")
    return candidature, piece, demande


def test_another_applicants_file_and_attachments_give_404(candidat_client, dossier_autre):
    candidature, piece, demande = dossier_autre
    pk = candidature.pk
    for url in [
        reverse("candidatures:dossier", args=[pk]),
        step_url(candidature, "demandeur"),
        reverse("candidatures:recapitulatif", args=[pk]),
        reverse("candidatures:retirer", args=[pk]),
        reverse("candidatures:recu", args=[pk]),
        reverse("candidatures:piece_telecharger", args=[pk, piece.pk]),
    ]:
        assert candidat_client.get(url).status_code == 404, url
    for url, data in [
        (step_url(candidature, "demandeur"), {"fonction": "pirate"}),
        (reverse("candidatures:message_envoyer", args=[pk]), {"texte": "coucou"}),
        (reverse("candidatures:retirer", args=[pk]), {"motif": "pirate"}),
        (reverse("candidatures:piece_supprimer", args=[pk, piece.pk]), {}),
        (reverse("candidatures:demande_piece", args=[pk, demande.pk]), {f"demande-{demande.pk}-fichier": pdf_upload()}),
    ]:
        assert candidat_client.post(url, data).status_code == 404, url
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SOUMISE and not candidature.messages.exists()
    assert candidature.pieces.count() == 1


def test_own_attachment_through_another_file_id_gives_404(candidat_client, candidat, programme, dossier_autre):
    mine = CandidatureFactory(candidat=candidat, programme=programme)
    _candidature, piece, _demande = dossier_autre
    assert candidat_client.get(reverse("candidatures:piece_telecharger", args=[mine.pk, piece.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, candidature):
    response = client.get(reverse("candidatures:dossier", args=[candidature.pk]))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_space_lists_only_my_files_with_status_and_next_step(candidat_client, candidat, programme, dossier_autre):
    CandidatureFactory(candidat=candidat, programme=programme, etat=Etat.RECEVABLE)
    page = candidat_client.get(reverse("accounts:home")).content.decode()
    assert "Mes candidatures" in page
    assert "Recevable, diagnostic à planifier" in page
    assert "la coordination va vous proposer une date d’entretien diagnostic" in page
    assert dossier_autre[0].reference not in page


def _make_files(candidat, programme, n):
    for i in range(n):
        etat = [Etat.BROUILLON, Etat.SOUMISE, Etat.RECEVABLE, Etat.SELECTIONNEE][i % 4]
        candidature = CandidatureFactory(candidat=candidat, programme=programme, etat=etat)
        Message.objects.create(candidature=candidature, de_la_coordination=True, texte="Bonjour")
        DemandePiece.objects.create(candidature=candidature, type_piece="cv")
        if etat == Etat.SELECTIONNEE:
            AccompagnementFactory(candidature=candidature, programme=programme, beneficiaire=candidat)


def test_space_runs_a_constant_number_of_queries(candidat_client, candidat, programme, django_assert_max_num_queries):
    _make_files(candidat, programme, 3)
    # One accompagnement from the start, so that the small page already runs its prefetches.
    AccompagnementFactory(candidature__candidat=candidat, candidature__programme=programme, beneficiaire=candidat)
    candidat_client.get(reverse("accounts:home"))  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert candidat_client.get(reverse("accounts:home")).status_code == 200
    _make_files(candidat, programme, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = candidat_client.get(reverse("accounts:home")).content.decode()
    assert page.count("Candidature TSF-") + page.count("Questionnaire en cours") == 31


def test_timeline_shows_later_stages_from_the_accompaniment(candidat_client, candidat, programme):
    accompagnement = AccompagnementFactory(
        candidature__candidat=candidat, candidature__programme=programme, beneficiaire=candidat
    )
    SeanceFactory(accompagnement=accompagnement)
    page = candidat_client.get(reverse("candidatures:dossier", args=[accompagnement.candidature.pk])).content.decode()
    assert "Candidature retenue" in page
    assert "Appariement avec une personne-ressource" in page
    assert str(accompagnement.mentors.first()) in page
    assert "0 séance(s) réalisée(s) sur 1 prévue(s)" in page
    assert "préparez vos prochaines séances" in page


def test_thread_with_the_coordination(candidat_client, candidat, programme, coordinateur, django_capture_on_commit_callbacks):
    candidature = CandidatureFactory(candidat=candidat, programme=programme, etat=Etat.SOUMISE)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(candidature=candidature, auteur=coordinateur, texte="Pouvez-vous préciser votre budget ?")
    assert mail.outbox[-1].to == [candidat.email]
    page = candidat_client.get(reverse("accounts:home")).content.decode()
    assert "1 nouveau message" in page
    page = candidat_client.get(reverse("candidatures:dossier", args=[candidature.pk])).content.decode()
    assert "Pouvez-vous préciser votre budget ?" in page and "Nouveau" in page
    assert candidature.messages.get().lu_le is not None
    url = reverse("candidatures:message_envoyer", args=[candidature.pk])
    response = candidat_client.post(url, {"texte": "Voici le budget.", "fichier": exe_renamed_pdf()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "n’est pas accepté" in page and "Voici le budget." in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = candidat_client.post(url, {"texte": "Voici le budget.", "fichier": pdf_upload("budget.pdf")})
    assert response.status_code == 302
    message = candidature.messages.get(de_la_coordination=False)
    assert message.piece.nom_original == "budget.pdf"
    assert len(mail.outbox) == 1
    page = candidat_client.get(reverse("candidatures:dossier", args=[candidature.pk])).content.decode()
    assert "pas encore lu" in page and "budget.pdf" in page


def test_message_notification_links_to_the_file(candidat, programme, coordinateur, django_capture_on_commit_callbacks):
    candidature = CandidatureFactory(candidat=candidat, programme=programme, etat=Etat.SOUMISE)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(candidature=candidature, auteur=coordinateur, texte="Bonjour")
    assert reverse("candidatures:dossier", args=[candidature.pk]) in mail.outbox[-1].body


def test_timeline_reads_the_active_accompaniment_and_its_signed_convention(candidat, programme, coordinateur):
    """The later stages are read through the file's relations and their named predicates: an abandoned
    accompaniment (the newest here) is not the one shown, and a signed convention is a milestone done."""
    candidature = CandidatureFactory(candidat=candidat, programme=programme, etat=Etat.SELECTIONNEE)
    actif = AccompagnementFactory(candidature=candidature, programme=programme, beneficiaire=candidat, etat="convention")
    convention_signee(actif, coordinateur=coordinateur)
    AccompagnementFactory(candidature=candidature, programme=programme, beneficiaire=candidat, etat="abandonne")
    jalons = {str(jalon.libelle): jalon.statut for jalon in frise(candidature)}
    assert jalons["Convention"] == "fait"
    assert jalons["Séances"] == "en_cours" and jalons["Évaluations"] == "a_venir"
