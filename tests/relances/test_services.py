import datetime
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from accompagnements.models import Seance
from core.exceptions import PermissionRefused
from evaluations import services as evaluation_services
from relances import services
from relances.models import EtatRelance, Relance
from relances.planning import relances_planifier

from .conftest import build_dossier, seance

pytestmark = pytest.mark.django_db


def due_48h(d):
    """A session in 47 hours: both parties' 48-hour reminders are due now."""
    s = seance(d, timezone.now() + datetime.timedelta(hours=47))
    relances_planifier()
    return s


def test_planning_twice_makes_no_second_row_and_the_scan_twice_sends_nothing_new():
    d = build_dossier()
    due_48h(d)
    rows = Relance.objects.count()
    assert relances_planifier() == 0 and Relance.objects.count() == rows
    assert services.relances_envoyer_dues() == 2
    assert services.relances_envoyer_dues() == 0
    relances_planifier()
    assert services.relances_envoyer_dues() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([d.beneficiaire.email, d.mentor.email])
    assert set(Relance.objects.values_list("etat", flat=True)) == {"envoyee"}


def test_a_row_claimed_by_a_worker_that_died_is_sent_after_the_timeout_once(settings):
    d = build_dossier()
    due_48h(d)
    ids, claimed_at = services.relances_reserver()  # the worker dies here: nothing sent
    assert len(ids) == 2
    assert services.relances_envoyer_dues() == 0  # still within the timeout: not re-claimed
    later = timezone.now() + datetime.timedelta(seconds=settings.RELANCES_RECLAIM_AFTER_SECONDS + 1)
    assert services.relances_envoyer_dues(now=later) == 2
    # The first worker comes back to life: its claim is no longer valid, it sends nothing.
    assert {services.relance_envoyer(relance_id=pk, reservee_le=claimed_at) for pk in ids} == {services.DEJA_PRISE}
    assert len(mail.outbox) == 2


def test_a_kind_switched_off_for_the_programme_is_not_sent():
    d = build_dossier()
    programme = d.accompagnement.programme
    services.programme_relances_configurer(programme=programme, desactivees=["seance_48h"], by=d.coordinateur)
    due_48h(d)
    assert services.relances_envoyer_dues() == 0
    assert set(Relance.objects.values_list("etat", flat=True)) == {EtatRelance.DESACTIVEE}
    assert mail.outbox == []


def test_only_the_coordination_switches_reminders_and_only_known_kinds():
    d = build_dossier()
    with pytest.raises(PermissionRefused):
        services.programme_relances_configurer(programme=d.accompagnement.programme, desactivees=[], by=d.beneficiaire)
    with pytest.raises(services.RuleViolation):
        services.programme_relances_configurer(programme=d.accompagnement.programme, desactivees=["bidon"], by=d.coordinateur)


def test_a_cancelled_session_cancels_its_reminder_and_a_moved_one_moves_it():
    d = build_dossier()
    s = due_48h(d)
    Seance.objects.filter(pk=s.pk).update(etat="annulee")
    assert services.relances_envoyer_dues() == 0
    assert set(Relance.objects.values_list("etat", flat=True)) == {EtatRelance.ANNULEE}

    moved = due_48h(d)
    Seance.objects.filter(pk=moved.pk).update(debut=moved.debut + datetime.timedelta(days=5))
    assert services.relances_envoyer_dues() == 0  # claimed, then put back for the new date
    row = Relance.objects.filter(object_id=moved.pk).first()
    assert row.etat == EtatRelance.PREVUE
    assert row.echeance == moved.debut + datetime.timedelta(days=5) - datetime.timedelta(hours=48)


def test_an_answered_evaluation_is_not_chased():
    d = build_dossier()
    evaluation_services.accompagnement_terminer(accompagnement=d.accompagnement, by=d.coordinateur)
    relances_planifier()
    assert services.relances_envoyer_dues() == 2  # both are asked
    mentor_eval = d.accompagnement.evaluations.get(repondant="mentor")
    evaluation_services.evaluation_repondre(evaluation=mentor_eval, by=d.mentor, reponses={"transmis": "x", "appris": "y"})
    later = timezone.now() + datetime.timedelta(days=8)
    relances_planifier(now=later)
    assert services.relances_envoyer_dues(now=later) == 1
    chased = Relance.objects.get(type_relance="eval_sortie_relance", etat="envoyee")
    assert chased.destinataire == d.beneficiaire
    assert Relance.objects.get(type_relance="eval_sortie_relance", destinataire=d.mentor).etat == "annulee"


