"""Is the platform running? The checks behind `/sante/` and the coordination's status page.

`/sante/` is for load balancers and monitors: four checks (database, cache, broker, the worker's
heartbeat), each short and with a timeout, answered 200 or 503 with nothing personal. The status
page adds what a person needs to act: every beat scan's last run, the oldest job waiting in the
outbox, failed jobs, late reminders.

The worker's heartbeat is a task beat schedules every TSF_HEARTBEAT_SECONDS; when it ends, the worker
writes a `Battement` row (so do the scans beat triggers, by the `task_postrun` signal below). A
stale heartbeat means that no worker consumes the queue, or that beat is stopped: either way, the
e-mails and reminders are not going out.

Written here rather than with django-health-check: its database and cache checks are three lines
each, its Celery checks need a result backend (the platform has none: results are rows) or a
broadcast `ping` the filesystem broker of the embedded default cannot carry, and what matters here
(heartbeat and scan freshness, outbox, reminders) would be custom checks anyway.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import Any
from urllib.parse import urlparse

from celery.schedules import crontab
from celery.signals import task_postrun
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.invariants import last_result
from core.models import Battement, TacheDifferee
from relances.models import EtatRelance, Relance

logger = logging.getLogger(__name__)

HEARTBEAT = "battement-worker"
# A check gives up after this long: a load balancer's probe must get its answer within its own timeout.
CHECK_TIMEOUT_SECONDS = 2


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    # Shown on the status page only (staff); `/sante/` sends the names and "ok"/"erreur".
    detail: str = ""


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"; the reason goes to the status page
        _close_broken_connection()
        return Check("base", False, repr(error)[:300])
    return Check("base", True)


def _close_broken_connection() -> None:
    # A connection that broke stays broken in this thread; close it so that the next check (and
    # the next request) connects again once the database is back.
    try:
        connection.close()
    except Exception:  # noqa: BLE001, S110 - closing a dead connection may fail too; nothing to do about it  # nosec B110
        pass


def check_cache() -> Check:
    key = "tsf:sante"
    try:
        value = timezone.now().isoformat()
        cache.set(key, value, timeout=60)
        if cache.get(key) != value:
            return Check("cache", False, "lecture différente de l’écriture")
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return Check("cache", False, repr(error)[:300])
    return Check("cache", True)


def check_broker() -> Check:
    url = settings.CELERY_BROKER_URL
    scheme = urlparse(url).scheme
    try:
        if scheme in {"redis", "rediss"}:
            # Imported here: only deployments whose broker is Redis need the client.
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS)
            try:
                client.ping()
            finally:
                client.close()
        else:
            # Imported here: the broker's own client, for the brokers that are not Redis.
            from kombu import Connection

            with Connection(url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as broker:
                broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
        return Check("broker", False, repr(error)[:300])
    return Check("broker", True)


def heartbeat_max_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TSF_HEARTBEAT_MAX_AGE_SECONDS)


def check_worker(*, now: datetime.datetime | None = None) -> Check:
    now = now or timezone.now()
    try:
        seen = Battement.objects.filter(nom=HEARTBEAT).values_list("vu_le", flat=True).first()
    except Exception as error:  # noqa: BLE001 - the database check says why
        _close_broken_connection()
        return Check("worker", False, repr(error)[:300])
    if seen is None:
        return Check("worker", False, str(_("aucun battement reçu du worker")))
    age = now - seen
    if age > heartbeat_max_age():
        return Check("worker", False, str(_("dernier battement il y a %(s)d s") % {"s": age.total_seconds()}))
    return Check("worker", True)


def essential_checks() -> list[Check]:
    """What `/sante/` answers: all must pass for a 200."""
    return [check_database(), check_cache(), check_broker(), check_worker()]


# --- Recording the periodic tasks' runs (in the worker) -----------------------------------------


def beat_entries_by_task() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        entries.setdefault(str(entry["task"]), []).append(name)
    return entries


def beat_run_record(*, task_name: str, succeeded: bool, error: str = "", now: datetime.datetime | None = None) -> int:
    """Write the last run of the beat entries that trigger `task_name` (none: nothing written)."""
    names = beat_entries_by_task().get(task_name, [])
    now = now or timezone.now()
    for name in names:
        Battement.objects.update_or_create(nom=name, defaults={"vu_le": now, "reussi": succeeded, "erreur": error[:2000]})
    return len(names)


@task_postrun.connect
def _record_beat_task(sender: Any = None, state: str | None = None, retval: Any = None, **_kwargs: Any) -> None:
    task_name = getattr(sender, "name", "")
    if task_name not in beat_entries_by_task():
        return
    succeeded = state == "SUCCESS"
    try:
        beat_run_record(task_name=task_name, succeeded=succeeded, error="" if succeeded else repr(retval))
    except Exception:  # noqa: BLE001 - the database is away: the stale heartbeat will tell
        logger.warning("Could not record the run of %s", task_name, exc_info=True)


# --- The status page (coordination) ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScanStatus:
    name: str
    task: str
    every: datetime.timedelta
    last_run: datetime.datetime | None
    succeeded: bool
    error: str
    late: bool


def _period(schedule: Any) -> datetime.timedelta:
    """The period of a beat entry: seconds, a timedelta, or a crontab (the platform's run once a day)."""
    if isinstance(schedule, crontab):
        return datetime.timedelta(days=1)
    if isinstance(schedule, datetime.timedelta):
        return schedule
    return datetime.timedelta(seconds=float(schedule))


def scans_status(*, now: datetime.datetime | None = None) -> list[ScanStatus]:
    now = now or timezone.now()
    seen = {b.nom: b for b in Battement.objects.all()}
    statuses = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        every = _period(entry["schedule"])
        run = seen.get(name)
        # Late: two periods missed (one may be in progress), and never less than the heartbeat's margin.
        late = run is None or now - run.vu_le > max(2 * every, heartbeat_max_age())
        statuses.append(
            ScanStatus(
                name=name,
                task=str(entry["task"]),
                every=every,
                last_run=run.vu_le if run else None,
                succeeded=run.reussi if run else False,
                error=run.erreur if run else "",
                late=late,
            )
        )
    return statuses


def platform_status(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything the status page shows (no personal data: counts, dates, task names)."""
    now = now or timezone.now()
    Etat = TacheDifferee.Etat
    waiting = TacheDifferee.objects.filter(etat=Etat.EN_ATTENTE)
    oldest = waiting.order_by("created_at").values("pk", "tache", "created_at", "publications", "derniere_erreur").first()
    late_after = now - datetime.timedelta(minutes=settings.TSF_RELANCES_RETARD_MINUTES)
    overdue = Relance.objects.filter(etat__in=[EtatRelance.PREVUE, EtatRelance.EN_COURS], echeance__lt=late_after)
    heartbeat = Battement.objects.filter(nom=HEARTBEAT).first()
    return {
        "checks": essential_checks(),
        "heartbeat": heartbeat,
        "heartbeat_max_age": heartbeat_max_age(),
        "scans": scans_status(now=now),
        "jobs_waiting": waiting.count(),
        "oldest_job": oldest,
        "oldest_job_age": now - oldest["created_at"] if oldest else None,
        "jobs_failed": TacheDifferee.objects.filter(etat=Etat.ECHEC).count(),
        "reminders_overdue": overdue.count(),
        "oldest_reminder_due": overdue.order_by("echeance").values_list("echeance", flat=True).first(),
        "coherence": last_result(),
        "now": now,
    }
