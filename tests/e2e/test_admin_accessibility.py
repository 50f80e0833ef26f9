"""The back office the coordination works in daily passes axe-core like the rest of the platform.

Serious and critical WCAG 2.1 A/AA violations must be 0 on the admin index, a changelist and a
change form with inlines and autocomplete selects (the accompagnement), as the superuser.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accompagnements.models import Accompagnement
from plateforme.management.demo import data
from tests.e2e.conftest import axe_violations, login

BLOCKING = {"serious", "critical"}


@pytest.mark.django_db(transaction=True)
def test_admin_pages_have_no_serious_or_critical_axe_violation(page, shot):
    # tests/conftest.py already points MEDIA_ROOT at a temporary folder for the demo's PDFs.
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    admin_email = next(compte.email for compte in data.COMPTES if compte.superuser)
    accompagnement = Accompagnement.objects.order_by("pk").first()
    login(page, admin_email, data.MOT_DE_PASSE)

    found = {}
    for path in (
        reverse("admin:index"),
        reverse("admin:accompagnements_accompagnement_changelist"),
        reverse("admin:candidatures_candidature_changelist"),
        reverse("admin:accompagnements_accompagnement_change", args=[accompagnement.pk]),
        reverse("admin:accompagnements_accompagnement_add"),
        reverse("admin:accompagnements_seance_change", args=[accompagnement.seances.order_by("pk").first().pk]),
        reverse("admin:candidatures_candidature_change", args=[accompagnement.candidature_id]),
        reverse("admin:conventions_convention_changelist"),
        reverse("admin:budget_engagement_changelist"),
    ):
        response = page.goto(page.base_url + path)
        assert response is not None and response.status == 200, path
        shot(page, path)
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        if blocking:
            found[path] = blocking

    assert not found, f"axe-core serious/critical violations in the admin: {found}"
