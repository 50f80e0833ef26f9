import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory


def verified_user(**kwargs):
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def allauth_login(client, user, password=DEFAULT_PASSWORD):
    """Log in through allauth's form, as a person would (not force_login)."""
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


@pytest.fixture
def personne(db):
    return verified_user(email="personne@exemple.test", roles=["candidat"])


@pytest.fixture
def coordinatrice(db):
    return verified_user(email="coordinatrice@exemple.test", roles=["coordination"])
