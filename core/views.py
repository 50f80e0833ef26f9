import logging

from django.conf import settings
from django.shortcuts import render

logger = logging.getLogger(__name__)


def donnees_personnelles(request):
    """The personal-data notice (RGPD): controller, purposes, legal bases, retention periods, rights."""
    retention = dict(settings.TSF_RETENTION)
    retention["accompagnee_ans"] = settings.TSF_RETENTION["accompagnee_mois"] // 12
    return render(
        request,
        "core/donnees_personnelles.html",
        {"retention": retention, "idle_minutes": settings.TSF_STAFF_IDLE_MINUTES},
    )
