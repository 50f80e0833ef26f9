"""The admin's select boxes keep a coordinator to their pilots' programmes (issue 16): the add and change forms
offer only their programmes, formats and pilot structures; a posted id of another pilot's row is a field
error; a superuser is offered every row."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from comite.models import ReunionComite
from core.admin_helpers import ReadOnlyAdminMixin, ScopedChoicesMixin
from programmes.models import StructurePilote
from tests.factories import ProgrammeFactory, UserFactory


@pytest.fixture
def deux_pilotes(db):
    tsf = ProgrammeFactory(nom="TSF Occitanie 2026")
    pilote_b = StructurePilote.objects.create(nom="MA Sphère (fictif)", email="coordination@ma-sphere.example")
    peer = ProgrammeFactory(nom="PEER CULTURE 2026", pilote=pilote_b)
    coord_b = UserFactory(email="coord-b@exemple.test", roles=["coordination"])
    pilote_b.coordinateurs.add(coord_b)
    return {"tsf": tsf, "peer": peer, "pilote_a": tsf.pilote, "pilote_b": pilote_b, "coord_b": coord_b}


def _options(html: str, name: str) -> set[str]:
    """The values offered by the select box `name` of the page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    return {value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value}


def _ids(*objects) -> set[str]:
    return {str(obj.pk) for obj in objects}


def test_a_coordinators_add_forms_offer_only_their_pilots_programmes_formats_and_pilots(deux_pilotes, client):
    peer = deux_pilotes["peer"]
    client.force_login(deux_pilotes["coord_b"])
    reunion = client.get(reverse("admin:comite_reunioncomite_add"))
    assert reunion.status_code == 200
    assert _options(reunion.content.decode(), "programme") == _ids(peer)
    atelier = client.get(reverse("admin:ateliers_atelier_add")).content.decode()
    assert _options(atelier, "programme") == _ids(peer)
    assert _options(atelier, "format") == _ids(*peer.formats.all())
    programme = client.get(reverse("admin:programmes_programme_add")).content.decode()
    assert _options(programme, "pilote") == _ids(deux_pilotes["pilote_b"])


def test_a_coordinators_change_form_does_not_offer_the_other_pilots_programme(deux_pilotes, client):
    from django.utils import timezone

    reunion = ReunionComite.objects.create(programme=deux_pilotes["peer"], date=timezone.now(), lieu="Toulouse")
    client.force_login(deux_pilotes["coord_b"])
    page = client.get(reverse("admin:comite_reunioncomite_change", args=[reunion.pk]))
    assert page.status_code == 200
    assert _options(page.content.decode(), "programme") == _ids(deux_pilotes["peer"])


def test_a_posted_id_of_another_pilots_programme_is_a_field_error(deux_pilotes, client):
    client.force_login(deux_pilotes["coord_b"])
    data = {
        "programme": deux_pilotes["tsf"].pk,
        "date_0": "2026-06-01",
        "date_1": "10:00",
        "lieu": "Ailleurs",
        "ordre_du_jour": "",
        "compte_rendu": "",
        "saisines-TOTAL_FORMS": "0",
        "saisines-INITIAL_FORMS": "0",
        "saisines-MIN_NUM_FORMS": "0",
        "saisines-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("admin:comite_reunioncomite_add"), data)
    assert response.status_code == 200
    assert "programme" in response.context["adminform"].form.errors
    assert not ReunionComite.objects.exists()
    # The same form with their own programme is saved: the refusal was the scope, not the data.
    response = client.post(reverse("admin:comite_reunioncomite_add"), {**data, "programme": deux_pilotes["peer"].pk})
    assert response.status_code == 302
    assert list(ReunionComite.objects.values_list("programme", flat=True)) == [deux_pilotes["peer"].pk]


def test_a_superuser_is_offered_every_pilots_rows(deux_pilotes, admin_client):
    tsf, peer = deux_pilotes["tsf"], deux_pilotes["peer"]
    reunion = admin_client.get(reverse("admin:comite_reunioncomite_add")).content.decode()
    assert _options(reunion, "programme") == _ids(tsf, peer)
    atelier = admin_client.get(reverse("admin:ateliers_atelier_add")).content.decode()
    assert _options(atelier, "format") == _ids(*tsf.formats.all(), *peer.formats.all())
    programme = admin_client.get(reverse("admin:programmes_programme_add")).content.decode()
    assert _options(programme, "pilote") == _ids(deux_pilotes["pilote_a"], deux_pilotes["pilote_b"])


def test_every_admin_form_that_writes_scopes_its_choices():
    """A new admin or inline built on Django's bare classes would offer every pilot's rows: refused here."""
    from accounts.services import DOMAIN_APPS

    unscoped = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in DOMAIN_APPS:
            continue  # Django's and allauth's own admins: groups, e-mail addresses, no programme
        candidates = [type(model_admin), *model_admin.inlines]
        for cls in candidates:
            if issubclass(cls, ReadOnlyAdminMixin) or issubclass(cls, ScopedChoicesMixin):
                continue
            unscoped.append(f"{model._meta.label}: {cls.__name__}")
    assert unscoped == []
