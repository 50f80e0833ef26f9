"""Individual coaching counted in hours (PEER CULTURE, seed 004): 14 to 28 hours fixed at the diagnostic,
extendable but never beyond 28 h, sessions in whole hours, the mentor paid per hour; several
personnes-ressources in turn; a late cancellation without reason deducted from the time."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accompagnements import services
from accompagnements.models import Creneau, Seance, ServiceFait
from budget import selectors as budget_selectors
from budget.resume import resume_recalculer
from budget.selectors import montant_attendu
from budget.services import facture_approuver, facture_deposer, facture_payer
from candidatures.models import Etat
from conventions.models import Convention
from conventions.services import accompagnement_prolonger
from core.exceptions import RuleViolation
from core.invariants import find_violations
from core.uploads import check_upload
from programmes.models import Format, NatureFormat, UniteFormat
from tests.accompagnements.conftest import dans
from tests.budget.conftest import seance_livree
from tests.factories import AccompagnementFactory, CandidatureFactory, PersonneRessourceFactory, convention_signee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def coaching(programme):
    return Format.objects.create(
        programme=programme,
        code="coaching",
        libelle="Coaching individuel",
        nature=NatureFormat.INDIVIDUEL,
        unite=UniteFormat.HEURE,
        demi_journees_min=14,
        demi_journees_max=28,
        duree_max_avec_prolongation=28,
        seance_duree_max=8,
        taux_par_unite=Decimal("60.00"),
        ordre=2,
    )


@pytest.fixture
def dossier(programme):
    return CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)


def creer(dossier, coaching, coordinateur, heures, mentors=None):
    return services.accompagnement_create(
        candidature=dossier,
        format=coaching,
        demi_journees=heures,
        mentors=mentors or [PersonneRessourceFactory()],
        by=coordinateur,
    )


@pytest.mark.django_db
def test_a_coaching_planned_at_30_hours_is_refused_with_the_formats_message_and_28_accepted(dossier, coaching, coordinateur):
    with pytest.raises(RuleViolation) as refused:
        creer(dossier, coaching, coordinateur, 30)
    assert refused.value.message == "Le format Coaching individuel est limité à 28 h."
    with pytest.raises(RuleViolation, match="au moins 14 h"):
        creer(dossier, coaching, coordinateur, 10)
    acc = creer(dossier, coaching, coordinateur, 28)
    assert acc.demi_journees_prevues == 28 and acc.format.duree_texte(acc.demi_journees_prevues) == "28 h"


@pytest.mark.django_db
def test_an_extension_from_14_to_28_hours_is_accepted_and_to_30_refused(dossier, coaching, coordinateur):
    acc = creer(dossier, coaching, coordinateur, 14)
    with pytest.raises(RuleViolation) as refused:
        accompagnement_prolonger(accompagnement=acc, duree=30, motif="Besoins complémentaires", by=coordinateur)
    assert refused.value.message == "Le format Coaching individuel est limité à 28 h."
    accompagnement_prolonger(accompagnement=acc, duree=28, motif="Besoins complémentaires", by=coordinateur)
    acc.refresh_from_db()
    assert acc.demi_journees_prevues == 28
    assert acc.evenements.filter(transition="accompagnement_prolonger").get().details == {
        "avant": 14,
        "apres": 28,
        "avenant": False,
    }
    with pytest.raises(RuleViolation, match="au-delà des 28 h"):
        accompagnement_prolonger(accompagnement=acc, duree=28, motif="Encore", by=coordinateur)


@pytest.mark.django_db
def test_once_signed_an_extension_is_an_avenant_still_capped_by_the_format(dossier, coaching, coordinateur):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(
        candidature=dossier, format=coaching, demi_journees_prevues=14, etat="convention", mentors=[mentor]
    )
    convention_signee(acc, coordinateur=coordinateur)
    assert Convention.objects.get(accompagnement=acc).montant == Decimal("840.00")  # 14 h at 60 € an hour
    with pytest.raises(RuleViolation, match="limité à 28 h"):
        accompagnement_prolonger(accompagnement=acc, duree=30, motif="Besoins complémentaires", by=coordinateur)
    accompagnement_prolonger(accompagnement=acc, duree=21, motif="Besoins complémentaires", by=coordinateur)
    avenant = Convention.objects.get(accompagnement=acc, version=2)
    assert (avenant.demi_journees, avenant.montant) == (21, Decimal("1260.00"))


def _plan(acc, by, heures, days):
    return services.seance_plan(
        accompagnement=acc, debut=dans(days=days), demi_journees=heures, modalite="presentiel", lieu="Atelier", by=by
    )


@pytest.mark.django_db
def test_sessions_in_whole_hours_within_the_planned_time(dossier, coaching, coordinateur):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[mentor])
    with pytest.raises(RuleViolation, match="dure de 1 h à 8 h"):
        _plan(acc, mentor.user, 9, 3)
    seance = _plan(acc, mentor.user, 4, 3)
    assert seance.get_demi_journees_display() == "4 h"
    _plan(acc, mentor.user, 8, 10)
    with pytest.raises(RuleViolation, match="durée prévue : 14 h, dont 12 h .* il en reste 2 h"):
        _plan(acc, mentor.user, 3, 17)
    _plan(acc, mentor.user, 2, 17)


@pytest.mark.django_db
def test_a_last_minute_cancellation_without_reason_is_deducted_from_the_hours(dossier, coaching, coordinateur):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[mentor])
    seance = _plan(acc, mentor.user, 4, 1)  # tomorrow: within the programme's 48 hours
    services.seance_cancel(seance=seance, motif="Empêchement", by=acc.beneficiaire)
    seance.refresh_from_db()
    assert seance.annulation_comptee
    assert sum(s.demi_journees for s in Seance.objects.filter(accompagnement=acc).comptees()) == 4
    _plan(acc, mentor.user, 8, 5)
    with pytest.raises(RuleViolation, match="il en reste 2 h"):
        _plan(acc, mentor.user, 3, 12)


@pytest.mark.django_db
def test_sessions_in_hours_are_paid_per_hour_and_the_invariants_hold(dossier, coaching, coordinateur):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(
        candidature=dossier, format=coaching, demi_journees_prevues=14, etat="convention", mentors=[mentor]
    )
    with_dates = timezone.now() - datetime.timedelta(days=20)
    convention_signee(acc, coordinateur=coordinateur, le=with_dates)
    acc.refresh_from_db()
    seances = []
    for heures, jours in ((3, 12), (4, 5)):
        seance = services.seance_plan(
            accompagnement=acc,
            debut=timezone.now() - datetime.timedelta(days=jours),
            demi_journees=heures,
            modalite="presentiel",
            lieu="Atelier",
            by=coordinateur,
        )
        services.seance_mark_held(seance=seance, by=mentor.user)
        services.seance_confirmer(seance=seance, tenue=True, by=acc.beneficiaire)
        services.compte_rendu_submit(
            seance=seance, travaux="Plan de diffusion", outils="", progres={}, prochaines_etapes="", by=mentor.user
        )
        seance.refresh_from_db()
        assert seance.service_fait == ServiceFait.CONFIRMEE
        seances.append(seance)
    assert montant_attendu(seances) == Decimal("420.00")  # 7 h at 60 €
    facture = facture_deposer(
        structure=mentor.structure,
        seances=seances,
        numero="F-H-1",
        montant=Decimal("420.00"),
        checked=check_upload(SimpleUploadedFile("facture.pdf", PDF)),
        by=mentor.user,
    )
    facture_approuver(facture=facture, by=coordinateur)
    facture_payer(facture=facture, date_paiement=timezone.localdate(), reference="VIR-1", mode="virement", by=coordinateur)
    assert list(find_violations()) == []


@pytest.mark.django_db
def test_several_personnes_ressources_follow_one_another_on_an_hours_coaching(dossier, coaching, coordinateur):
    premiere, seconde = PersonneRessourceFactory(), PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[premiere, seconde])
    _plan(acc, premiere.user, 4, 3)
    _plan(acc, seconde.user, 4, 10)
    assert [s.planifiee_par for s in Seance.objects.filter(accompagnement=acc)] == [premiere.user, seconde.user]


@pytest.mark.django_db
def test_the_programmes_delivered_amount_prices_hours_at_the_formats_rate(dossier, coaching, coordinateur, programme):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[mentor])
    tsf = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    seance_livree(acc, 5)
    seance_livree(tsf, 3)
    resume_recalculer(programme_id=programme.pk)
    chiffres = budget_selectors.chiffres_de(budget_selectors.programmes_avec_totaux().get(pk=programme.pk))
    assert chiffres.livre == Decimal("300.00") + Decimal("750.00")  # 5 h at 60 € + 3 half-days at 250 €
    assert find_violations(["budget.resume_programme"]) == []


@pytest.mark.django_db
def test_a_half_day_slot_is_not_booked_for_a_coaching_in_hours(dossier, coaching):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[mentor])
    creneau = Creneau.objects.create(mentor=mentor, debut=dans(days=4), demi_journees=1, lieu="Atelier")
    with pytest.raises(RuleViolation, match="planifiez la séance de Coaching individuel avec sa durée en heures"):
        services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
    assert not Seance.objects.filter(accompagnement=acc).exists()


@pytest.mark.django_db
def test_the_mentor_plans_a_session_in_hours_from_the_page(client, dossier, coaching):
    mentor = PersonneRessourceFactory()
    acc = AccompagnementFactory(candidature=dossier, format=coaching, demi_journees_prevues=14, mentors=[mentor])
    client.force_login(mentor.user)
    url = reverse("accompagnements:seance_create", args=[acc.pk])
    page = client.get(url).content.decode()
    assert "Une séance dure de 1 à 8 heures" in page and ">4 h<" in page
    jour = timezone.localdate() + datetime.timedelta(days=6)
    data = {"date": jour.isoformat(), "heure": "09:00", "demi_journees": "4", "modalite": "presentiel", "lieu": "Atelier"}
    response = client.post(url, data)
    seance = Seance.objects.get(accompagnement=acc)
    assert response.status_code == 302 and seance.demi_journees == 4
    detail = client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert "Coaching individuel – 14 heures" in detail
    refused = client.post(url, {**data, "demi_journees": "9"})
    assert refused.status_code == 400
