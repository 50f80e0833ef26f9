"""Celery tasks of applications: adapters that load by id and call a service."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def candidature_receipt(*, candidature_id: int) -> None:
    """Render, store and e-mail the PDF receipt of a submitted application."""
    from .models import Candidature
    from .services import candidature_receipt_generate

    candidature = Candidature.objects.filter(pk=candidature_id).first()
    if candidature is None or not candidature.reference:
        return
    candidature_receipt_generate(candidature=candidature)
