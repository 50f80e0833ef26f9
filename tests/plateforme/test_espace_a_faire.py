"""The "À faire / À venir" block at the top of the person's space (issue 15): each kind of item appears
when its condition holds and disappears when done, in a number of queries that does not grow with history."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import CompteRendu, EtatSeance, QuestionSeance
from accompagnements.services import seance_confirmer
from candidatures.models import Message
from conventions.models import EtatConvention, Partie, Signature
from core.pagination import existent
from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from plateforme.selectors import a_faire
from tests.factories import AccompagnementFactory, ConventionFactory, PersonneRessourceFactory, SeanceFactory

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")


def _block(client, user, kind: str) -> str:
    """The list of one kind in the block ("" when the kind is absent)."""
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    match = re.search(rf'id="a-faire-{kind}".*?</ul>', response.content.decode(), re.S)
    return match.group(0) if match else ""


@pytest.fixture
def acc(db):
    return AccompagnementFactory()


@pytest.fixture
def mentor(acc):
    return acc.mentors.get().user


def test_next_session_shows_date_place_and_ics_then_goes_when_cancelled(client, acc, mentor):
    seance = SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=2), lieu="Salle Garonne")
    for user in (acc.beneficiaire, mentor):
        block = _block(client, user, "seances")
        assert reverse("accompagnements:seance_detail", args=[seance.pk]) in block
        assert reverse("accompagnements:seance_ics", args=[seance.pk]) in block
        assert "Salle Garonne" in block
        assert timezone.localtime(seance.debut).strftime("%Hh%M") in block
    seance.etat = EtatSeance.ANNULEE
    seance.save()
    assert _block(client, mentor, "seances") == ""


def test_video_session_shows_its_link(client, acc):
    SeanceFactory(accompagnement=acc, modalite="distance", lieu="", lien_visio="https://visio.exemple.test/salle")
    assert "https://visio.exemple.test/salle" in _block(client, acc.beneficiaire, "seances")


def test_report_to_write_with_deadline_and_lateness_for_the_mentor_only(client, acc, mentor):
    delai = acc.programme.delai_compte_rendu_jours
    late = SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=delai + 3), etat=EtatSeance.REALISEE)
    block = _block(client, mentor, "comptes-rendus")
    assert reverse("accompagnements:compte_rendu_edit", args=[late.pk]) in block
    assert "en retard" in block
    assert _block(client, acc.beneficiaire, "comptes-rendus") == ""
    CompteRendu.objects.create(seance=late, redige_par=mentor, travaux="Fait.", soumis_le=timezone.now())
    assert _block(client, mentor, "comptes-rendus") == ""


def test_report_not_yet_late_shows_its_deadline(client, acc, mentor):
    seance = SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=1), etat=EtatSeance.REALISEE)
    echeance = timezone.localdate(seance.debut) + datetime.timedelta(days=acc.programme.delai_compte_rendu_jours)
    block = _block(client, mentor, "comptes-rendus")
    assert f"avant le {echeance.day} " in block
    assert "en retard" not in block
    # A draft is not a report handed in: still to do.
    CompteRendu.objects.create(seance=seance, redige_par=mentor, travaux="Brouillon")
    assert _block(client, mentor, "comptes-rendus") != ""


def test_questions_to_send_until_48_hours_before(client, acc, mentor):
    ouverte = SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=7))
    trop_tard = SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(hours=30))
    block = _block(client, acc.beneficiaire, "questions")
    assert reverse("accompagnements:seance_detail", args=[ouverte.pk]) in block
    assert reverse("accompagnements:seance_detail", args=[trop_tard.pk]) not in block
    QuestionSeance.objects.create(seance=ouverte, auteur=acc.beneficiaire, texte="Quels documents apporter ?")
    assert _block(client, acc.beneficiaire, "questions") == ""
    # The mentor has not sent theirs yet.
    assert reverse("accompagnements:seance_detail", args=[ouverte.pk]) in _block(client, mentor, "questions")


def test_signature_awaited_until_this_person_signs(client, acc, mentor):
    convention = ConventionFactory(accompagnement=acc, etat=EtatConvention.EN_SIGNATURE, en_signature_le=timezone.now())
    signer = reverse("conventions:signer", args=[convention.pk])
    assert signer in _block(client, acc.beneficiaire, "signatures")
    assert signer in _block(client, mentor, "signatures")
    Signature.objects.create(
        convention=convention,
        partie=Partie.BENEFICIAIRE,
        signataire=acc.beneficiaire,
        nom_signataire="Bénéficiaire",
        signee_le=timezone.now(),
        sha256_document="0" * 64,
    )
    assert _block(client, acc.beneficiaire, "signatures") == ""
    assert signer in _block(client, mentor, "signatures")


def test_evaluation_to_answer_until_answered(client, acc):
    evaluation = Evaluation.objects.create(
        accompagnement=acc,
        moment=Moment.SORTIE,
        repondant=Repondant.BENEFICIAIRE,
        personne=acc.beneficiaire,
        etat=EtatEvaluation.OUVERTE,
        echeance=timezone.localdate() + datetime.timedelta(days=10),
    )
    assert reverse("evaluations:remplir", args=[evaluation.pk]) in _block(client, acc.beneficiaire, "evaluations")
    evaluation.etat = EtatEvaluation.REPONDUE
    evaluation.save()
    assert _block(client, acc.beneficiaire, "evaluations") == ""


def test_unread_messages_until_read(client, acc):
    message = Message.objects.create(candidature=acc.candidature, de_la_coordination=True, texte="Bonjour")
    block = _block(client, acc.beneficiaire, "messages")
    assert reverse("candidatures:dossier", args=[acc.candidature.pk]) in block
    message.lu_le = timezone.now()
    message.save()
    assert _block(client, acc.beneficiaire, "messages") == ""


def test_order_of_urgency_and_lists_not_repeated(client, acc, mentor):
    SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=7))
    SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=1), etat=EtatSeance.REALISEE)
    ConventionFactory(accompagnement=acc, etat=EtatConvention.EN_SIGNATURE, en_signature_le=timezone.now())
    client.force_login(mentor)
    page = client.get(HOME).content.decode()
    positions = [page.index(f'id="a-faire-{kind}"') for kind in ("seances", "comptes-rendus", "questions", "signatures")]
    assert positions == sorted(positions)
    assert page.index('id="espace-a-faire"') < page.index('id="titre-accompagnements"')
    assert page.count("Lire et signer") == 1


def test_the_mentor_space_does_not_offer_to_apply(client, acc, mentor):
    client.force_login(mentor)
    page = client.get(HOME).content.decode()
    assert "Déposer une candidature" not in page
    assert "Déposer une autre candidature" not in page
    assert "Mes candidatures" not in page


def test_an_applicant_without_file_is_still_offered_to_apply(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=["candidat"]))
    assert "Déposer une candidature" in client.get(HOME).content.decode()


def _history(acc, mentor, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        other = AccompagnementFactory(mentors=list(acc.mentors.all()))
        SeanceFactory(accompagnement=other, debut=now + datetime.timedelta(days=10 + i))
        SeanceFactory(accompagnement=other, debut=now - datetime.timedelta(days=20 + i), etat=EtatSeance.REALISEE)
        ConventionFactory(accompagnement=other, etat=EtatConvention.EN_SIGNATURE, en_signature_le=now)
        Evaluation.objects.create(
            accompagnement=other, moment=Moment.DEBUT, repondant=Repondant.MENTOR, personne=mentor, etat=EtatEvaluation.OUVERTE
        )


def test_the_query_count_does_not_grow_with_history(client, acc, mentor, django_assert_max_num_queries):
    # Past the block's own limit of each kind (3), so every count is already read once.
    _history(acc, mentor, 3)
    client.force_login(mentor)
    client.get(HOME)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(HOME).status_code == 200
    _history(acc, mentor, 9)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(HOME)
    page = response.content.decode()
    assert response.status_code == 200
    assert "12 comptes-rendus à rédiger" in page
    assert "12 conventions à signer" in page
    assert page.count("Rédiger le compte-rendu") == 3


def test_the_comite_member_space_leads_to_files_awaiting_an_opinion_and_the_dashboards(client, programme, membre_comite):
    from comite.models import Avis, Saisine, SensAvis
    from tests.factories import CandidatureFactory

    saisine = Saisine.objects.create(candidature=CandidatureFactory(programme=programme, etat="en_attente_decision"))
    detail = reverse("comite:saisine_detail", args=[saisine.pk])
    client.force_login(membre_comite)
    page = client.get(HOME).content.decode()
    assert detail in _block(client, membre_comite, "avis")
    assert "1 attend votre avis" in page
    assert reverse("budget:tableau_de_bord") in _block(client, membre_comite, "tableaux")
    # The first section after the title.
    assert page.index("<h2", page.index("<h1")) == page.index('<h2 id="espace-comite-a-faire"')
    assert "Déposer une candidature" not in page
    Avis.objects.create(saisine=saisine, membre=membre_comite, sens=SensAvis.choices[0][0])
    assert _block(client, membre_comite, "avis") == ""


def test_a_held_session_to_confirm_until_this_party_answers(client, acc, mentor):
    """Service fait (issue 17): each of the pair is asked "did it take place?" until they answer."""
    seance = SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=2), etat=EtatSeance.REALISEE)
    for user in (acc.beneficiaire, mentor):
        block = _block(client, user, "service-fait")
        assert reverse("accompagnements:seance_detail", args=[seance.pk]) + "#service-fait" in block
    seance_confirmer(seance=seance, tenue=True, by=acc.beneficiaire)
    assert _block(client, acc.beneficiaire, "service-fait") == ""
    assert "a-t-elle eu lieu" in _block(client, mentor, "service-fait")
    seance_confirmer(seance=seance, tenue=True, by=mentor)
    assert _block(client, mentor, "service-fait") == ""


def test_a_person_both_beneficiary_and_mentor_of_an_accompaniment_sees_its_sessions_once(client):
    """The person's accompagnements are a UNION ALL of their two roles (issue 14): an accompagnement
    reached through both is still one, in the space's lists and counts and in the agenda."""
    profil = PersonneRessourceFactory()
    acc = AccompagnementFactory(mentors=[profil], beneficiaire=profil.user)
    seance = SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=5))
    lien = reverse("accompagnements:seance_detail", args=[seance.pk])
    assert _block(client, profil.user, "seances").count(f'href="{lien}"') == 1
    page = client.get(HOME).content.decode()
    assert "Prochaine séance" in page
    assert _block(client, profil.user, "questions").count(f'href="{lien}#questions"') == 1
    agenda = client.get(reverse("accompagnements:agenda")).content.decode()
    assert agenda.count(f'href="{lien}"') == 1
    assert "1 séance" in agenda


def test_a_list_is_read_only_when_the_probe_finds_a_row(acc, mentor, django_assert_num_queries):
    """One query says which lists have a row (issue 14): an empty list costs no query, a list with a
    row is read with its count, and what the block shows is the same as reading every list."""
    beneficiaire = acc.beneficiaire
    # The person's roles, the programmes' delays (for the questions' limit), then the probe: no list read.
    with django_assert_num_queries(3):
        vide = a_faire(beneficiaire)["a_faire"]
    assert vide["vide"] and vide["prochaines_seances_total"] == 0
    seance = SeanceFactory(accompagnement=acc, debut=timezone.now() + datetime.timedelta(days=30))
    with django_assert_num_queries(4):  # + the sessions to come, + the questions still open
        plein = a_faire(beneficiaire)["a_faire"]
    assert plein["prochaines_seances"] == [seance] and plein["prochaines_seances_total"] == 1
    assert plein["prochaines_seances"][0].a_faire_lien == reverse("accompagnements:seance_detail", args=[seance.pk])
    assert plein["questions"] == [seance] and not plein["comptes_rendus"] and not plein["vide"]
    assert existent([Message.objects.none(), Message.objects.all()]) == [False, False]
