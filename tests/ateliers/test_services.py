"""The ateliers' rules: places, waiting list moving up (with its e-mail), withdrawal, attendance, fees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from ateliers import services
from ateliers.models import EtatInscription, Inscription
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.invariants import find_violations
from programmes.models import Format
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _etats(atelier) -> list[str]:
    return list(atelier.inscriptions.order_by("demandee_le", "pk").values_list("etat", flat=True))


def test_defaults_come_from_the_format(atelier):
    assert atelier.capacite == 12
    assert atelier.participation_non_membre == Decimal("18.00")


def test_fee_default_is_the_format_rate_times_the_duration(programme, coordinateur):
    fmt = format_atelier(programme, places=8, participation="18.00")
    atelier = services.atelier_create(
        programme=programme, format=fmt, titre="Journée", debut=dans(days=5), duree=2, lieu="Albi", by=coordinateur
    )
    assert (atelier.capacite, atelier.participation_non_membre) == (8, Decimal("36.00"))


def test_an_atelier_needs_a_collective_format(programme, coordinateur):
    with pytest.raises(RuleViolation, match="format collectif"):
        services.atelier_create(
            programme=programme, format=Format.objects.get(programme=programme, code="tsf"), titre="X", debut=dans(days=3),
            duree=1, lieu="Albi", by=coordinateur,
        )  # fmt: skip


def test_the_13th_registration_waits_and_moves_up_when_someone_withdraws(atelier, django_capture_on_commit_callbacks):
    personnes = beneficiaires(13)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    assert [i.etat for i in inscriptions] == ["inscrite"] * 12 + ["en_attente"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.inscription_withdraw(inscription=inscriptions[3], by=personnes[3])

    inscriptions[12].refresh_from_db()
    assert inscriptions[12].etat == EtatInscription.INSCRITE
    assert atelier.inscriptions.filter(etat=EtatInscription.INSCRITE).count() == 12
    ((message,),) = [[m for m in mail.outbox if personnes[12].email in m.to]]
    assert "Une place s’est libérée" in message.subject and "Pitcher son projet" in message.subject
    assert f"/ateliers/{atelier.pk}/" in message.body
    assert find_violations(["ateliers.capacite", "ateliers.liste_attente"]) == []


def test_the_waiting_list_moves_up_first_come_first_served(atelier):
    personnes = beneficiaires(15)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    services.inscription_withdraw(inscription=inscriptions[0], by=personnes[0])
    services.inscription_withdraw(inscription=inscriptions[1], by=personnes[1])
    assert _etats(atelier)[12:] == ["inscrite", "inscrite", "en_attente"]
    # A waiting person who withdraws frees nothing: the others keep their order.
    services.inscription_withdraw(inscription=inscriptions[14], by=personnes[14])
    assert atelier.inscriptions.filter(etat=EtatInscription.INSCRITE).count() == 12
    assert find_violations(["ateliers.ordre_attente", "ateliers.liste_attente", "ateliers.capacite"]) == []


def test_withdrawn_person_may_register_again_at_the_back(atelier):
    personnes = beneficiaires(13)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    services.inscription_withdraw(inscription=inscriptions[0], by=personnes[0])
    again = services.inscription_create(atelier=atelier, participant=personnes[0], by=personnes[0])
    assert again.etat == EtatInscription.EN_ATTENTE


def test_twice_registered_is_refused(atelier, candidat):
    services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    with pytest.raises(RuleViolation, match="déjà inscrite"):
        services.inscription_create(atelier=atelier, participant=candidat, by=candidat)


def test_no_registration_nor_withdrawal_once_started(atelier, candidat, autre_candidat, coordinateur):
    inscription = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    atelier.__class__.objects.filter(pk=atelier.pk).update(debut=dans(hours=-1))
    atelier.refresh_from_db()
    inscription.refresh_from_db()
    with pytest.raises(RuleViolation, match="inscriptions sont closes"):
        services.inscription_create(atelier=atelier, participant=autre_candidat, by=autre_candidat)
    with pytest.raises(RuleViolation, match="plus possible de se désister"):
        services.inscription_withdraw(inscription=inscription, by=candidat)


def test_coordination_registers_someone_and_a_beneficiary_cannot(atelier, candidat, autre_candidat, coordinateur):
    by_coord = services.inscription_create(atelier=atelier, participant=candidat, by=coordinateur)
    assert by_coord.inscrite_par == coordinateur and by_coord.etat == "inscrite"
    with pytest.raises(PermissionRefused):
        services.inscription_create(atelier=atelier, participant=autre_candidat, by=candidat)


def test_a_beneficiary_withdraws_only_their_own(atelier, candidat, autre_candidat, coordinateur):
    mine = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
    with pytest.raises(PermissionRefused):
        services.inscription_withdraw(inscription=mine, by=autre_candidat)
    services.inscription_withdraw(inscription=mine, by=coordinateur, reason="Malade")
    mine.refresh_from_db()
    assert mine.etat == EtatInscription.DESISTEE
    assert mine.evenements.filter(transition="desister", reason="Malade", actor=coordinateur).exists()


def test_attendance_after_the_start_by_the_leader_or_the_coordination(atelier, animatrice, coordinateur):
    a, b = beneficiaires(2)
    ia = services.inscription_create(atelier=atelier, participant=a, by=a)
    ib = services.inscription_create(atelier=atelier, participant=b, by=b)
    with pytest.raises(RuleViolation, match="n’a pas encore eu lieu"):
        services.presence_record(inscription=ia, presente=True, by=animatrice.user)
    atelier.__class__.objects.filter(pk=atelier.pk).update(debut=dans(hours=-3))
    ia.refresh_from_db()
    ib.refresh_from_db()
    with pytest.raises(PermissionRefused):
        services.presence_record(inscription=ia, presente=True, by=a)
    services.presence_record(inscription=ia, presente=True, by=animatrice.user)
    services.presence_record(inscription=ib, presente=False, by=coordinateur)
    # A mistake is corrected.
    services.presence_record(inscription=ib, presente=True, by=coordinateur)
    assert _etats(atelier) == ["presente", "presente"]


def test_waiting_person_cannot_be_marked_present(atelier, coordinateur):
    personnes = beneficiaires(13)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    atelier.__class__.objects.filter(pk=atelier.pk).update(debut=dans(hours=-3))
    inscriptions[12].refresh_from_db()
    with pytest.raises(TransitionRefused):
        services.presence_record(inscription=inscriptions[12], presente=True, by=coordinateur)


def test_fee_is_due_by_non_members_only_and_recorded_paid(atelier, programme, coordinateur):
    membre, non_membre = beneficiaires(2)
    services.adhesion_record(programme=programme, personne=membre, by=coordinateur)
    im = services.inscription_create(atelier=atelier, participant=membre, by=membre)
    inm = services.inscription_create(atelier=atelier, participant=non_membre, by=non_membre)
    assert (im.membre, im.participation_due) == (True, Decimal("0.00"))
    assert (inm.membre, inm.participation_due) == (False, Decimal("18.00"))
    with pytest.raises(RuleViolation, match="Aucune participation n’est due"):
        services.participation_mark_paid(inscription=im, by=coordinateur)
    with pytest.raises(PermissionRefused):
        services.participation_mark_paid(inscription=inm, by=non_membre)
    services.participation_mark_paid(inscription=inm, by=coordinateur)
    inm.refresh_from_db()
    assert inm.participation_payee_le is not None and not inm.participation_a_payer
    with pytest.raises(RuleViolation, match="déjà enregistrée"):
        services.participation_mark_paid(inscription=inm, by=coordinateur)
    assert find_violations(["ateliers.participation_membres"]) == []


def test_fewer_places_than_registered_is_refused_more_places_move_the_list_up(atelier, coordinateur):
    personnes = beneficiaires(14)
    for p in personnes:
        services.inscription_create(atelier=atelier, participant=p, by=p)
    with pytest.raises(RuleViolation, match="moins de places"):
        services.atelier_update(atelier=atelier, capacite=10, by=coordinateur)
    services.atelier_update(atelier=atelier, capacite=13, by=coordinateur)
    assert _etats(atelier).count("inscrite") == 13 and _etats(atelier)[-1] == "en_attente"
    assert Inscription.objects.filter(participant=personnes[12], etat="inscrite").exists()


def test_a_personne_ressource_does_not_register_themself(atelier, animatrice):
    with pytest.raises(PermissionRefused):
        services.inscription_create(atelier=atelier, participant=animatrice.user, by=animatrice.user)


def test_non_coordination_cannot_schedule(programme, candidat):
    with pytest.raises(PermissionRefused):
        services.atelier_create(
            programme=programme, format=format_atelier(programme), titre="X", debut=dans(days=2), duree=1, lieu="Albi",
            by=UserFactory(roles=["candidat"]),
        )  # fmt: skip


def test_a_format_counted_in_hours_prices_the_fee_per_hour_and_shows_hours(client, programme, coordinateur, candidat):
    fmt = format_atelier(programme, places=10, participation="6.00")
    Format.objects.filter(pk=fmt.pk).update(unite="heure")
    fmt.refresh_from_db()
    atelier = services.atelier_create(
        programme=programme, format=fmt, titre="Codev", debut=dans(days=4), duree=3, lieu="Toulouse", by=coordinateur
    )
    assert atelier.participation_non_membre == Decimal("18.00")
    client.force_login(candidat)
    page = client.get(f"/ateliers/{atelier.pk}/").content.decode()
    assert "3 heures" in page
