"""Celery adapters: beat triggers these scans; what is due lives in the database (Relance rows)."""

from celery import shared_task

from . import planning, services


@shared_task(ignore_result=True)
def plan_relances() -> int:
    """Every 15 minutes: advance the evaluation stage and insert the reminders that became due."""
    return planning.relances_planifier()


@shared_task(ignore_result=True)
def scan_due_relances() -> int:
    """Every minute: claim the due reminders (skip locked) and send each once."""
    return services.relances_envoyer_dues()
