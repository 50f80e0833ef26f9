"""The RGAA self-audit's sample (docs/accessibilite/grille-rgaa.csv), checked in Chromium where a script can.

For each page of the sample: French language (8.3), a title (8.5), one h1 and no heading level
skipped (9.1), WCAG 1.4.12 text spacing without text cut or horizontal scroll (10.12), the first Tab lands on the skip link whose target exists (12.7), no positive tabindex
(12.8), no new window opened by a link (13.2), a visible focus on the first focusable elements
(10.7), no horizontal scroll at 640 px, i.e. 200 % zoom of 1280 px (10.4), nor in landscape phone
(13.9), table headers declared (5.6) and personal fields with their autocomplete purpose (11.13).
The form in error: "Erreur :" in the title (8.6), the summary takes the focus (7.5), each field in error
is aria-invalid and described by its message (11.10).

Every failure found must be recorded in the grid (NC for that criterion on that page): the grid
cannot say C where the script sees a failure.
"""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accompagnements.models import Accompagnement
from candidatures.models import Candidature
from candidatures.services import candidature_start
from plateforme.management.demo import data
from programmes.models import Programme
from tests.e2e.conftest import login
from tests.factories import DEFAULT_PASSWORD, UserFactory

CHECKS_JS = """
() => {
  const problems = [];
  if (document.documentElement.lang !== 'fr') problems.push('8.3 lang=' + document.documentElement.lang);
  if (!document.title.trim()) problems.push('8.5 no title');
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.offsetParent !== null || h.getClientRects().length);
  const levels = headings.map(h => +h.tagName[1]);
  if (levels.filter(l => l === 1).length !== 1) problems.push('9.1 h1 count=' + levels.filter(l => l === 1).length);
  for (let i = 1; i < levels.length; i++) if (levels[i] > levels[i - 1] + 1) problems.push('9.1 skip ' + headings[i-1].tagName + '>' + headings[i].tagName + ' ' + headings[i].textContent.trim().slice(0, 40));
  const positive = [...document.querySelectorAll('[tabindex]')].filter(e => +e.getAttribute('tabindex') > 0);
  if (positive.length) problems.push('12.8 positive tabindex');
  if (document.querySelector('a[target=_blank]')) problems.push('13.2 target=_blank');
  for (const table of document.querySelectorAll('main table')) if (!table.querySelector('th')) problems.push('5.6 table without th');
  const personal = 'input[type=email],input[type=password],input[type=tel],input[name$=prenom],input[name$=first_name],input[name$=last_name],input[name$=code_postal],input[name$=commune]';
  for (const input of document.querySelectorAll(personal)) if (!input.getAttribute('autocomplete')) problems.push('11.13 no autocomplete on ' + input.name);
  return problems;
}
"""


SPACING_JS = """
() => {
  const style = document.createElement('style');
  style.textContent = '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }'
    + ' p { margin-bottom: 2em !important; }';
  document.head.appendChild(style);
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    const culprits = [...document.body.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > root.clientWidth + 1
      && !el.closest('.table-responsive') && ![...el.children].some(c => c.getBoundingClientRect().right > root.clientWidth + 1));
    problems.push('10.12 ' + root.scrollWidth + ' px wide with the text spacing: ' + culprits.slice(0, 3).map(el => el.tagName + '.' + el.className).join(', '));
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .visually-hidden-focusable, .table-responsive, script, style') || !el.textContent.trim()) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || ![s.overflowX, s.overflowY].includes('hidden')) continue;
    if (el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2) problems.push('10.12 text cut in ' + el.tagName + '.' + el.className);
  }
  style.remove();
  return problems.slice(0, 5);
}
"""


def scroll_problem(page, width: int, height: int, criterion: str) -> list[str]:
    page.set_viewport_size({"width": width, "height": height})
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    page.set_viewport_size({"width": 1280, "height": 900})
    return [f"{criterion} {scroll} px wide at {width}×{height}"] if scroll > client else []


