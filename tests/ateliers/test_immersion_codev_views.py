"""Pages of the co-développement groups (coordination list and detail, the member's space, attendance)
and of the immersion days (objectives and each one's report from their space)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ateliers import services
from ateliers.models import PresenceGroupe
from tests.ateliers.conftest import beneficiaires, dans
from tests.ateliers.test_immersion_codev import format_codev, format_immersion
from tests.factories import PersonneRessourceFactory


@pytest.fixture
def groupe(programme, coordinateur):
    groupe = services.groupe_create(
        programme=programme,
        format=format_codev(programme),
        nom="Co-dev diffusion",
        animateur=PersonneRessourceFactory(),
        by=coordinateur,
    )
    for personne in beneficiaires(3):
        services.groupe_membre_ajouter(groupe=groupe, personne=personne, by=coordinateur)
    return groupe


@pytest.mark.django_db
def test_the_coordination_lists_the_groups_and_plans_a_meeting_on_a_members_problem(client, coordinateur, groupe):
    client.force_login(coordinateur)
    liste = client.get(reverse("ateliers:groupes"))
    assert liste.status_code == 200 and "Co-dev diffusion" in liste.content.decode() and "3 membres" in liste.content.decode()
    membre = groupe.membres.first()
    debut = timezone.localtime(dans(days=5))
    response = client.post(
        reverse("ateliers:groupe_seance_planifier", args=[groupe.pk]),
        {
            "date": debut.date().isoformat(),
            "heure": "14:00",
            "duree": 1,
            "client": membre.pk,
            "problematique": "Trouver des lieux de diffusion",
            "lieu": "MA Sphère",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("ateliers:groupe_detail", args=[groupe.pk])).content.decode()
    assert "Trouver des lieux de diffusion" in page and membre.personne.email in page
    refused = client.post(
        reverse("ateliers:groupe_seance_planifier", args=[groupe.pk]),
        {"date": debut.date().isoformat(), "heure": "14:00", "duree": 1, "client": membre.pk},
    )
    assert refused.status_code == 400 and "Indiquez un lieu ou un lien de visioconférence." in refused.content.decode()


@pytest.mark.django_db
def test_the_facilitator_records_attendance_and_a_member_sees_the_group_in_their_space(client, coordinateur, groupe):
    membres = list(groupe.membres.select_related("personne"))
    seance = services.seance_groupe_planifier(
        groupe=groupe, debut=dans(days=2), duree=1, client=membres[0], lieu="MA Sphère", by=coordinateur
    )
    client.force_login(groupe.animateur.user)
    with time_machine.travel(dans(days=3)):
        response = client.post(
            reverse("ateliers:groupe_presences", args=[seance.pk]), {"presents": [membres[0].pk, membres[2].pk]}
        )
    assert response.status_code == 302
    assert not PresenceGroupe.objects.get(seance=seance, membre=membres[1]).present
    client.force_login(membres[1].personne)
    espace = client.get(reverse("accounts:home"))
    assert espace.status_code == 200 and "Co-dev diffusion" in espace.content.decode()
    assert client.get(reverse("ateliers:groupe_detail", args=[groupe.pk])).status_code == 200
    (etranger,) = beneficiaires(1)
    client.force_login(etranger)
    assert client.get(reverse("ateliers:groupe_detail", args=[groupe.pk])).status_code == 404


@pytest.mark.django_db
def test_each_of_the_pair_writes_their_report_from_their_space_and_the_immersion_closes(client, programme, coordinateur):
    (mentore,) = beneficiaires(1)
    immersion = services.immersion_create(
        programme=programme,
        format=format_immersion(programme),
        mentore=mentore,
        mentor=PersonneRessourceFactory(),
        jour=timezone.localdate() + datetime.timedelta(days=3),
        by=coordinateur,
    )
    url = reverse("ateliers:immersion_detail", args=[immersion.pk])
    client.force_login(mentore)
    assert "Vis ma vie" in client.get(reverse("accounts:home")).content.decode()
    vide = client.post(reverse("ateliers:immersion_objectifs", args=[immersion.pk]), {"objectifs": " "})
    assert vide.status_code == 400
    client.post(reverse("ateliers:immersion_objectifs", args=[immersion.pk]), {"objectifs": "Découvrir une régie de tournée."})
    assert "Découvrir une régie de tournée." in client.get(url).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=4)):
        client.post(
            reverse("ateliers:immersion_rapport", args=[immersion.pk]), {"texte": "J’ai appris à lire un budget de tournée."}
        )
        client.force_login(immersion.mentor.user)
        response = client.post(reverse("ateliers:immersion_rapport", args=[immersion.pk]), {"texte": "Un regard neuf."})
        assert response.status_code == 302
        page = client.get(url).content.decode()
    assert "Close (comptes rendus remis)" in page
    assert "J’ai appris à lire un budget de tournée." in page and "Un regard neuf." in page
    (autre,) = beneficiaires(1)
    client.force_login(autre)
    assert client.get(url).status_code == 404
