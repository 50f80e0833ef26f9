"""Celery adapters of the job outbox (core/jobs.py): they take ids and call the service."""

from celery import shared_task

from . import invariants, jobs, sauvegarde


@shared_task(ignore_result=True, acks_late=True)
def run_job(*, job_id: int) -> str:
    return jobs.job_run(job_id=job_id)


@shared_task(ignore_result=True)
def dispatch_jobs() -> int:
    """Every 30 seconds (beat): hand over again the jobs that wait in the database."""
    return jobs.jobs_dispatch()


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Every TSF_HEARTBEAT_SECONDS (beat): its run, recorded by plateforme.health, proves a worker consumes the queue."""
    return "ok"


@shared_task(ignore_result=True)
def backup_nightly() -> str:
    """Nightly (beat): one backup archive, then only the newest TSF_BACKUP_KEEP are kept."""
    return sauvegarde.sauvegarde_nocturne()


@shared_task(ignore_result=True)
def verifier_coherence() -> int:
    """Nightly (beat): run the invariants, store the result, alert the coordination if needed."""
    return invariants.verification_lancer().violations