def test_a_failing_mail_server_keeps_the_reminder_for_later(settings):
    settings.EMAIL_BACKEND = "tests.relances.test_services.BrokenBackend"
    d = build_dossier()
    due_48h(d)
    assert services.relances_envoyer_dues() == 0
    row = Relance.objects.first()
    assert row.etat == EtatRelance.PREVUE and "refusé" in row.derniere_erreur and row.echeance > timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.relances_envoyer_dues(now=timezone.now() + datetime.timedelta(hours=1)) == 2


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise OSError("SMTP refusé")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_scan_is_skipped_not_waited_for():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks with SKIP LOCKED need PostgreSQL (SQLite locks the whole file).")
    d = build_dossier()
    due_48h(d)
    first = Relance.objects.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_scan():
        with transaction.atomic():
            Relance.objects.select_for_update().filter(pk=first.pk).get()
            locked.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=other_scan)
    thread.start()
    try:
        assert locked.wait(10)
        ids, _claimed = services.relances_reserver()
        assert first.pk not in ids and len(ids) == 1
    finally:
        release.set()
        thread.join()


def test_an_accompagnement_ended_elsewhere_gets_its_exit_questionnaires():
    d = build_dossier(etat="termine")
    relances_planifier()
    assert d.accompagnement.evaluations.filter(moment="sortie", etat="ouverte").count() == 2
    d.accompagnement.refresh_from_db()
    assert d.accompagnement.termine_le is not None


def test_no_session_planned_two_weeks_after_the_last_one_alerts_the_coordination():
    d = build_dossier(demi_journees=4)
    last = seance(d, timezone.now() - datetime.timedelta(days=15), etat="realisee")
    relances_planifier()
    services.relances_envoyer_dues()
    (alert,) = [m for m in mail.outbox if m.to == [d.coordinateur.email]]
    assert "Aucune séance n’est planifiée" in alert.body
    assert Relance.objects.get(type_relance="ecart_seances").object_id == last.pk


def test_a_batch_of_reminders_costs_at_most_two_queries_each(django_assert_max_num_queries):
    """Claim, rows, objects and coordinators read once per batch; one UPDATE per e-mail sent."""
    from django.contrib.contenttypes.models import ContentType

    from candidatures.models import Candidature
    from relances.models import TypeRelance
    from tests.factories import CandidatureFactory

    d = build_dossier()
    now = timezone.now()
    for minutes in range(12):  # 24 reminders 48 hours before a session (beneficiary and mentor)
        seance(d, now + datetime.timedelta(hours=47, minutes=-minutes))
    relances_planifier()
    brouillons = [CandidatureFactory() for _ in range(6)]  # and 6 reminders about a forgotten draft
    Candidature.objects.filter(pk__in=[c.pk for c in brouillons]).update(updated_at=now - datetime.timedelta(days=30))
    Relance.objects.bulk_create(
        Relance(
            programme_id=c.programme_id,
            type_relance=TypeRelance.BROUILLON,
            destinataire_id=c.candidat_id,
            content_type=ContentType.objects.get_for_model(Candidature),
            object_id=c.pk,
            echeance=now - datetime.timedelta(minutes=1),
        )
        for c in brouillons
    )
    due = Relance.objects.filter(etat=EtatRelance.PREVUE, echeance__lte=now).count()
    assert due >= 30
    mail.outbox.clear()
    with django_assert_max_num_queries(2 * due):
        assert services.relances_envoyer_dues(batch=100) == due
    assert len(mail.outbox) == due and len({m.extra_headers["Message-ID"] for m in mail.outbox}) == due
    assert not Relance.objects.exclude(etat=EtatRelance.ENVOYEE).filter(echeance__lte=now).exists()


def test_a_batch_e_mail_is_the_one_the_reminder_alone_renders_and_its_ranks_are_decided_together():
    """The batch shares its people, programmes and objects between rows and decides the ranks of one reminder
    once: the e-mail must stay the one built from the row read on its own (the single-row path)."""
    from django.contrib.contenttypes.models import ContentType

    from candidatures.models import Candidature
    from relances.models import TypeRelance
    from tests.factories import CandidatureFactory

    now = timezone.now()
    brouillon = CandidatureFactory()
    Candidature.objects.filter(pk=brouillon.pk).update(updated_at=now - datetime.timedelta(days=30))
    Relance.objects.bulk_create(
        Relance(
            programme_id=brouillon.programme_id,
            type_relance=TypeRelance.BROUILLON,
            destinataire_id=brouillon.candidat_id,
            content_type=ContentType.objects.get_for_model(Candidature),
            object_id=brouillon.pk,
            rang=rang,
            echeance=now - datetime.timedelta(minutes=rang),
        )
        for rang in (1, 2)
    )
    seule = Relance.objects.select_related("destinataire", "programme__pilote", "content_type").get(rang=2)
    attendu = services._message(seule, services._decision(seule, now).context)
    mail.outbox.clear()
    assert services.relances_envoyer_dues() == 1
    (envoye,) = mail.outbox
    assert (envoye.subject, envoye.body, envoye.alternatives, envoye.to, envoye.reply_to, envoye.extra_headers) == (
        attendu.subject,
        attendu.body,
        attendu.alternatives,
        attendu.to,
        attendu.reply_to,
        attendu.extra_headers,
    )
    assert set(Relance.objects.values_list("rang", "etat")) == {(1, EtatRelance.REGROUPEE), (2, EtatRelance.ENVOYEE)}
