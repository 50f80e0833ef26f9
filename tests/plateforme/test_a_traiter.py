"""The coordination's work queue (issue 15): each kind of item appears when its condition holds and
disappears when done; filters by kind and by the coordinator who follows it; the menu's count; the
page's queries do not grow with the rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import CompteRendu, EtatAccompagnement, EtatSeance, ServiceFait
from annuaire.models import EtatProposition, Proposition
from budget.models import EtatFacture, Facture, Paiement
from candidatures.models import EntretienDiagnostic, Etat
from comite.models import Avis, Saisine, SensAvis
from conventions.models import EtatConvention, Partie, Signature
from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from plateforme import a_traiter, tasks
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    ConventionFactory,
    PersonneRessourceFactory,
    SeanceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("plateforme:a_traiter")


def _queue(client, user, kind: str, **params) -> str:
    client.force_login(user)
    response = client.get(URL, {"type": kind, **params})
    assert response.status_code == 200
    return response.content.decode()


def _candidature(programme, etat, **kwargs):
    return CandidatureFactory(programme=programme, etat=etat, **kwargs)


def test_registry_lists_every_lifecycle_kind():
    assert set(a_traiter.KINDS) >= {
        "candidature_a_verifier",
        "diagnostic_a_planifier",
        "diagnostic_a_enregistrer",
        "decision_a_prendre",
        "proposition_sans_reponse",
        "objectifs_a_valider",
        "convention_a_signer",
        "seance_a_confirmer",
        "compte_rendu_en_retard",
        "evaluation_sans_reponse",
        "paiement_a_enregistrer",
        "avis_comite_attendu",
        "service_fait_a_trancher",
        "facture_a_verifier",
        "facture_a_payer",
    }


def test_application_to_check_then_declared_eligible(client, coordinateur, programme):
    c = _candidature(programme, Etat.SOUMISE)
    html = _queue(client, coordinateur, "candidature_a_verifier")
    assert c.reference in html
    assert reverse("candidatures:coordination_detail", args=[c.pk]) in html
    assert "échéance" in html  # the programme's alert delay gives the deadline
    c.etat = Etat.RECEVABLE
    c.save()
    assert c.reference not in _queue(client, coordinateur, "candidature_a_verifier")


def test_diagnostic_to_plan_then_planned(client, coordinateur, programme):
    c = _candidature(programme, Etat.RECEVABLE)
    assert c.reference in _queue(client, coordinateur, "diagnostic_a_planifier")
    c.etat = Etat.DIAGNOSTIC_PLANIFIE
    c.save()
    assert c.reference not in _queue(client, coordinateur, "diagnostic_a_planifier")


def test_past_diagnostic_to_record_then_recorded(client, coordinateur, programme):
    c = _candidature(programme, Etat.DIAGNOSTIC_PLANIFIE)
    entretien = EntretienDiagnostic.objects.create(
        candidature=c, debut=timezone.now() + datetime.timedelta(days=1), conduit_par=coordinateur
    )
    assert c.reference not in _queue(client, coordinateur, "diagnostic_a_enregistrer")  # still to come
    entretien.debut = timezone.now() - datetime.timedelta(hours=2)
    entretien.save()
    assert c.reference in _queue(client, coordinateur, "diagnostic_a_enregistrer", suivi="moi")
    c.etat = Etat.DIAGNOSTIC_REALISE
    c.save()
    assert c.reference not in _queue(client, coordinateur, "diagnostic_a_enregistrer")


def test_decision_to_take_followed_by_who_conducted_the_diagnostic(client, coordinateur, programme):
    c = _candidature(programme, Etat.DIAGNOSTIC_REALISE)
    EntretienDiagnostic.objects.create(candidature=c, debut=timezone.now() - datetime.timedelta(days=1), conduit_par=coordinateur)
    collegue = UserFactory(roles=["coordination"])
    html = _queue(client, coordinateur, "decision_a_prendre")
    assert c.reference in html and coordinateur.display_name in html
    assert c.reference in _queue(client, coordinateur, "decision_a_prendre", suivi="moi")
    assert c.reference not in _queue(client, coordinateur, "decision_a_prendre", suivi=str(collegue.pk))
    assert c.reference not in _queue(client, coordinateur, "decision_a_prendre", suivi="aucun")
    c.etat = Etat.SELECTIONNEE
    c.save()
    assert c.reference not in _queue(client, coordinateur, "decision_a_prendre")


def test_proposal_without_answer_then_accepted(client, coordinateur, programme):
    c = _candidature(programme, Etat.SELECTIONNEE)
    p = Proposition.objects.create(
        candidature=c,
        personne_ressource=PersonneRessourceFactory(),
        etat=EtatProposition.ENVOYEE,
        envoyee_le=timezone.now() - datetime.timedelta(days=3),
        proposee_par=coordinateur,
    )
    html = _queue(client, coordinateur, "proposition_sans_reponse")
    assert c.reference in html and reverse("annuaire:appariement_candidature", args=[c.pk]) in html
    assert "3\xa0jours" in html or "3 jours" in html  # its age
    p.etat = EtatProposition.ACCEPTEE
    p.save()
    assert c.reference not in _queue(client, coordinateur, "proposition_sans_reponse")


def test_objectives_to_validate_say_whose_validation_is_missing(client, coordinateur):
    acc = AccompagnementFactory(etat=EtatAccompagnement.OBJECTIFS, grille_validee_mentor_le=timezone.now())
    html = _queue(client, coordinateur, "objectifs_a_valider")
    assert acc.reference in html and "Validation attendue de : le·la bénéficiaire" in html
    acc.etat = EtatAccompagnement.CONVENTION
    acc.save()
    assert acc.reference not in _queue(client, coordinateur, "objectifs_a_valider")


def test_convention_waiting_for_signature_says_whose(client, coordinateur):
    convention = ConventionFactory(etat=EtatConvention.EN_SIGNATURE, en_signature_le=timezone.now())
    Signature.objects.create(
        convention=convention,
        partie=Partie.STRUCTURE_PILOTE,
        signataire=coordinateur,
        nom_signataire="Coordination",
        signee_le=timezone.now(),
        sha256_document="0" * 64,
    )
    html = _queue(client, coordinateur, "convention_a_signer")
    assert convention.reference in html
    assert "Signature attendue de : Personne-ressource, Bénéficiaire" in html
    convention.etat = EtatConvention.SIGNEE
    convention.save()
    assert convention.reference not in _queue(client, coordinateur, "convention_a_signer")


def test_session_to_confirm_once_its_end_has_passed(client, coordinateur, accompagnement):
    seance = SeanceFactory(accompagnement=accompagnement, debut=timezone.now() - datetime.timedelta(hours=2), demi_journees=1)
    # Still under way (a half-day lasts 3 h 30): nothing to confirm yet.
    assert reverse("accompagnements:seance_detail", args=[seance.pk]) not in _queue(client, coordinateur, "seance_a_confirmer")
    seance.debut = timezone.now() - datetime.timedelta(days=1)
    seance.save()
    assert reverse("accompagnements:seance_detail", args=[seance.pk]) in _queue(client, coordinateur, "seance_a_confirmer")
    seance.etat = EtatSeance.REALISEE
    seance.save()
    assert reverse("accompagnements:seance_detail", args=[seance.pk]) not in _queue(client, coordinateur, "seance_a_confirmer")


def test_late_report_after_the_programme_deadline_then_handed_in(client, coordinateur, accompagnement):
    delai = accompagnement.programme.delai_compte_rendu_jours
    pas_encore = SeanceFactory(
        accompagnement=accompagnement, debut=timezone.now() - datetime.timedelta(days=1), etat=EtatSeance.REALISEE
    )
    late = SeanceFactory(
        accompagnement=accompagnement, debut=timezone.now() - datetime.timedelta(days=delai + 2), etat=EtatSeance.REALISEE
    )
    html = _queue(client, coordinateur, "compte_rendu_en_retard")
    assert reverse("accompagnements:seance_detail", args=[late.pk]) in html
    assert reverse("accompagnements:seance_detail", args=[pas_encore.pk]) not in html
    assert "échéance dépassée" in html
    CompteRendu.objects.create(seance=late, travaux="Fait.", soumis_le=timezone.now())
    assert reverse("accompagnements:seance_detail", args=[late.pk]) not in _queue(client, coordinateur, "compte_rendu_en_retard")


def test_evaluation_unanswered_after_its_deadline_then_answered(client, coordinateur, accompagnement):
    evaluation = Evaluation.objects.create(
        accompagnement=accompagnement,
        moment=Moment.SORTIE,
        repondant=Repondant.BENEFICIAIRE,
        personne=accompagnement.beneficiaire,
        etat=EtatEvaluation.OUVERTE,
        ouverte_le=timezone.now() - datetime.timedelta(days=20),
        echeance=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = _queue(client, coordinateur, "evaluation_sans_reponse")
    assert accompagnement.reference in html and accompagnement.beneficiaire.display_name in html
    evaluation.etat = EtatEvaluation.REPONDUE
    evaluation.save()
    assert accompagnement.reference not in _queue(client, coordinateur, "evaluation_sans_reponse")


def test_payment_to_record_while_delivered_exceeds_paid(client, coordinateur, accompagnement):
    seance = SeanceFactory(
        accompagnement=accompagnement, debut=timezone.now() - datetime.timedelta(days=3), etat=EtatSeance.REALISEE
    )
    assert accompagnement.reference not in _queue(client, coordinateur, "paiement_a_enregistrer")  # no report yet: not delivered
    CompteRendu.objects.create(seance=seance, travaux="Fait.", soumis_le=timezone.now())
    html = _queue(client, coordinateur, "paiement_a_enregistrer")
    assert accompagnement.reference in html
    assert reverse("budget:accompagnement_ligne", args=[accompagnement.pk]) in html
    Paiement.objects.create(
        accompagnement=accompagnement,
        structure=accompagnement.mentors.get().structure,
        date_paiement=timezone.localdate(),
        montant=accompagnement.programme.montant_pour(1),
        reference_facture="F-1",
        created_by=coordinateur,
    )
    assert accompagnement.reference not in _queue(client, coordinateur, "paiement_a_enregistrer")


def test_committee_opinion_due_then_given(client, coordinateur, membre_comite, programme):
    c = _candidature(programme, Etat.EN_ATTENTE_DECISION)
    saisine = Saisine.objects.create(candidature=c, saisi_par=coordinateur)
    html = _queue(client, coordinateur, "avis_comite_attendu")
    assert reverse("comite:saisine_detail", args=[saisine.pk]) in html
    Avis.objects.create(saisine=saisine, membre=membre_comite, sens=SensAvis.FAVORABLE)
    assert reverse("comite:saisine_detail", args=[saisine.pk]) not in _queue(client, coordinateur, "avis_comite_attendu")


def test_overview_groups_kinds_and_the_menu_counts_them(client, coordinateur, programme):
    for _ in range(7):
        _candidature(programme, Etat.SOUMISE)
    client.force_login(coordinateur)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="section-candidature_a_verifier"' in html
    assert "Voir les 7 éléments" in html  # the overview shows a window of each kind
    assert 'data-testid="a-traiter-total">7<' in html


def test_queue_is_for_the_coordination_only(client, candidat):
    client.force_login(candidat)
    assert client.get(URL).status_code == 403


def _rows(programme, n: int) -> None:
    for _ in range(n):
        _candidature(programme, Etat.SOUMISE)
        _candidature(programme, Etat.DIAGNOSTIC_REALISE)
        acc = AccompagnementFactory(candidature__programme=programme, etat=EtatAccompagnement.OBJECTIFS)
        ConventionFactory(accompagnement=acc, etat=EtatConvention.EN_SIGNATURE, en_signature_le=timezone.now())
        done = SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=20), etat=EtatSeance.REALISEE)
        CompteRendu.objects.create(seance=done, travaux="Fait.", soumis_le=timezone.now())
        SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=20), etat=EtatSeance.REALISEE)
        SeanceFactory(accompagnement=acc, debut=timezone.now() - datetime.timedelta(days=2))
        Saisine.objects.create(candidature=acc.candidature)


@pytest.mark.parametrize("params", [{}, {"type": "convention_a_signer"}, {"type": "paiement_a_enregistrer"}])
def test_queue_queries_do_not_grow_with_rows(client, coordinateur, programme, django_assert_max_num_queries, params):
    client.force_login(coordinateur)
    # Above the overview's window of each kind from the start, so that both sizes count their totals.
    _rows(programme, 6)
    cache.clear()  # the menu's count is computed on both requests
    with django_assert_max_num_queries(60) as small:
        response = client.get(URL, params)
    assert response.status_code == 200 and "À traiter" in response.content.decode()
    _rows(programme, 6)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL, params)
    html = response.content.decode()
    assert response.status_code == 200 and "Suivi par" in html
    if not params:
        assert "Voir les 12 éléments" in html


def test_menu_count_is_bounded_cached_and_costs_few_queries(programme, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(a_traiter, "COMPTE_MAX", 3)
    for _ in range(5):
        _candidature(programme, Etat.SOUMISE)
    _candidature(programme, Etat.RECEVABLE)
    assert a_traiter.total_menu() is None  # not counted yet: the menu shows no number
    # The pilot structures, the programmes' report delays, then every kind counted in one query (over all
    # programmes and per pilot), then who coordinates which pilot (each coordinator's own count).
    with django_assert_max_num_queries(4):
        assert tasks.count_a_traiter() == 4  # 3 (bounded) + 1
    _candidature(programme, Etat.RECEVABLE)
    with django_assert_max_num_queries(0):
        assert a_traiter.total_menu() == (4, True)  # what every page reads, until the next count


def test_pages_pay_no_query_for_the_menu(client, coordinateur, programme, django_assert_max_num_queries):
    client.force_login(coordinateur)
    url = reverse("accounts:home")
    client.get(url)  # warm the caches every page reads (the footer's pilot structure), not the menu's count
    with django_assert_max_num_queries(60) as cold:
        assert client.get(url).status_code == 200
    tasks.count_a_traiter()
    with django_assert_max_num_queries(len(cold.captured_queries)) as warm:
        response = client.get(url)
    assert 'data-testid="a-traiter-total">0<' in response.content.decode()
    assert len(warm.captured_queries) == len(cold.captured_queries)


def test_service_fait_disputed_at_once_unconfirmed_after_the_alert_then_settled(client, coordinateur, accompagnement):
    contestee = SeanceFactory(
        accompagnement=accompagnement,
        debut=timezone.now() - datetime.timedelta(days=2),
        etat=EtatSeance.REALISEE,
        realisee_le=timezone.now() - datetime.timedelta(days=1),
        service_fait=ServiceFait.CONTESTEE,
    )
    recente = SeanceFactory(
        accompagnement=accompagnement,
        debut=timezone.now() - datetime.timedelta(days=3),
        etat=EtatSeance.REALISEE,
        realisee_le=timezone.now() - datetime.timedelta(days=2),
    )
    ancienne = SeanceFactory(
        accompagnement=accompagnement,
        debut=timezone.now() - datetime.timedelta(days=12),
        etat=EtatSeance.REALISEE,
        realisee_le=timezone.now() - datetime.timedelta(days=11),
    )
    html = _queue(client, coordinateur, "service_fait_a_trancher")
    assert reverse("accompagnements:seance_detail", args=[contestee.pk]) in html and "Contestée" in html
    assert reverse("accompagnements:seance_detail", args=[ancienne.pk]) in html
    assert reverse("accompagnements:seance_detail", args=[recente.pk]) not in html  # the parties are still reminded
    contestee.service_fait = ServiceFait.TENUE
    contestee.save()
    ancienne.service_fait = ServiceFait.CONFIRMEE
    ancienne.save()
    html = _queue(client, coordinateur, "service_fait_a_trancher")
    assert reverse("accompagnements:seance_detail", args=[contestee.pk]) not in html
    assert reverse("accompagnements:seance_detail", args=[ancienne.pk]) not in html


def test_invoice_to_check_then_to_pay_then_paid(client, coordinateur, accompagnement):
    facture = Facture.objects.create(
        programme=accompagnement.programme,
        structure=accompagnement.mentors.get().structure,
        numero="F-QUEUE-1",
        montant=Decimal("250.00"),
        fichier=ContentFile(b"%PDF-1.4 facture", name="f.pdf"),
    )
    lien = reverse("budget:facture_detail", args=[facture.pk])
    assert lien in _queue(client, coordinateur, "facture_a_verifier")
    assert lien not in _queue(client, coordinateur, "facture_a_payer")
    facture.etat = EtatFacture.APPROUVEE
    facture.save()
    assert lien not in _queue(client, coordinateur, "facture_a_verifier")
    assert lien in _queue(client, coordinateur, "facture_a_payer")
    facture.etat = EtatFacture.PAYEE
    facture.save()
    assert lien not in _queue(client, coordinateur, "facture_a_payer")
