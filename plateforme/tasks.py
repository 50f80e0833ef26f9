from celery import shared_task

from .a_traiter import total_menu_refresh
from .retention import retention_appliquer


@shared_task
def apply_retention() -> str:
    """Daily: anonymise applications and accounts past their retention period."""
    return str(retention_appliquer())


@shared_task
def count_a_traiter() -> int:
    """Every minute: the coordination menu's count of the work queue, kept in the cache (no page queries for it)."""
    return total_menu_refresh()[0]
