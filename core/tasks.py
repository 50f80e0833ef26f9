"""Celery adapters of the job outbox (core/jobs.py): they take ids and call the service."""

from celery import shared_task

from . import invariants, jobs


@shared_task(ignore_result=True, acks_late=True)
def run_job(*, job_id: int) -> str:
    return jobs.job_run(job_id=job_id)


@shared_task(ignore_result=True)
def dispatch_jobs() -> int:
    """Every 30 seconds (beat): hand over again the jobs that wait in the database."""
    return jobs.jobs_dispatch()


@shared_task(ignore_result=True)
def verifier_coherence() -> int:
    """Nightly (beat): run the invariants, store the result, alert the coordination if needed."""
    return invariants.verification_lancer().violations
