from celery import shared_task


@shared_task(acks_late=True)
def prepare_export(*, export_id: int) -> None:
    """Build a follow-up document (PDF report or XLSX workbook) and store it on its Export row."""
    from .services import export_run

    export_run(export_id=export_id)
