from celery import shared_task

from .retention import retention_appliquer


@shared_task
def apply_retention() -> str:
    """Daily: anonymise applications and accounts past their retention period."""
    return str(retention_appliquer())
