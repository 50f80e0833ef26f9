"""Celery adapters: they take ids and call a service (PDFs are rendered in the worker, not per request)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def convention_render(convention_id: int) -> None:
    services.convention_render_pdf(convention_id=convention_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def convention_finalize(convention_id: int) -> None:
    services.convention_finalize(convention_id=convention_id)
