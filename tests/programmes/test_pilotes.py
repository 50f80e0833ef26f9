"""Several pilot structures on one instance (issue 16): each programme speaks for its pilot (e-mails, their
reply-to), a coordinator sees their pilots' programmes only (queue, counts, search), the home page lists the
open calls of every programme with its pilot."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidatures.models import Etat
from candidatures.services import candidature_message_post, message_send
from core.emails import render_email
from core.exceptions import DomainError
from plateforme import a_traiter
from programmes.models import StructurePilote
from tests.factories import CandidatureFactory, ProgrammeFactory, UserFactory


def _pilote_b() -> StructurePilote:
    return StructurePilote.objects.create(
        nom="MA Sphère (fictif)",
        adresse="2 place de l’Exemple",
        code_postal="31000",
        commune="Toulouse",
        representant_nom="Alex Exemple",
        representant_qualite="président·e",
        email="coordination@ma-sphere.example",
    )


@pytest.fixture
def deux_pilotes(db):
    """The TSF under the instance's first pilot with its coordinator; PEER CULTURE under MA Sphère with its own."""
    tsf = ProgrammeFactory(nom="TSF Occitanie 2026")
    coord_a = UserFactory(email="coord-a@exemple.test", roles=["coordination"])  # joins the only pilot
    pilote_b = _pilote_b()
    peer = ProgrammeFactory(nom="PEER CULTURE 2026", pilote=pilote_b)
    coord_b = UserFactory(email="coord-b@exemple.test", roles=["coordination"])  # two pilots now: nobody guesses
    pilote_b.coordinateurs.add(coord_b)
    return {"tsf": tsf, "peer": peer, "pilote_a": tsf.pilote, "pilote_b": pilote_b, "coord_a": coord_a, "coord_b": coord_b}


def test_a_new_coordinator_joins_the_only_pilot_but_is_not_guessed_one_when_there_are_two(deux_pilotes):
    assert list(deux_pilotes["coord_a"].structures_pilotes.all()) == [deux_pilotes["pilote_a"]]
    assert list(deux_pilotes["coord_b"].structures_pilotes.all()) == [deux_pilotes["pilote_b"]]
    nouveau = UserFactory(roles=["coordination"])
    assert not nouveau.structures_pilotes.exists()
    # Without a pilot, they see no programme's file (the rule never fails open).
    client = Client()
    client.force_login(nouveau)
    dossier = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE)
    assert client.get(reverse("candidatures:coordination_detail", args=[dossier.pk])).status_code == 404


def test_an_email_about_a_programme_answers_to_its_pilot_and_is_signed_by_it(deux_pilotes):
    dossier = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE)
    rendered = render_email("candidature_message", {"candidature": dossier, "message": None, "de_la_coordination": True})
    assert rendered.reply_to == "coordination@ma-sphere.example"
    assert "MA Sphère (fictif)" in rendered.text and "GE OPEP" not in rendered.text
    tsf = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE)
    assert render_email("candidature_message", {"candidature": tsf, "message": None}).reply_to == deux_pilotes["pilote_a"].email


def test_a_message_of_the_coordination_goes_out_with_the_pilots_reply_to(deux_pilotes, django_capture_on_commit_callbacks):
    dossier = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_send(candidature=dossier, auteur=deux_pilotes["coord_b"], texte="Pouvez-vous préciser ?")
    (message,) = [m for m in mail.outbox if dossier.candidat.email in m.to]
    assert message.reply_to == ["coordination@ma-sphere.example"]
    assert "MA Sphère (fictif)" in message.body
    # The applicant's answer goes to that pilot's address, not to the instance's settings.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        candidature_message_post(candidature=dossier, auteur=dossier.candidat, texte="Bien sûr.")
    assert [m.to for m in mail.outbox] == [["coordination@ma-sphere.example"]]
    # The first pilot's coordinator has no part in this file's thread.
    with pytest.raises(DomainError):
        message_send(candidature=dossier, auteur=deux_pilotes["coord_a"], texte="Bonjour")


