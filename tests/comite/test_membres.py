"""A committee per programme (comite.MembreComite): a member of programme B's committee does not find
programme A's files, meetings, opinions, dashboards or exports; a member of A does."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from budget.models import Export, TypeExport
from candidatures import services as candidatures_services
from comite import services
from comite.models import MembreComite
from core.exceptions import PermissionRefused
from core.permissions import may
from tests.candidatures.coordination_helpers import piece, soumise
from tests.factories import CandidatureFactory, ProgrammeFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deux_comites(programme, coordinateur):
    """Programme A (the fixture's) with a file put to its committee on a meeting, and programme B with
    its own committee: one member on each."""
    autre = ProgrammeFactory(nom="PEER CULTURE (test)", nom_comite="comité de pilotage", prefixe_reference="PEER")
    dossier = soumise(programme, structure=StructureFactory(raison_sociale="La Friche du Canal"))
    document = piece(dossier, "budget.pdf")
    saisine = services.saisine_create(candidature=dossier, by=coordinateur, question="Avis ?", pieces=[document])
    reunion = services.reunion_comite_save(
        programme=programme, by=coordinateur, date=timezone.now() + datetime.timedelta(days=10), saisines=[saisine]
    )
    membre_a = UserFactory(email="membre-a@exemple.test", roles=[roles.COMITE], comite=[programme])
    membre_b = UserFactory(email="membre-b@exemple.test", roles=[roles.COMITE], comite=[autre])
    return {
        "a": programme,
        "b": autre,
        "dossier": dossier,
        "piece": document,
        "saisine": saisine,
        "reunion": reunion,
        "membre_a": membre_a,
        "membre_b": membre_b,
    }


def _pages(w) -> dict[str, str]:
    a = w["a"]
    return {
        "saisine": reverse("comite:saisine_detail", args=[w["saisine"].pk]),
        "piece": reverse("comite:saisine_piece", args=[w["saisine"].pk, w["piece"].pk]),
        "reunion": reverse("comite:reunion_detail", args=[w["reunion"].pk]),
        "reunions": reverse("comite:reunion_list") + f"?programme={a.pk}",
        "tableau_de_bord": reverse("budget:tableau_de_bord") + f"?programme={a.pk}",
        "grand_livre": reverse("budget:grand_livre", args=[a.pk]),
        "documents": reverse("budget:documents", args=[a.pk]),
        "resultats": reverse("evaluations:resultats_programme", args=[a.pk]),
    }


def test_a_member_of_another_programmes_committee_gets_404_on_the_first_ones_pages(client, deux_comites):
    w = deux_comites
    client.force_login(w["membre_b"])
    for name, url in _pages(w).items():
        assert client.get(url).status_code == 404, name
    # Nor can they ask for a document of programme A, nor give an opinion on its file.
    response = client.post(reverse("budget:export_request", args=[w["a"].pk]), {"type_export": TypeExport.RAPPORT_PDF})
    assert response.status_code == 404 and not Export.objects.exists()
    assert client.post(_pages(w)["saisine"], {"sens": "favorable"}).status_code == 404
    with pytest.raises(PermissionRefused, match="membre du comité du programme"):
        services.avis_give(saisine=w["saisine"], membre=w["membre_b"], sens="favorable")
    # The committee's list, its own meetings and its own dashboards: nothing of programme A.
    listing = client.get(reverse("comite:saisine_list"))
    assert listing.status_code == 200 and w["dossier"].reference not in listing.content.decode()
    reunions = client.get(reverse("comite:reunion_list"))
    assert reunions.status_code == 200 and w["b"].nom in reunions.content.decode()
    assert "Réunions du comité de pilotage" in reunions.content.decode()  # each programme names its committee
    tableau = client.get(reverse("budget:tableau_de_bord"))
    assert tableau.status_code == 200 and w["b"].nom in tableau.content.decode() and w["a"].nom not in tableau.content.decode()
    comparaison = client.get(reverse("budget:comparaison")).content.decode()
    assert w["b"].nom in comparaison and w["a"].nom not in comparaison
    resultats = client.get(reverse("evaluations:resultats"))
    assert resultats.status_code == 200 and w["a"].nom not in resultats.content.decode()
    # The space and the search find nothing of A either.
    assert w["dossier"].reference not in client.get(reverse("accounts:home")).content.decode()
    recherche = client.get(reverse("plateforme:recherche"), {"q": w["dossier"].reference})
    assert recherche.status_code == 200 and "La Friche du Canal" not in recherche.content.decode()


def test_a_member_of_the_programmes_committee_reads_it_finds_it_and_gives_an_opinion(client, deux_comites):
    w = deux_comites
    client.force_login(w["membre_a"])
    for name, url in _pages(w).items():
        assert client.get(url).status_code == 200, name
    assert "transmis au comité technique" in client.get(_pages(w)["saisine"]).content.decode()
    listing = client.get(reverse("comite:saisine_list")).content.decode()
    assert w["dossier"].reference in listing
    recherche = client.get(reverse("plateforme:recherche"), {"q": "Friche"}).content.decode()
    assert "La Friche du Canal" in recherche and _pages(w)["saisine"] in recherche
    response = client.post(_pages(w)["saisine"], {"sens": "favorable"}, follow=True)
    assert "Votre avis est enregistré." in response.content.decode()
    assert w["saisine"].avis.get().membre == w["membre_a"]


def test_the_rules_answer_per_programme(deux_comites):
    w = deux_comites
    assert may(w["membre_a"], "comite.consulter", w["saisine"]) and may(w["membre_a"], "budget.consulter", w["a"])
    assert not may(w["membre_b"], "comite.consulter", w["saisine"])
    assert not may(w["membre_b"], "comite.donner_avis", w["saisine"])
    assert not may(w["membre_b"], "budget.consulter", w["a"]) and not may(w["membre_b"], "evaluation.resultats", w["a"])
    # Without an object the role answers (the committee's menu, its lists).
    assert may(w["membre_b"], "comite.consulter") and may(w["membre_b"], "budget.consulter")


def test_the_coordination_seats_a_member_closes_the_seat_and_nobody_else_may(client, deux_comites, coordinateur):
    w = deux_comites
    personne = UserFactory(email="drac@exemple.test", roles=[])
    with pytest.raises(PermissionRefused):
        services.membre_comite_set(programme=w["a"], user=personne, by=w["membre_a"])
    siege = services.membre_comite_set(programme=w["a"], user=personne, by=coordinateur, qualite=" DRAC Occitanie ")
    assert (siege.qualite, siege.actif) == ("DRAC Occitanie", True)
    personne.refresh_from_db()
    assert roles.COMITE in set(personne.groups.values_list("name", flat=True))  # the seat gives the role
    client.force_login(personne)
    assert client.get(_pages(w)["saisine"]).status_code == 200
    services.membre_comite_set(programme=w["a"], user=personne, by=coordinateur, actif=False)
    assert MembreComite.objects.filter(user=personne).count() == 1
    assert client.get(_pages(w)["saisine"]).status_code == 404


def test_existing_committee_members_sit_on_every_existing_programme_after_the_migration(deux_comites):
    """The data migration keeps what existing members read: a seat on every programme."""
    w = deux_comites
    ancien = UserFactory(email="ancien@exemple.test", roles=[roles.COMITE])
    migration = importlib.import_module("comite.migrations.0004_membres_existants")
    migration.sieges(apps, None)
    assert set(MembreComite.objects.filter(user=ancien).values_list("programme", flat=True)) == {w["a"].pk, w["b"].pk}
    assert MembreComite.objects.filter(user=w["membre_a"]).count() == 2  # no duplicate, one more seat


def test_references_carry_the_programmes_prefix(candidat):
    tsf = ProgrammeFactory(date_debut=datetime.date(2026, 1, 5), taux_journalier=Decimal("500.00"))
    peer = ProgrammeFactory(date_debut=datetime.date(2026, 11, 1), prefixe_reference="PEER")
    premiere = CandidatureFactory(programme=tsf, candidat=candidat)
    deuxieme = CandidatureFactory(programme=peer, candidat=candidat)
    troisieme = CandidatureFactory(programme=peer, candidat=candidat)
    for candidature in (premiere, deuxieme, troisieme):
        candidatures_services.candidature_submit(candidature=candidature, by=candidat)
    assert [c.reference for c in (premiere, deuxieme, troisieme)] == ["TSF-2026-0001", "PEER-2026-0001", "PEER-2026-0002"]


def test_the_admin_seats_a_member_through_the_service_and_closes_the_seat(admin_client, programme):
    personne = UserFactory(email="cnm@exemple.test", roles=[])
    response = admin_client.post(
        reverse("admin:comite_membrecomite_add"),
        {"programme": programme.pk, "user": personne.pk, "qualite": "CNM", "actif": "on"},
    )
    assert response.status_code == 302
    siege = MembreComite.objects.get(user=personne)
    assert (siege.programme, siege.qualite, siege.actif) == (programme, "CNM", True)
    assert roles.COMITE in set(personne.groups.values_list("name", flat=True))
    change = admin_client.post(reverse("admin:comite_membrecomite_change", args=[siege.pk]), {"qualite": "CNM"})
    assert change.status_code == 302
    siege.refresh_from_db()
    assert not siege.actif
    listing = admin_client.get(reverse("admin:comite_membrecomite_changelist")).content.decode()
    assert "cnm@exemple.test" in listing or "CNM" in listing


def test_copying_a_programme_copies_its_active_committee_seats(programme, coordinateur):
    from accounts.models import User
    from programmes.services import programme_copier

    membre = UserFactory(email="drac@exemple.test", roles=[roles.COMITE], comite=[programme])
    MembreComite.objects.filter(programme=programme, user=membre).update(qualite="DRAC Occitanie")
    ancien = UserFactory(email="ancien@exemple.test", roles=[roles.COMITE], comite=[programme])
    MembreComite.objects.filter(programme=programme, user=ancien).update(actif=False)
    suivant = programme_copier(
        source=programme,
        nom="Programme 2027",
        slug="programme-2027",
        date_debut=datetime.date(2027, 1, 1),
        date_fin=datetime.date(2027, 12, 31),
        par=coordinateur,
    )
    sieges = list(MembreComite.objects.filter(programme=suivant).values_list("user__email", "qualite", "actif"))
    assert sieges == [("drac@exemple.test", "DRAC Occitanie", True)]
    # The source keeps its seats; the member now reads both years' committee, the former member neither new one.
    assert MembreComite.objects.filter(programme=programme).count() == 2
    assert set(roles.programmes_comite(User.objects.get(pk=membre.pk))) == {programme.pk, suivant.pk}
    assert suivant.pk not in set(roles.programmes_comite(User.objects.get(pk=ancien.pk)))
