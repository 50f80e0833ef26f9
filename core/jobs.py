"""Background jobs that survive a broker outage (transactional outbox).

`enqueue("email", to=[…], …)` writes a `TacheDifferee` row in the caller's transaction and, once
it commits, hands the job to Celery by name (`RUN_JOB_TASK`, the `core.tasks.run_job` adapter, which
takes the row's id; core.tasks imports this module, never the other way round). When Redis
is away the hand-over fails fast (the broker's retries are capped in settings), the request goes
on, and the row waits: beat's `dispatch_jobs` scan hands it over again when the broker is back.
After a failed hand-over this process stops trying for `BROKER_PAUSE` so that a page sending
several e-mails does not wait several times.

Only the functions named in `JOBS` can run this way; each takes keyword arguments that JSON can
carry (ids, strings) and must be safe to run again after a crash in the middle (the claim makes a
second delivery of the same message a no-op, not a crash halfway through).
"""

from __future__ import annotations

import datetime
import functools
import logging
import time
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from . import logs
from .models import TacheDifferee

logger = logging.getLogger(__name__)

# The Celery task that runs a job (core/tasks.py), sent by its registered name; CoreConfig.ready
# imports core.tasks so that the task is registered (and runs eagerly in tests) in every process.
RUN_JOB_TASK = "core.tasks.run_job"

JOBS: dict[str, str] = {
    "email": "core.emails.send_now",
    "candidature_recu": "candidatures.services.candidature_receipt_job",
    "piece_analyser": "candidatures.services.piece_analyser",
    "convention_rendre": "conventions.services.convention_render_pdf",
    "convention_finaliser": "conventions.services.convention_finalize",
    "budget_export": "budget.services.export_run",
    "message_groupe": "relances.services.message_groupe_distribuer",
    "facture_analyser": "budget.services.facture_analyser",
}
MAX_TENTATIVES = 5
# A job handed over but still waiting after this long lost its message (Redis keeps nothing on
# disk here): hand it over again. A job `en_cours` this long belonged to a worker that died.
REPUBLIER_APRES = datetime.timedelta(minutes=10)
RECUPERER_APRES = datetime.timedelta(minutes=30)
BROKER_PAUSE = 30.0

BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, OSError, ConnectionError)

_broker_down_until = 0.0


def enqueue(tache: str, /, **arguments: Any) -> TacheDifferee:
    """Record the job now; hand it to Celery after the commit (never for a rolled-back change)."""
    if tache not in JOBS:
        raise ValueError(f"unknown job {tache!r}")
    job = TacheDifferee.objects.create(
        tache=tache, arguments=arguments, pas_avant=timezone.now(), request_id=logs.current_request_id()
    )
    transaction.on_commit(lambda: publish(job_id=job.pk))
    return job