def test_the_queue_and_its_counts_keep_each_coordinator_to_their_pilots_programmes(deux_pilotes, client):
    now = timezone.now()
    a1 = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE, soumise_le=now)
    a2 = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE, soumise_le=now)
    b1 = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE, soumise_le=now)
    kind = a_traiter.KINDS["candidature_a_verifier"]
    assert list(a_traiter.items(kind, now=now, user=deux_pilotes["coord_b"])) == [b1]
    assert set(a_traiter.items(kind, now=now, user=deux_pilotes["coord_a"])) == {a1, a2}
    assert a_traiter.total_menu_refresh(now=now)[0] == 3  # the instance's total (a superuser's menu)
    assert a_traiter.total_menu(deux_pilotes["coord_b"]) == (1, False)
    assert a_traiter.total_menu(deux_pilotes["coord_a"]) == (2, False)

    client.force_login(deux_pilotes["coord_b"])
    page = client.get(reverse("plateforme:a_traiter"))
    html = page.content.decode()
    assert page.status_code == 200 and b1.reference in html
    assert a1.reference not in html and a2.reference not in html
    assert 'data-testid="a-traiter-total">1<' in client.get(reverse("accounts:home")).content.decode()
    # The search finds nothing of the other pilot's files, and the file itself is not found.
    recherche = client.get(reverse("plateforme:recherche"), {"q": "TSF-TEST"}).content.decode()
    assert reverse("candidatures:coordination_detail", args=[b1.pk]) in recherche
    assert reverse("candidatures:coordination_detail", args=[a1.pk]) not in recherche
    assert client.get(reverse("candidatures:coordination_detail", args=[a1.pk])).status_code == 404
    assert client.get(reverse("candidatures:coordination_detail", args=[b1.pk])).status_code == 200


def test_the_home_page_lists_the_open_calls_of_both_programmes_with_their_pilot(deux_pilotes, client):
    ferme = ProgrammeFactory(nom="Programme clos 2024", appel_ouvert=False)
    html = client.get(reverse("core:home")).content.decode()
    assert "Appels à candidatures ouverts" in html
    assert "TSF Occitanie 2026" in html and deux_pilotes["pilote_a"].nom in html
    assert "PEER CULTURE 2026" in html and "porté par MA Sphère (fictif)" in html
    assert ferme.nom not in html


