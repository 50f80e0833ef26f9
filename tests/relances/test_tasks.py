import datetime

import pytest
from django.core import mail
from django.utils import timezone

from relances import tasks

from .conftest import build_dossier, seance


@pytest.mark.django_db
def test_the_beat_tasks_plan_then_send_through_celery():
    d = build_dossier()
    seance(d, timezone.now() + datetime.timedelta(hours=30))
    assert tasks.plan_relances.delay().get() == 2  # both parties' 48-hour reminders
    assert tasks.scan_due_relances.delay().get() == 2
    assert tasks.scan_due_relances.delay().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([d.beneficiaire.email, d.mentor.email])
