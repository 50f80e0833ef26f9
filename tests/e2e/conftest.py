"""Browser tests: Playwright's Python package driving Debian's Chromium (no browser download).

Run them with the rest of the suite; `-m browser` selects only them. Screenshots of each step
go to test-artifacts/screenshots/ (kept by CI as artifacts).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.invariants import find_violations

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's `chromium` package.")
        pytest.skip("Chromium absent on this machine: `apt-get install chromium` to run the browser tests.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    # bypass_csp lets the test inject axe-core into pages served with a strict CSP.
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def mobile_page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


class Screenshots:
    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, label: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^\w-]+", "_", label)
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request):
    """`shot(page, "label")` saves a numbered full-page screenshot of the current step."""
    return Screenshots(request.node.name)


def axe_violations(page, *, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """Run axe-core on the current page and return the WCAG 2.1 A/AA violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags))
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page) -> None:
        violations = axe_violations(page)
        assert not violations, f"axe-core violations on {page.url}: {violations}"

    return check


E2E_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def _coordination_totp(email: str):
    """The coordination must pass a TOTP second factor: give the account one (None for other roles)."""
    from allauth.mfa.models import Authenticator

    from accounts import roles
    from accounts.models import User

    user = User.objects.filter(email__iexact=email).first()
    if user is None or not roles.is_coordination(user):
        return None
    authenticator, _ = Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": E2E_TOTP_SECRET}}
    )
    return authenticator


def _current_code(authenticator) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
    from django.core.cache import cache

    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(E2E_TOTP_SECRET, counters[len(counters) // 2]))
    cache.delete(TOTP(authenticator)._get_used_cache_key(code))  # a second login within the same 30 s
    return code


def login(page, email: str, password: str) -> None:
    authenticator = _coordination_totp(email)
    page.goto(page.base_url + "/comptes/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name=re.compile("Connexion|Se connecter")).click()
    if authenticator is not None:
        page.wait_for_url(re.compile(r"/2fa/authenticate/"))
        for _attempt in range(3):
            # Read the code at the last moment; if the 30-second step turns before it is checked
            # (a busy CI machine), the code is refused: type the new one, as a person would.
            page.locator("input[name=code]").fill(_current_code(authenticator))
            page.locator("input[name=code]").press("Enter")
            try:
                page.wait_for_url(re.compile(r"/espace/"), timeout=8000)
                return
            except PlaywrightTimeoutError:
                continue
    page.wait_for_url(re.compile(r"/espace/"))


@pytest.fixture(autouse=True)
def _no_violation_at_the_end(request):
    """Issue 13: after each end-to-end scenario, the database breaks none of the invariants."""
    yield
    if "django_db_setup" not in request.fixturenames or getattr(request.node, "rep_call_failed", True):
        return  # no database, or the scenario already failed: its own error says more
    violations = find_violations()
    assert not violations, "\n".join(f"{v.code} – {v.objet} : {v.message}" for v in violations)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_failed = report.failed
    return report