def test_the_pilots_logo_in_the_admin_takes_a_png_or_jpeg_only_stored_under_a_server_name(
    deux_pilotes, admin_client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.security.hostile_corpus import _png, corpus

    settings.MEDIA_ROOT = str(tmp_path)
    pilote = deux_pilotes["pilote_b"]
    url = reverse("admin:programmes_structurepilote_change", args=[pilote.pk])

    def post(name: str, content: bytes):
        data = {
            "nom": pilote.nom,
            "adresse": pilote.adresse,
            "code_postal": pilote.code_postal,
            "commune": pilote.commune,
            "representant_nom": pilote.representant_nom,
            "representant_qualite": pilote.representant_qualite,
            "email": pilote.email,
            "telephone": "",
            "siret": "",
            "coordinateurs": [deux_pilotes["coord_b"].pk],
            "logo": SimpleUploadedFile(name, content),
        }
        return admin_client.post(url, data)

    # Every hostile file and every PDF (a logo is an image) is refused with a message, nothing stored.
    for sample in corpus(64 * 1024):
        response = post(sample.name, sample.content)
        pilote.refresh_from_db()
        assert response.status_code == 200 and not pilote.logo, sample.label
    assert "Le logo doit être une image PNG ou JPEG." in post("statuts.pdf", b"%PDF-1.4 x").content.decode()
    # A real PNG under a hostile name: stored under a server-generated name, shown in the site's footer.
    response = post("../../logo\u202egnp.png", _png())
    assert response.status_code == 302
    pilote.refresh_from_db()
    assert pilote.logo.name.startswith(f"pilotes/{pilote.pk}/") and ".." not in pilote.logo.name
    assert pilote.identite()["logo_url"].endswith(".png")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_programmes_and_coordinators_the_pilot_of_the_settings(settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    # Found by name: the lead renumbers migrations on merge.
    (cible,) = [node for node in graph.nodes if node[0] == "programmes" and node[1].endswith("_structure_pilote")]

    def sans_cible(node):
        # The other apps' latest migration that does not need the pilot's (a later one may).
        while cible in graph.forwards_plan(node):
            node = next(p.key for p in graph.node_map[node].parents if p.key[0] == node[0])
        return node

    autres = [sans_cible(node) for node in graph.leaf_nodes() if node[0] != "programmes"]
    (parent,) = [p.key for p in executor.loader.graph.node_map[cible].parents if p.key[0] == "programmes"]
    avant = [*autres, parent]
    apres = [*autres, cible]
    executor.migrate(avant)
    old = executor.loader.project_state(avant).apps
    Programme = old.get_model("programmes", "Programme")
    User = old.get_model("accounts", "User")
    Group = old.get_model("auth", "Group")
    programme = Programme.objects.create(
        nom="TSF 2025", slug="tsf-2025", date_debut="2025-01-01", date_fin="2025-12-31", taux_journalier="500.00"
    )
    coordination, _created = Group.objects.get_or_create(name="coordination")
    ancienne = User.objects.create(email="ancienne-coordination@exemple.test")
    ancienne.groups.add(coordination)
    User.objects.create(email="candidate@exemple.test")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(apres)
    new = executor.loader.project_state(apres).apps
    pilote = new.get_model("programmes", "Programme").objects.get(pk=programme.pk).pilote
    assert pilote.nom == settings.TSF_PILOT["name"] and pilote.email == settings.TSF_PILOT["email"]
    assert (pilote.adresse, pilote.code_postal, pilote.commune) == ("1 rue de l'Exemple", "31000", "Toulouse")
    assert (pilote.representant_nom, pilote.representant_qualite) == ("Camille Exemple", "directrice")
    assert [u.email for u in pilote.coordinateurs.all()] == ["ancienne-coordination@exemple.test"]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_in_the_admin_a_coordinator_sees_the_rows_of_their_pilots_programmes_only(deux_pilotes, client):
    from accompagnements.models import CompteRendu
    from candidatures.models import Candidature
    from programmes.admin_scope import chemin_vers_programme
    from programmes.models import Programme, Structure

    assert chemin_vers_programme(Candidature) == "programme"
    assert chemin_vers_programme(CompteRendu) == "seance__accompagnement__programme"
    assert chemin_vers_programme(Structure) is None  # the instance's, shared
    a1 = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE)
    b1 = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE)
    client.force_login(deux_pilotes["coord_b"])
    liste = client.get(reverse("admin:candidatures_candidature_changelist")).content.decode()
    assert b1.reference in liste and a1.reference not in liste
    assert client.get(reverse("admin:candidatures_candidature_change", args=[b1.pk])).status_code == 200
    assert client.get(reverse("admin:candidatures_candidature_change", args=[a1.pk])).status_code == 302  # "n’existe pas"
    programmes = client.get(reverse("admin:programmes_programme_changelist")).content.decode()
    assert "PEER CULTURE 2026" in programmes and "TSF Occitanie 2026" not in programmes
    assert Programme.objects.count() == 2


def test_the_budget_comparison_of_a_coordinator_lists_their_pilots_programmes_with_the_pilot(deux_pilotes, client):
    client.force_login(deux_pilotes["coord_b"])
    html = client.get(reverse("budget:comparaison")).content.decode()
    assert "PEER CULTURE 2026" in html and "MA Sphère (fictif)" in html and "TSF Occitanie 2026" not in html
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    html = client.get(reverse("budget:comparaison")).content.decode()
    assert "PEER CULTURE 2026" in html and "TSF Occitanie 2026" in html and deux_pilotes["pilote_a"].nom in html