def keyboard_problems(page) -> list[str]:
    problems = []
    # The first element reached by Tab from the top of the page (an autofocus field aside) is a skip link.
    first = page.evaluate(
        """() => {
      const focusable = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]')]
        .filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest('[hidden], [inert]'));
      const a = focusable[0];
      const h = a && a.getAttribute('href');
      if (!(h && h.startsWith('#') && document.getElementById(h.slice(1)))) return null;
      a.focus();
      return h;
    }"""
    )
    if first is None:
        problems.append("12.7 the first focusable element is not a skip link to an existing target")
    for _ in range(12):
        visible = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none' })()"
        )
        if not visible:
            problems.append("10.7 no visible focus on " + page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        page.keyboard.press("Tab")
    return problems


GRID_COLUMN = {
    "accueil": "Accueil",
    "connexion": "Connexion",
    "questionnaire": "Questionnaire",
    "espace coordination": "Espace coordination",
    "espace candidat": "Espace candidat",
    "espace personne-ressource": "Espace personne-ressource",
    "espace comité": "Espace comité",
    "liste": "Liste",
    "détail": "Détail",
    "admin": "Administration",
    "formulaire en erreur": "Formulaire en erreur",
}


def grid_status(criterion: str, page_label: str) -> str:
    """The status the self-audit grid gives `criterion` on the page whose column starts with `page_label`."""
    with open(settings.TSF_RGAA_GRID, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    column = next(i for i, title in enumerate(header) if title.startswith(page_label))
    return next(row[column] for row in rows if row[0] == criterion)


def audit(page, path: str) -> list[str]:
    response = page.goto(page.base_url + path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    return (
        page.evaluate(CHECKS_JS)
        + page.evaluate(SPACING_JS)
        + keyboard_problems(page)
        + scroll_problem(page, 640, 900, "10.4")
        + scroll_problem(page, 844, 390, "13.9")
    )


@pytest.mark.django_db(transaction=True)
def test_the_sample_pages_pass_what_a_script_can_check(page, figure):
    # tests/conftest.py already points MEDIA_ROOT at a temporary folder for the demo's PDFs.
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    comptes = {compte.key: compte.email for compte in data.COMPTES}
    found: dict[str, list[str]] = {}

    def check(label: str, path: str) -> None:
        problems = audit(page, path)
        if problems:
            found[label] = problems

    check("accueil", "/")
    check("connexion", "/comptes/login/")

    login(page, comptes["coordination"], data.MOT_DE_PASSE)
    check("espace coordination", reverse("accounts:home"))
    check("liste", reverse("candidatures:coordination_dashboard"))
    candidature = Candidature.objects.exclude(reference="").order_by("pk").first()
    check("détail", reverse("candidatures:coordination_detail", args=[candidature.pk]))
    page.context.clear_cookies()

    admin_email = next(compte.email for compte in data.COMPTES if compte.superuser)
    login(page, admin_email, data.MOT_DE_PASSE)
    accompagnement = Accompagnement.objects.order_by("pk").first()
    check("admin", reverse("admin:accompagnements_accompagnement_change", args=[accompagnement.pk]))
    # The admin is not in the reflow crawl: the grid's 10.11 for it says what 320 px shows.
    admin_wide = scroll_problem(page, 320, 800, "10.11")
    assert (grid_status("10.11", "Administration") == "NC") == bool(admin_wide), admin_wide
    page.context.clear_cookies()

    for label, email in (
        ("espace comité", comptes["comite"]),
        ("espace personne-ressource", f"personne-ressource@{data.DOMAINE}"),
        ("espace candidat", f"candidat@{data.DOMAINE}"),
    ):
        login(page, email, data.MOT_DE_PASSE)
        check(label, reverse("accounts:home"))
        page.context.clear_cookies()

    # The questionnaire, then its first step sent empty (the browser's own checks off, as an old browser).
    person = UserFactory()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    draft = candidature_start(programme=Programme.objects.filter(appel_ouvert=True).first(), candidat=person)
    login(page, person.email, DEFAULT_PASSWORD)
    step = reverse("candidatures:questionnaire", args=[draft.pk, "demandeur"])
    check("questionnaire", step)
    page.goto(page.base_url + step)
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    for field in page.locator("main form input[type=text], main form textarea").all():
        field.fill("")
    page.locator("main form button[name=action][value=suivant]").click()
    page.wait_for_load_state()
    errors = page.evaluate(
        """() => {
      const problems = [];
      if (!document.title.startsWith('Erreur')) problems.push('8.6 title ' + document.title);
      if (!document.activeElement.classList.contains('tsf-error-summary')) problems.push('7.5 summary not focused');
      const invalid = [...document.querySelectorAll('[aria-invalid=true]')];
      if (!invalid.length) problems.push('11.10 no field marked aria-invalid');
      for (const f of invalid) {
        const ids = (f.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
        if (!ids.some(id => document.getElementById(id) && document.getElementById(id).textContent.trim())) problems.push('11.10 ' + f.name + ' not described by its error');
      }
      return problems;
    }"""
    )
    errors += page.evaluate(CHECKS_JS)  # the page in error, as it is (a new GET would lose the errors)
    if errors:
        found["formulaire en erreur"] = errors

    # A failure the script finds is one the grid records: NC for that criterion on that page.
    unrecorded = {
        label: [p for p in problems if grid_status(p.split()[0], GRID_COLUMN[label]) != "NC"] for label, problems in found.items()
    }
    unrecorded = {label: problems for label, problems in unrecorded.items() if problems}
    assert not unrecorded, "\n".join(f"{label}: {problems}" for label, problems in unrecorded.items())
    recorded = sorted({f"{p.split()[0]} ({label})" for label, problems in found.items() for p in problems})
    figure(f"11 sample pages of the RGAA grid checked in Chromium; failures found, all recorded NC in the grid: {recorded}")
