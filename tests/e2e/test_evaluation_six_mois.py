"""A beneficiary answers the 6-month questionnaire from the link of the e-mail, without logging in;
the committee's results page shows the answer."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accompagnements.models import Accompagnement
from relances.planning import relances_planifier
from relances.services import relances_envoyer_dues
from tests.factories import DEFAULT_PASSWORD, UserFactory, convention_signee
from tests.relances.conftest import build_dossier


def login(page, email: str, password: str) -> None:
    # tests/e2e/conftest.py's login() looks for the label "Adresse e-mail"; allauth's field is
    # labelled "Courriel" here: use the field ids (reported, not changed in the shared file).
    page.goto(page.base_url + "/comptes/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name=re.compile("Connexion|Se connecter")).click()


@pytest.mark.django_db(transaction=True)
def test_six_month_link_from_the_email_then_committee_sees_the_answer(page, shot, assert_accessible):
    dossier = build_dossier(etat="convention")
    convention_signee(dossier.accompagnement, coordinateur=dossier.coordinateur, le=timezone.now() - datetime.timedelta(days=220))
    Accompagnement.objects.filter(pk=dossier.accompagnement.pk).update(etat="termine")
    Accompagnement.objects.filter(pk=dossier.accompagnement.pk).update(termine_le=timezone.now() - datetime.timedelta(days=190))
    relances_planifier()
    relances_envoyer_dues()
    # The beneficiary also gets the exit questionnaire (opened by the same scan): take the 6-month one.
    (message,) = [m for m in mail.outbox if m.to == [dossier.beneficiaire.email] and "six mois" in m.subject.lower()]
    url = re.search(r"https?://\S+/evaluations/questionnaire/\S+/", message.body).group(0)

    page.goto(page.base_url + urlsplit(url).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Questionnaire à 6 mois")
    assert_accessible(page)
    page.get_by_label("Dossiers de mécénat déposés : valeur aujourd’hui (en dossiers)").fill("3")
    page.locator(f'input[name="indicateur_{dossier.qualitatif.pk}"][value="4"]').check()
    page.locator('input[name="outils_utilises"][value="oui"]').check()
    page.get_by_label("Où en est votre projet ?").fill("Deux mécènes nous soutiennent désormais.")
    page.locator('input[name="emploi"][value="cree"]').check()
    page.locator('input[name="personne_ressource"][value="envisage"]').check()
    shot(page, "questionnaire-rempli")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour vos réponses")
    shot(page, "merci")

    membre = UserFactory(
        email="membre-comite@exemple.test", roles=["comite_technique"], comite=[dossier.accompagnement.programme]
    )
    EmailAddress.objects.create(user=membre, email=membre.email, verified=True, primary=True)
    login(page, membre.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    page.get_by_role("link", name=re.compile("Résultats des évaluations")).click()
    expect(page.locator("#reponses-six-mois")).to_have_text("1")
    expect(page.get_by_role("row", name=re.compile("Emploi créé"))).to_contain_text("1")
    expect(page.get_by_role("row", name=re.compile("6 mois – bénéficiaires"))).to_contain_text("100 %")
    shot(page, "resultats-comite")
    assert_accessible(page)