def test_a_group_message_of_a_coordinator_reaches_their_pilots_applicants_only(deux_pilotes):
    from relances import selectors as relances_selectors
    from relances.services import message_groupe_envoyer

    a1 = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE)
    b1 = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE)
    filtres = {"role": "candidat", "programme": None}
    groupe_b = relances_selectors.filtres_du_perimetre(filtres, deux_pilotes["coord_b"])
    personnes = list(relances_selectors.destinataires_groupe(groupe_b))
    assert b1.candidat in personnes and a1.candidat not in personnes
    apercu = relances_selectors.apercu_groupe(groupe_b, "Info", "Bonjour {prenom}")
    message = message_groupe_envoyer(
        filtres=filtres,  # a forged group without the perimeter: the service puts it back
        sujet="Info",
        corps="Bonjour {prenom}",
        nombre_annonce=apercu["nombre"],
        empreinte_annoncee=apercu["empreinte"],
        by=deux_pilotes["coord_b"],
    )
    assert list(message.destinataires.values_list("personne", flat=True)) == [b1.candidat_id]


def test_the_search_and_the_data_export_find_no_person_of_another_pilots_programme(deux_pilotes, client):
    a1 = CandidatureFactory(programme=deux_pilotes["tsf"], etat=Etat.SOUMISE, candidat__last_name="Zorglub")
    b1 = CandidatureFactory(programme=deux_pilotes["peer"], etat=Etat.SOUMISE, candidat__last_name="Zorglub")
    client.force_login(deux_pilotes["coord_b"])
    html = client.get(reverse("plateforme:recherche"), {"q": "Zorglub"}).content.decode()
    assert b1.candidat.email in html and a1.candidat.email not in html
    export = reverse("accounts:export_personne", kwargs={"pk": a1.candidat.pk, "fmt": "json"})
    assert client.get(export).status_code == 404
    own = reverse("accounts:export_personne", kwargs={"pk": b1.candidat.pk, "fmt": "json"})
    assert client.get(own).status_code == 200


def test_creating_a_pilot_moves_its_coordinator_to_it_and_refuses_a_bad_identity_in_french(deux_pilotes):
    from core.exceptions import RuleViolation
    from programmes.selectors import programmes_de
    from programmes.services import structure_pilote_creer

    with pytest.raises(RuleViolation) as refus:
        structure_pilote_creer(nom="  ", email="a@exemple.test")
    assert refus.value.message == "Donnez le nom de la structure pilote."
    with pytest.raises(RuleViolation) as refus:
        structure_pilote_creer(nom="Pilote C", email="pas-une-adresse")
    assert refus.value.field == "email"
    nouveau = ProgrammeFactory(nom="Programme C")
    coord = deux_pilotes["coord_a"]
    pilote = structure_pilote_creer(nom="Pilote C", email="c@exemple.test", programmes=[nouveau], coordinateurs=[coord])
    assert list(coord.structures_pilotes.all()) == [pilote]
    assert list(programmes_de(coord)) == [nouveau]


@pytest.mark.django_db
def test_the_footer_reads_the_pilot_from_the_cache_and_shows_a_change_at_once(client):
    """Issue 14: the site's pilot (every page's footer) costs no query once cached; saving or deleting a
    pilot empties the cache, so the next page shows the change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("core:faq")  # a page that reads no pilot but the footer's
    pilote = StructurePilote.depuis_reglages()
    assert pilote.nom in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert pilote.nom in page
    assert not any("programmes_structurepilote" in q["sql"] for q in queries.captured_queries)
    pilote.nom, pilote.email = "Structure renommée (fictif)", "nouvelle@pilote.example"
    pilote.save()  # what the admin's change form does
    page = client.get(url).content.decode()
    assert "Structure renommée (fictif)" in page and "mailto:nouvelle@pilote.example" in page
    premier = StructurePilote(nom="Première (fictif)", email="premiere@pilote.example", pk=0)
    premier.save()  # a lower key: now the site's pilot
    assert "Première (fictif)" in client.get(url).content.decode()
    premier.delete()
    assert "Structure renommée (fictif)" in client.get(url).content.decode()
