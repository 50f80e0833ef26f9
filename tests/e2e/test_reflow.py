"""WCAG 1.4.10 (reflow): at 320 CSS px, no page a role works from scrolls horizontally.

Tables may scroll inside their own `.table-responsive` box; the page itself must not. Each role
(coordination, candidat·e / bénéficiaire, personne-ressource, comité) starts from its home and the
lists it works from, then follows the links it is shown: every kind of page it reaches (one page per
URL name) is measured, its document's scrollWidth against its clientWidth.
"""

from __future__ import annotations

from collections import deque
from io import StringIO
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from ateliers.models import Atelier
from plateforme.management.demo import data
from programmes.models import Programme
from tests.e2e.conftest import login

WIDTH = 320
PAGES_PER_ROLE = 200  # a bound on the crawl, far above what a role reaches (the test checks it is not hit)
# Not pages of the platform's own layout (the admin has its own), or not pages at all.
NOT_CRAWLED = ("/admin/", "/static/", "/media/", "/comptes/logout/", "/__")


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


def page_kind(path: str) -> str | None:
    """The URL name of a path of the platform (one page measured per name), None for anything else."""
    if path.startswith(NOT_CRAWLED):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def measure(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def crawl(page, seeds: list[str], wide: list[str], reached: set[str]) -> int:
    """Visit every seed, then the platform links each page shows, one page per URL name; record the wide ones."""
    queue = deque((path, True) for path in seeds)
    kinds: set[str] = set()
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        path, seed = queue.popleft()
        kind = page_kind(path)
        if kind is None or (kind in kinds and not seed):
            continue
        kinds.add(kind)
        try:
            response = page.goto(page.base_url + path)
        except PlaywrightError:
            continue  # a download (PDF, .ics, spreadsheet): not a page
        if response is None or response.status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        reached.add(kind)
        scroll_width, client_width = measure(page)
        if scroll_width > client_width:
            wide.append(f"{path} ({scroll_width} px)")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            url = urlparse(urljoin(page.url, href))
            if url.netloc == urlparse(page.base_url).netloc and url.path not in (path,):
                queue.append((url.path + (f"?{url.query}" if url.query else ""), False))
    return visited


@pytest.mark.django_db(transaction=True)
def test_no_horizontal_scroll_at_320_px_on_every_page_each_role_reaches(narrow_page, figure):
    # tests/conftest.py already points MEDIA_ROOT at a temporary folder for the demo's PDFs.
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    programme = Programme.objects.order_by("pk").first()
    comptes = {compte.key: compte.email for compte in data.COMPTES}
    # The workshops' pages: the held one has the attendance list, the full one its waiting list (seeds
    # are all measured, even two pages of the same kind).
    ateliers = [
        reverse("ateliers:detail", args=[pk]) for pk in Atelier.objects.order_by("debut").values_list("pk", flat=True)[:2]
    ]
    wide: list[str] = []
    reached: set[str] = set()
    counts = {}

    counts["anonyme"] = crawl(narrow_page, ["/", "/comptes/login/", "/comptes/signup/"], wide, reached)

    login(narrow_page, comptes["coordination"], data.MOT_DE_PASSE)
    counts["coordination"] = crawl(
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
        wide,
        reached,
    )
    narrow_page.context.clear_cookies()

    for role, email in (
        ("comité", comptes["comite"]),
        ("personne-ressource", f"personne-ressource@{data.DOMAINE}"),
        ("candidat·e / bénéficiaire", f"candidat@{data.DOMAINE}"),
    ):
        login(narrow_page, email, data.MOT_DE_PASSE)
        extra = [reverse("ateliers:liste"), *ateliers] if email == f"candidat@{data.DOMAINE}" else []
        counts[role] = crawl(narrow_page, [reverse("accounts:home"), *extra], wide, reached)
        narrow_page.context.clear_cookies()

    assert not wide, f"Pages wider than {WIDTH} px: {', '.join(wide)}"
    # Each role reached more than its home (the crawl really followed the links it is shown) and the
    # crawl ended because no new kind of page was left, not on its bound.
    assert all(3 <= count < PAGES_PER_ROLE for count in counts.values()), counts
    figure(f"{sum(counts.values())} pages at {WIDTH} px ({len(reached)} kinds; {counts}): 0 horizontal scroll")