def publish(*, job_id: int) -> bool:
    """Hand one job to Celery. Never raises: a broker outage leaves the job waiting in the database."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        current_app.signature(RUN_JOB_TASK, kwargs={"job_id": job_id}).apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - whatever happened, the job waits in the database
        if isinstance(error, BROKER_ERRORS):
            _broker_down_until = time.monotonic() + BROKER_PAUSE
            logger.warning("Job %s not handed to Celery, broker unavailable: %r", job_id, error)
        else:
            logger.exception("Job %s not handed to Celery", job_id)
        TacheDifferee.objects.filter(pk=job_id).update(
            publications=F("publications") + 1, derniere_erreur=f"Celery injoignable : {error!r}"[:2000]
        )
        return False
    _broker_down_until = 0.0
    TacheDifferee.objects.filter(pk=job_id).update(publiee_le=timezone.now(), publications=F("publications") + 1)
    return True


def job_run(*, job_id: int) -> str:
    """Run one job if it is still waiting (claimed by a conditional UPDATE: at most one runner)."""
    now = timezone.now()
    claimed = TacheDifferee.objects.filter(pk=job_id, etat=TacheDifferee.Etat.EN_ATTENTE, pas_avant__lte=now).update(
        etat=TacheDifferee.Etat.EN_COURS, demarree_le=now, tentatives=F("tentatives") + 1
    )
    if not claimed:
        return "deja_prise"
    job = TacheDifferee.objects.get(pk=job_id)
    # The job's log lines carry the id of the request that asked for it (or their own).
    with logs.request_context(job.request_id or f"tache-{job.pk}"):
        return _job_execute(job)


def _job_execute(job: TacheDifferee) -> str:
    logger.info("Job %s (%s) started, attempt %s", job.pk, job.tache, job.tentatives, extra={"job": job.tache})
    try:
        import_string(JOBS[job.tache])(**job.arguments)
    except Exception as error:
        logger.exception("Job %s (%s) failed, attempt %s", job.pk, job.tache, job.tentatives, extra={"job": job.tache})
        abandon = job.tentatives >= MAX_TENTATIVES
        TacheDifferee.objects.filter(pk=job.pk).update(
            etat=TacheDifferee.Etat.ECHEC if abandon else TacheDifferee.Etat.EN_ATTENTE,
            # Retry later, longer each time (1, 2, 4, 8 minutes); the scan hands it over again.
            pas_avant=timezone.now() + datetime.timedelta(minutes=2 ** (job.tentatives - 1)),
            publiee_le=None,
            derniere_erreur=repr(error)[:2000],
        )
        return "echec" if abandon else "a_refaire"
    TacheDifferee.objects.filter(pk=job.pk).update(etat=TacheDifferee.Etat.FAITE, terminee_le=timezone.now(), derniere_erreur="")
    logger.info("Job %s (%s) done", job.pk, job.tache, extra={"job": job.tache})
    return "faite"


def jobs_dispatch(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Beat: hand over the jobs that wait (never handed over, or whose message was lost).

    Rows are claimed with SKIP LOCKED so that two scans at once hand each job over once.
    """
    now = now or timezone.now()
    Etat = TacheDifferee.Etat
    with transaction.atomic():
        rows = list(
            TacheDifferee.objects.select_for_update(skip_locked=True)
            .filter(
                Q(etat=Etat.EN_ATTENTE, pas_avant__lte=now)
                & (Q(publiee_le__isnull=True) | Q(publiee_le__lt=now - REPUBLIER_APRES))
                | Q(etat=Etat.EN_COURS, demarree_le__lt=now - RECUPERER_APRES)
            )
            .order_by("pas_avant", "pk")
            .values_list("pk", "etat")[:limit]
        )
        stuck = [pk for pk, etat in rows if etat == Etat.EN_COURS]
        if stuck:
            TacheDifferee.objects.filter(pk__in=stuck).update(etat=Etat.EN_ATTENTE)
        # Marked as handed over inside the claim, so that a concurrent scan skips them; a failed
        # hand-over below puts the mark back.
        ids = [pk for pk, _etat in rows]
        TacheDifferee.objects.filter(pk__in=ids).update(publiee_le=now)
    global _broker_down_until
    _broker_down_until = 0.0  # the scan itself came through the broker: try again
    handed = 0
    for pk in ids:
        if publish(job_id=pk):
            handed += 1
        else:
            TacheDifferee.objects.filter(pk=pk, etat=Etat.EN_ATTENTE).update(publiee_le=None)
    return handed


def jobs_restart(*, ids: list[int]) -> int:
    """Put abandoned jobs back in the queue with a fresh count of attempts (admin action)."""
    with transaction.atomic():
        restart = list(TacheDifferee.objects.filter(pk__in=ids, etat=TacheDifferee.Etat.ECHEC).values_list("pk", flat=True))
        TacheDifferee.objects.filter(pk__in=restart).update(
            etat=TacheDifferee.Etat.EN_ATTENTE, tentatives=0, pas_avant=timezone.now(), publiee_le=None
        )
        for pk in restart:
            transaction.on_commit(functools.partial(publish, job_id=pk))
    return len(restart)


def jobs_purge(*, before: datetime.datetime) -> int:
    """Delete finished and abandoned jobs older than `before` (their arguments hold e-mail texts)."""
    deleted, _detail = TacheDifferee.objects.filter(
        etat__in=[TacheDifferee.Etat.FAITE, TacheDifferee.Etat.ECHEC], created_at__lt=before
    ).delete()
    return deleted
