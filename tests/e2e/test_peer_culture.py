"""PEER CULTURE in the browser (issue 16): a coaching in hours extended beyond its format's 28 h is refused
next to the field; an immersion day and its two reports, each written by its author from their own space;
the immersion shows closed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accompagnements.models import Accompagnement, EtatAccompagnement
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


@pytest.mark.django_db(transaction=True)
def test_peer_culture_coaching_extended_to_30_hours_is_refused_with_the_formats_message(page, shot, assert_accessible):
    _load_peer_culture()
    coaching = (
        Accompagnement.objects.filter(format__code="coaching", etat=EtatAccompagnement.EN_COURS, demi_journees_prevues__lt=28)
        .order_by("pk")
        .first()
    )
    assert coaching is not None, "the PEER CULTURE demo runs coachings under 28 h"
    login(page, peer_culture.COORDINATION.email, data.MOT_DE_PASSE)
    page.goto(f"{page.base_url}/accompagnements/{coaching.pk}/")
    page.get_by_role("link", name="Prolonger l’accompagnement").click()
    expect(page.get_by_test_id("duree-prevue")).to_contain_text(f"Durée prévue aujourd’hui : {coaching.demi_journees_prevues} h")
    page.get_by_label("Nouvelle durée prévue").fill("30")
    page.get_by_label("Motif de la prolongation").fill("Un second volet sur la diffusion des contenus.")
    page.get_by_role("button", name="Enregistrer la prolongation").click()
    # The format's words, next to the field (and in the form's summary).
    expect(page.locator("#div_id_demi_journees")).to_contain_text(re.compile(r"Le format .+ est limité à 28 h\."))
    expect(page.get_by_role("alert")).to_contain_text("Le format Accompagnement individuel est limité à 28 h.")
    expect(page.get_by_label("Nouvelle durée prévue")).to_have_value("30")
    expect(page.get_by_label("Motif de la prolongation")).to_have_value("Un second volet sur la diffusion des contenus.")
    assert_accessible(page)
    shot(page, "prolongation refusée au-delà de 28 h")
    # A duration that does not extend anything is refused next to the field too.
    page.get_by_label("Nouvelle durée prévue").fill(str(coaching.demi_journees_prevues))
    page.get_by_role("button", name="Enregistrer la prolongation").click()
    expect(page.locator("#div_id_demi_journees")).to_contain_text(
        f"Une prolongation porte la durée au-delà des {coaching.demi_journees_prevues} h prévues."
    )
    coaching.refresh_from_db()
    assert coaching.demi_journees_prevues < 28
