"""WCAG 1.4.10 (reflow): at 320 CSS px, no page a role works from scrolls horizontally.

Tables may scroll inside their own `.table-responsive` box; the page itself must not.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from ateliers.models import Atelier
from plateforme.management.demo import data
from programmes.models import Programme
from tests.e2e.conftest import login

WIDTH = 320


@pytest.fixture
def narrow_page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True, viewport={"width": WIDTH, "height": 800}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def overflowing(page, paths: list[str]) -> list[str]:
    """The paths whose document is wider than the viewport, with the width found."""
    wide = []
    for path in paths:
        response = page.goto(page.base_url + path)
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide.append(f"{path} ({width} px)")
    return wide


@pytest.mark.django_db(transaction=True)
def test_no_horizontal_scroll_at_320_px_on_each_role_home_and_the_coordination_lists(narrow_page):
    # tests/conftest.py already points MEDIA_ROOT at a temporary folder for the demo's PDFs.
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    programme = Programme.objects.order_by("pk").first()
    comptes = {compte.key: compte.email for compte in data.COMPTES}
    # The workshops' pages: the held one has the attendance list, the full one its waiting list.
    ateliers = [
        reverse("ateliers:detail", args=[pk]) for pk in Atelier.objects.order_by("debut").values_list("pk", flat=True)[:2]
    ]
    wide = []

    wide += overflowing(narrow_page, ["/", "/comptes/login/"])

    login(narrow_page, comptes["coordination"], data.MOT_DE_PASSE)
    wide += overflowing(
        narrow_page,
        [
            reverse("accounts:home"),
            "/candidatures/coordination/",
            reverse("budget:tableau_de_bord"),
            reverse("budget:grand_livre", args=[programme.pk]),
            reverse("accompagnements:agenda"),
            reverse("annuaire:personne_ressource_list"),
            reverse("annuaire:appariement_list"),
            reverse("ateliers:liste"),
            *ateliers,
        ],
    )
    narrow_page.context.clear_cookies()

    for email in (comptes["comite"], f"personne-ressource@{data.DOMAINE}", f"candidat@{data.DOMAINE}"):
        login(narrow_page, email, data.MOT_DE_PASSE)
        wide += overflowing(narrow_page, [reverse("accounts:home")])
        if email == f"candidat@{data.DOMAINE}":
            wide += overflowing(narrow_page, [reverse("ateliers:liste"), *ateliers])
        narrow_page.context.clear_cookies()

    assert not wide, f"Pages wider than {WIDTH} px: {', '.join(wide)}"
