import logging

from django.conf import settings
from django.shortcuts import render

from . import rgaa

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


def accessibilite(request):
    """The accessibility statement; its conformance rates come from the self-audit grid (core/rgaa.py)."""
    return render(request, "core/accessibilite.html", {"audit": rgaa.read_audit()})
