"""The back office the coordination works in daily passes axe-core like the rest of the platform.

Serious and critical WCAG 2.1 A/AA violations must be 0 on the admin index and, for EVERY model the
coordination edits (each ModelAdmin registered for the platform's apps), its changelist and a change
form (with its inlines and autocomplete selects; the add form when the demo has no row), as the
superuser. One browser session visits them in a loop.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from plateforme.management.demo import data
from tests.e2e.conftest import axe_violations, login

BLOCKING = {"serious", "critical"}
COORDINATION_APPS = (
    "candidatures",
    "accompagnements",
    "conventions",
    "budget",
    "annuaire",
    "comite",
    "evaluations",
    "relances",
    "programmes",
    "accounts",
    "ateliers",
)


def coordination_model_admins() -> list:
    registered = [(model, model_admin) for model, model_admin in admin.site._registry.items()]
    return sorted(((m, a) for m, a in registered if m._meta.app_label in COORDINATION_APPS), key=lambda pair: pair[0]._meta.label)


def admin_pages(superuser) -> list[str]:
    """The index, then for each model its changelist and the change form of its first row (the add
    form when there is none and adding is allowed: some models are only written by the services)."""
    request = RequestFactory().get(reverse("admin:index"))
    request.user = superuser
    paths = [reverse("admin:index")]
    for model, model_admin in coordination_model_admins():
        info = (model._meta.app_label, model._meta.model_name)
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        elif model_admin.has_add_permission(request):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
    return paths


def test_every_model_the_coordination_edits_is_covered():
    labels = {model._meta.app_label for model, _ in coordination_model_admins()}
    assert labels == set(COORDINATION_APPS), set(COORDINATION_APPS) - labels
    assert len(coordination_model_admins()) >= 40


@pytest.mark.django_db(transaction=True)
def test_admin_pages_have_no_serious_or_critical_axe_violation(page, figure):
    # tests/conftest.py already points MEDIA_ROOT at a temporary folder for the demo's PDFs.
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    admin_email = next(compte.email for compte in data.COMPTES if compte.superuser)
    login(page, admin_email, data.MOT_DE_PASSE)

    found = {}
    paths = admin_pages(User.objects.get(email=admin_email))
    for path in paths:
        response = page.goto(page.base_url + path)
        if response is None or response.status != 200:
            found[path] = f"answered {response and response.status}"
            continue
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        if blocking:
            found[path] = blocking

    assert not found, f"axe-core serious/critical violations in the admin: {found}"
    figure(f"{len(paths)} admin pages ({len(coordination_model_admins())} models): 0 serious or critical axe violations")
