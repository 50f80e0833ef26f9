"""The coordination sets a format's kind, unit, capacity and fee in the admin, and schedules an atelier
there through the services (the format's defaults; fewer places than registrations refused in French)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ateliers import services
from ateliers.models import Atelier
from programmes.models import Format
from tests.ateliers.conftest import beneficiaires, dans

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-admin-42"))
    return client


def test_a_new_format_keeps_the_tsf_defaults(programme):
    tsf = Format.objects.get(programme=programme, code="tsf")
    assert (tsf.nature, tsf.unite, tsf.participation_non_membre) == ("individuel", "demi_journee", Decimal("0.00"))


def test_the_coordination_makes_a_format_collective_then_schedules_an_atelier_with_its_defaults(admin_client, programme):
    fmt = Format.objects.get(programme=programme, code="mentorat")
    url = reverse("admin:programmes_format_change", args=[fmt.pk])
    data = {
        "programme": programme.pk,
        "code": "atelier",
        "libelle": "Atelier collectif",
        "description": "",
        "demi_journees_min": 1,
        "demi_journees_max": 8,
        "ecart_max_jours": 14,
        "participants_max": 12,
        "nature": "collectif",
        "unite": "demi_journee",
        "participation_non_membre": "18.00",
        "seance_duree_max": 2,
        "personne_ressource_remuneree": "on",
        "ordre": 1,
        "actif": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    fmt.refresh_from_db()
    assert (fmt.nature, fmt.participants_max, fmt.participation_non_membre) == ("collectif", 12, Decimal("18.00"))

    debut = timezone.localtime(dans(days=9))
    response = admin_client.post(
        reverse("admin:ateliers_atelier_add"),
        {
            "programme": programme.pk,
            "format": fmt.pk,
            "titre": "Modèle économique",
            "theme": "",
            "debut_0": debut.strftime("%d/%m/%Y"),
            "debut_1": "14:00:00",
            "duree": 1,
            "lieu": "Toulouse",
            "lien_visio": "",
            "personne_ressource": "",
            "capacite": "",
            "participation_non_membre": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    atelier = Atelier.objects.get(titre="Modèle économique")
    assert (atelier.capacite, atelier.participation_non_membre) == (12, Decimal("18.00"))
    assert timezone.localtime(atelier.debut).hour == 14


def test_fewer_places_than_registered_is_refused_in_the_admin(admin_client, atelier):
    for p in beneficiaires(3):
        services.inscription_create(atelier=atelier, participant=p, by=p)
    url = reverse("admin:ateliers_atelier_change", args=[atelier.pk])
    local = timezone.localtime(atelier.debut)
    data = {
        "programme": atelier.programme_id,
        "format": atelier.format_id,
        "titre": atelier.titre,
        "theme": "",
        "debut_0": local.strftime("%d/%m/%Y"),
        "debut_1": local.strftime("%H:%M:%S"),
        "duree": 1,
        "lieu": atelier.lieu,
        "lien_visio": "",
        "personne_ressource": atelier.personne_ressource_id,
        "capacite": 2,
        "participation_non_membre": "18.00",
    }
    response = admin_client.post(url, data, follow=True)
    assert "l’atelier ne peut pas avoir moins de places" in response.content.decode()
    atelier.refresh_from_db()
    assert atelier.capacite == 12
