"""PEER CULTURE in the browser (issue 16): an immersion day and its two reports, each written by its author
from their own space; the immersion shows closed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from annuaire.models import PersonneRessource
from ateliers import services as ateliers
from ateliers.models import Immersion
from plateforme.management.demo import data, peer_culture
from programmes.models import Format, Programme
from tests.e2e.conftest import login
from tests.e2e.test_ateliers import _load_peer_culture
from tests.e2e.test_sessions import logout


def _personne(key: str, people) -> tuple[str, str]:
    spec = next(p for p in people if p.key == key)
    return spec.prenom, spec.nom


def immersion_d_hier() -> Immersion:
    """Scene: the PEER CULTURE demo, plus a day that Oscar (a coached member) spent yesterday with
    Margaux (a volunteer mentor with an account); the coordination paired them and Oscar stated his
    objectives beforehand, through the services."""
    _load_peer_culture()
    programme = Programme.objects.get(formats__code="immersion", formats__nature="immersion")
    coordination = User.objects.get(email=peer_culture.COORDINATION.email)
    oscar = User.objects.get(first_name="Oscar", last_name="Antenne")
    margaux = PersonneRessource.objects.get(user__first_name="Margaux", user__last_name="Réseau")
    immersion = ateliers.immersion_create(
        programme=programme,
        format=Format.objects.get(programme=programme, code="immersion"),
        mentore=oscar,
        mentor=margaux,
        jour=timezone.localdate() - datetime.timedelta(days=1),
        lieu="Agence Plan Large, Toulouse (fictif)",
        by=coordination,
    )
    return ateliers.immersion_objectifs_remplir(
        immersion=immersion, objectifs="Voir comment l’agence prépare une campagne de lancement.", by=oscar
    )


@pytest.mark.django_db(transaction=True)
def test_peer_culture_immersion_day_both_reports_from_each_space_then_closed(page, shot, assert_accessible):
    immersion = immersion_d_hier()
    oscar, margaux = immersion.mentore, immersion.mentor.user
    lien = immersion.jour.strftime("%-d")

    # The mentee writes his report from his space.
    login(page, oscar.email, data.MOT_DE_PASSE)
    mes_immersions = page.get_by_test_id("mes-immersions")
    expect(mes_immersions.get_by_role("listitem").filter(has_text="Margaux")).to_contain_text("Prévue")
    mes_immersions.get_by_role("listitem").filter(has_text="Margaux").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Immersion de Oscar Antenne")
    expect(page.get_by_text("Voir comment l’agence prépare une campagne de lancement.")).to_be_visible()
    page.get_by_role("button", name="Remettre mon compte rendu").click()
    expect(page.locator("#id_texte")).to_have_class(re.compile("is-invalid"))  # an empty report: refused next to the field
    page.locator("#id_texte").fill("J’ai suivi la préparation d’une campagne ; je repars avec un rétroplanning.")
    page.get_by_role("button", name="Remettre mon compte rendu").click()
    expect(page.get_by_text("Votre compte rendu est remis.")).to_be_visible()
    expect(page.get_by_test_id("rapport-mentore")).to_contain_text("je repars avec un rétroplanning")
    expect(page.get_by_test_id("etat-immersion")).to_contain_text("Prévue")
    assert_accessible(page)
    shot(page, "compte rendu du mentoré")
    logout(page)

    # The mentor writes hers from her space: both reports are in, the immersion is closed.
    login(page, margaux.email, data.MOT_DE_PASSE)
    ligne = page.get_by_test_id("mes-immersions").get_by_role("listitem").filter(has_text=lien)
    ligne.get_by_role("link").first.click()
    expect(page.get_by_test_id("rapport-mentore")).to_contain_text("je repars avec un rétroplanning")
    page.locator("#id_texte").fill("Oscar a posé des questions précises sur le budget d’une campagne.")
    page.get_by_role("button", name="Remettre mon compte rendu").click()
    expect(page.get_by_text("Votre compte rendu est remis.")).to_be_visible()
    expect(page.get_by_test_id("rapport-mentor")).to_contain_text("Oscar a posé des questions précises")
    expect(page.get_by_test_id("etat-immersion")).to_contain_text("Close (comptes rendus remis)")
    expect(page.get_by_role("button", name="Remettre mon compte rendu")).to_have_count(0)
    shot(page, "immersion close")
    logout(page)

    login(page, oscar.email, data.MOT_DE_PASSE)
    expect(page.get_by_test_id("mes-immersions")).to_contain_text("Close (comptes rendus remis)")
