"""The personal-data notice and the accessibility statement say what the law asks."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_personal_data_page_states_controller_purposes_bases_retention_and_rights(client, settings):
    settings.TSF_RETENTION = {**settings.TSF_RETENTION, "sans_suite_mois": 18}
    html = client.get(reverse("core:donnees_personnelles")).content.decode()
    assert settings.TSF_PILOT["name"] in html and settings.TSF_PILOT["email"] in html  # controller and contact
    for words in ("Responsable du traitement", "Pourquoi, et sur quelle base légale", "consentement", "convention tripartite"):
        assert words in html
    assert "non retenue, réorientée ou retirée : 18 mois" in html  # periods come from the settings
    for right in ("rectifier", "effacer", "portabilité", "CNIL"):
        assert right in html
    assert reverse("core:donnees_personnelles") in client.get(reverse("core:home")).content.decode()


def test_accessibility_statement_is_honest_and_gives_a_contact(client, settings):
    html = client.get(reverse("core:accessibilite")).content.decode()
    # The mention follows the self-audit grid's rate, and says it is a self-assessment, not an audit.
    assert "partiellement conforme" in html and "auto-évaluation" in html and "non sur un audit indépendant" in html
    assert settings.TSF_PILOT["email"] in html
    assert "Défenseur des droits" in html
