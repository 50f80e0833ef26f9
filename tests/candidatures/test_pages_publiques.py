import re
from urllib.parse import unquote

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, expected",
    [
        ("core:home", "Qui peut candidater ?"),
        ("core:faq", "Quels documents joindre ?"),
        ("core:devenir_personne_ressource", "Les conditions"),
        ("core:mentions_legales", "Éditeur du site"),
        ("core:donnees_personnelles", "Vos droits"),
        ("core:accessibilite", "Signaler un problème"),
    ],
)
def test_public_pages_are_written_in_french(client, name, expected):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_home_leads_to_signup_then_to_the_questionnaire(client):
    page = client.get(reverse("core:home")).content.decode()
    assert f"{reverse('account_signup')}?next={reverse('candidatures:deposer')}" in page


def test_account_emails_are_in_plain_french_with_their_link(client):
    password = "Une-phrase-solide-2026"
    client.post("/comptes/signup/", {"email": "nouvelle@exemple.test", "password1": password, "password2": password})
    body = mail.outbox[-1].body
    assert body.startswith("Bonjour,")
    assert "Pour confirmer votre adresse, ouvrez ce lien :" in body and "/comptes/confirm-email/" in body
    client.post("/comptes/password/reset/", {"email": "nouvelle@exemple.test"})
    body = mail.outbox[-1].body
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien :" in body and "/comptes/password/reset/key/" in body


def test_after_signup_and_email_confirmation_the_journey_goes_on_to_the_questionnaire(client):
    """Issue 15: `next=/candidatures/deposer/` survives the e-mail confirmation."""
    deposer = reverse("candidatures:deposer")
    password = "Une-phrase-solide-2026"
    response = client.post(
        f"{reverse('account_signup')}?next={deposer}",
        {"email": "suite@exemple.test", "password1": password, "password2": password, "next": deposer},
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/comptes/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert unquote(confirmed["Location"]) == f"{reverse('account_login')}?next={deposer}"
    login = client.get(confirmed["Location"])
    assert login.status_code == 200
    assert f'value="{deposer}"' in login.content.decode()
