"""What every page pays (issue 14): the session read in plain SQL, the roles in one plain query, the
header's and footer's URLs reversed once per process. Same answers as the ORM and `{% url %}`."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from accounts import roles
from accounts.models import User
from core.sessions import SessionStore
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_roles_are_the_groups_of_the_user():
    personne = UserFactory(roles=[roles.COORDINATION, roles.COMITE])
    autre = UserFactory(roles=[roles.CANDIDAT])
    sans_role = UserFactory()
    for user in (personne, autre, sans_role):
        fresh = User.objects.get(pk=user.pk)
        assert roles.role_names(fresh) == set(fresh.groups.values_list("name", flat=True))
    assert roles.role_names(User.objects.get(pk=personne.pk)) == {roles.COORDINATION, roles.COMITE}
    assert roles.role_names(User.objects.get(pk=sans_role.pk)) == set()


@pytest.mark.django_db
def test_the_session_store_reads_a_live_session_and_ignores_an_expired_one():
    store = SessionStore()
    store["cle"] = "valeur"
    store.save()
    assert SessionStore(store.session_key).load() == {"cle": "valeur"}
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # forgotten: a new key is made on the next save, as Django does
    assert SessionStore("absente-absente").load() == {}


@pytest.mark.django_db
def test_a_logged_in_client_stays_logged_in_through_the_store(client):
    user = UserFactory()
    client.force_login(user)
    assert client.session.__class__ is SessionStore
    assert client.get(reverse("accounts:home")).wsgi_request.user == user


def test_lien_gives_what_url_gives_under_any_script_prefix():
    template = engines["django"].from_string("{% load liens %}{% lien 'core:faq' %}|{% lien 'core:faq' as f %}{{ f }}")
    try:
        for prefix in ("/", "/sous-dossier/"):
            set_script_prefix(prefix)
            url = reverse("core:faq")
            assert url.startswith(prefix)
            assert template.render({}) == f"{url}|{url}"
    finally:
        set_script_prefix("/")
