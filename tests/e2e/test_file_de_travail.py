"""Issue 15: the coordination works from one queue. Clicking only (no typed URL after the sign-in), it
goes from the queue to a late report, to its accompagnement, its convention and its budget line, and
back to the file; the new pages pass axe and do not scroll sideways at 320 px."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accompagnements.models import EtatSeance
from candidatures.models import EntretienDiagnostic
from tests.e2e.conftest import axe_violations, login
from tests.factories import (
    DEFAULT_PASSWORD,
    AccompagnementFactory,
    ProgrammeFactory,
    SeanceFactory,
    StructureFactory,
    UserFactory,
    convention_signee,
)


def _serious(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


def _scene():
    programme = ProgrammeFactory(nom="TSF Occitanie 2026")
    coordinatrice = UserFactory(
        email="coordination@tsf.test", first_name="Camille", last_name="Coordination", roles=["coordination"]
    )
    EmailAddress.objects.create(user=coordinatrice, email=coordinatrice.email, verified=True, primary=True)
    accompagnement = AccompagnementFactory(
        reference="ACC-2026-0007",
        candidature__programme=programme,
        candidature__reference="TSF-2026-0007",
        candidature__structure=StructureFactory(raison_sociale="La Dynamo Toulouse"),
        demi_journees_prevues=4,
    )
    EntretienDiagnostic.objects.create(
        candidature=accompagnement.candidature,
        debut=timezone.now() - datetime.timedelta(days=40),
        modalite="presentiel",
        lieu="Locaux de la Dynamo",
        conduit_par=coordinatrice,
    )
    convention = convention_signee(accompagnement, coordinateur=coordinatrice, le=timezone.now() - datetime.timedelta(days=30))
    delai = programme.delai_compte_rendu_jours
    seance = SeanceFactory(
        accompagnement=accompagnement,
        debut=timezone.now() - datetime.timedelta(days=delai + 3),
        etat=EtatSeance.REALISEE,
        realisee_le=timezone.now() - datetime.timedelta(days=delai + 3),
    )
    return coordinatrice, accompagnement, convention, seance


@pytest.mark.django_db(transaction=True)
def test_from_the_queue_to_a_late_report_its_accompagnement_convention_budget_line_and_back(page, shot):
    coordinatrice, accompagnement, convention, seance = _scene()
    login(page, coordinatrice.email, DEFAULT_PASSWORD)

    menu = page.get_by_role("navigation", name="Coordination")
    menu.get_by_role("link", name=re.compile("À traiter")).click()
    expect(page.get_by_role("heading", name="À traiter", exact=True)).to_be_visible()
    retard = page.locator("section", has=page.get_by_role("heading", name=re.compile("Compte-rendu en retard")))
    expect(retard).to_contain_text("échéance dépassée")
    expect(retard).to_contain_text("suivi par Camille Coordination")
    shot(page, "file de travail")
    assert not _serious(page)

    # Only what Camille follows: the late report stays.
    page.get_by_label("Suivi par").select_option(label="Moi")
    page.get_by_role("button", name="Filtrer").click()
    retard = page.locator("section", has=page.get_by_role("heading", name=re.compile("Compte-rendu en retard")))
    retard.get_by_role("link", name=re.compile("ACC-2026-0007")).click()
    expect(page).to_have_url(re.compile(reverse("accompagnements:seance_detail", args=[seance.pk])))
    expect(page.get_by_role("heading", name="Compte-rendu")).to_be_visible()
    shot(page, "la séance au compte-rendu en retard")

    page.get_by_role("navigation", name="Fil d’Ariane").get_by_role("link", name="ACC-2026-0007").click()
    expect(page.get_by_role("heading", name="Accompagnement ACC-2026-0007")).to_be_visible()
    assert not _serious(page)

    liens = page.get_by_role("navigation", name="Liens de l’accompagnement ACC-2026-0007")
    liens.get_by_role("link", name="Convention").click()
    expect(page).to_have_url(re.compile("#convention$"))
    expect(page.locator("#convention")).to_contain_text(convention.reference)
    expect(page.locator("#convention")).to_contain_text("Signée par les trois parties")
    shot(page, "sa convention")

    liens.get_by_role("link", name="Ligne budgétaire").click()
    expect(page.get_by_role("heading", name="Ligne budgétaire – ACC-2026-0007")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(convention.reference)  # the commitment of the signed convention
    shot(page, "sa ligne budgétaire")
    assert not _serious(page)

    # And back: to the accompagnement, then to the file, which leads again to the budget line.
    page.get_by_role("navigation", name="Liens de l’accompagnement ACC-2026-0007").get_by_role(
        "link", name="Accompagnement ACC-2026-0007"
    ).click()
    expect(page.get_by_role("heading", name="Accompagnement ACC-2026-0007")).to_be_visible()
    page.get_by_role("navigation", name="Liens de l’accompagnement ACC-2026-0007").get_by_role(
        "link", name="Dossier TSF-2026-0007"
    ).click()
    expect(page.get_by_role("heading", name="Dossier TSF-2026-0007")).to_be_visible()
    page.get_by_role("navigation", name="Liens de l’accompagnement ACC-2026-0007").get_by_role(
        "link", name="Ligne budgétaire"
    ).click()
    expect(page.get_by_role("heading", name="Ligne budgétaire – ACC-2026-0007")).to_be_visible()
    shot(page, "retour par le dossier")

    # The same accompagnement from the list, and from the search box in the header.
    page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Accompagnements").click()
    expect(page.get_by_role("heading", name="Accompagnements", exact=True)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("ACC-2026-0007")
    assert not _serious(page)
    page.get_by_label("Chercher une référence, une personne ou une structure").fill("Dynamo")
    page.get_by_role("navigation", name="Coordination").get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="Recherche", exact=True)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name=re.compile("ACC-2026-0007")).click()
    expect(page.get_by_role("heading", name="Accompagnement ACC-2026-0007")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_new_coordination_pages_pass_axe_and_do_not_scroll_at_320_px(browser, live_server):
    coordinatrice, accompagnement, _convention, _seance = _scene()
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True, viewport={"width": 320, "height": 800}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    try:
        login(page, coordinatrice.email, DEFAULT_PASSWORD)
        pages = [
            reverse("plateforme:a_traiter"),
            reverse("plateforme:a_traiter") + "?type=compte_rendu_en_retard",
            reverse("accompagnements:list"),
            reverse("budget:accompagnement_ligne", args=[accompagnement.pk]),
            reverse("plateforme:recherche") + "?q=Dynamo",
            reverse("candidatures:coordination_detail", args=[accompagnement.candidature_id]),
            reverse("accompagnements:detail", args=[accompagnement.pk]),
        ]
        wide, violations = [], {}
        for path in pages:
            response = page.goto(page.base_url + path)
            assert response is not None and response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide.append(f"{path} ({width} px)")
            found = _serious(page)
            if found:
                violations[path] = found
        # The menu opens on a phone and still does not scroll sideways.
        page.get_by_role("button", name="Afficher ou masquer le menu de la coordination").click()
        expect(page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Budget")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide.append(f"menu ouvert ({width} px)")
        assert not wide, f"Pages wider than 320 px: {wide}"
        assert not violations, "\n".join(f"{path}: {v}" for path, found in violations.items() for v in found)
    finally:
        context.close()
