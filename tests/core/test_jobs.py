"""Background jobs kept in the database (core/jobs.py): nothing lost when the broker is away, run once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.emails import send_after_commit
from core.models import TacheDifferee
from plateforme.retention import retention_appliquer

from .celery_broker import celery_broker, free_port

pytestmark = pytest.mark.django_db
Etat = TacheDifferee.Etat


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("Serveur SMTP injoignable")


def send(subject: str = "Votre candidature") -> None:
    send_after_commit(to=["alex@exemple.test"], subject=subject, text="Bonjour")


def test_an_email_is_sent_after_the_commit_and_its_job_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send()
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["Votre candidature"]
    job = TacheDifferee.objects.get()
    assert job.etat == Etat.FAITE and job.publiee_le and job.terminee_le and job.tentatives == 1


def test_a_rolled_back_change_leaves_no_job_and_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            send()
            raise RuntimeError("la suite du traitement échoue")
    assert mail.outbox == [] and not TacheDifferee.objects.exists()


def test_with_the_broker_away_the_jobs_wait_in_the_database_then_go_out_once(django_capture_on_commit_callbacks):
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        with django_capture_on_commit_callbacks(execute=True):
            send("Premier")
            send("Second")
    first, second = TacheDifferee.objects.order_by("pk")
    assert first.etat == second.etat == Etat.EN_ATTENTE and first.publiee_le is None
    assert "Celery injoignable" in first.derniere_erreur and first.publications == 1
    # After one failure the process stops trying for a while: the second page did not wait too.
    assert second.publications == 0
    assert mail.outbox == []

    # The broker is back (eager here): beat's scan hands both over, each e-mail goes out once.
    assert jobs.jobs_dispatch() == 2
    assert sorted(m.subject for m in mail.outbox) == ["Premier", "Second"]
    assert set(TacheDifferee.objects.values_list("etat", flat=True)) == {Etat.FAITE}
    assert jobs.jobs_dispatch() == 0
    assert len(mail.outbox) == 2


def test_a_message_delivered_twice_runs_the_job_once():
    job = jobs.enqueue("email", to=["alex@exemple.test"], subject="Une fois", text="Bonjour")
    TacheDifferee.objects.filter(pk=job.pk).update(etat=Etat.EN_ATTENTE)  # as if still waiting
    mail.outbox.clear()
    assert jobs.job_run(job_id=job.pk) == "faite"
    assert jobs.job_run(job_id=job.pk) == "deja_prise"
    assert len(mail.outbox) == 1


def test_a_failing_job_is_retried_later_then_abandoned_and_an_admin_can_restart_it(
    settings, client, django_user_model, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.test_jobs.BrokenBackend"
    now = timezone.now()
    job = TacheDifferee.objects.create(
        tache="email", arguments={"to": ["alex@exemple.test"], "subject": "Relance", "text": "Bonjour"}, pas_avant=now
    )
    assert jobs.job_run(job_id=job.pk) == "a_refaire"
    job.refresh_from_db()
    assert job.etat == Etat.EN_ATTENTE and job.pas_avant > now and "SMTP injoignable" in job.derniere_erreur
    assert jobs.jobs_dispatch(now=now) == 0  # not before its retry time
    for _attempt in range(jobs.MAX_TENTATIVES - 1):
        TacheDifferee.objects.filter(pk=job.pk).update(pas_avant=now)
        jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.etat == Etat.ECHEC and job.tentatives == jobs.MAX_TENTATIVES

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-admin-42")
    client.force_login(admin)
    page = client.get(reverse("admin:core_tachedifferee_changelist"))
    assert "Serveur SMTP injoignable" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_tachedifferee_changelist"),
            {"action": "relancer", "_selected_action": [job.pk]},
            follow=True,
        )
    assert "1 tâche remise en file." in response.content.decode()
    job.refresh_from_db()
    assert job.etat == Etat.FAITE
    assert [m.subject for m in mail.outbox] == ["Relance"]


def test_a_job_left_running_by_a_dead_worker_is_run_again():
    long_ago = timezone.now() - jobs.RECUPERER_APRES - datetime.timedelta(minutes=1)
    job = TacheDifferee.objects.create(
        tache="email",
        arguments={"to": ["alex@exemple.test"], "subject": "Reprise", "text": "Bonjour"},
        pas_avant=long_ago,
        etat=Etat.EN_COURS,
        demarree_le=long_ago,
        publiee_le=long_ago,
    )
    assert jobs.jobs_dispatch() == 1
    job.refresh_from_db()
    assert job.etat == Etat.FAITE and [m.subject for m in mail.outbox] == ["Reprise"]


def test_the_outbox_hands_jobs_to_the_task_registered_under_its_name():
    # core.jobs sends by name (it never imports core.tasks): a renamed task would leave every job waiting.
    from core import tasks
    from tsf.celery import app

    assert app.tasks[jobs.RUN_JOB_TASK] == tasks.run_job


def test_an_unknown_job_is_refused_at_once():
    with pytest.raises(ValueError):
        jobs.enqueue("effacer_tout")


def test_retention_deletes_old_finished_jobs_that_hold_email_texts(settings):
    now = timezone.now()
    old = TacheDifferee.objects.create(tache="email", arguments={"text": "Bonjour Alex"}, pas_avant=now, etat=Etat.FAITE)
    waiting = TacheDifferee.objects.create(tache="email", arguments={"text": "Bonjour Lou"}, pas_avant=now)
    TacheDifferee.objects.filter(pk__in=[old.pk, waiting.pk]).update(created_at=now - datetime.timedelta(days=90))
    bilan = retention_appliquer(now=now)
    assert bilan.taches_supprimees == 1
    assert list(TacheDifferee.objects.values_list("pk", flat=True)) == [waiting.pk]
