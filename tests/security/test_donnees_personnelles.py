"""RGPD: per-person export (complete by construction), access log of personal files."""

import csv
import io
import json

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts import donnees
from candidatures.models import Message, PieceJointe
from comite.models import Saisine
from core.models import AccesDonnees
from tests.factories import AccompagnementFactory, CandidatureFactory, UserFactory, siege_comite

pytestmark = pytest.mark.django_db


def test_every_model_linked_to_a_person_is_in_the_export_registry(figure):
    """Fails when a model with a FK/O2O/M2M to a person is added without an export entry."""
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        links = donnees.person_links(model)
        if not links:
            continue
        if label not in donnees.EXPORT_REGISTRY:
            missing.append(f"{label} (links: {', '.join(links)})")
            continue
        followed = {lookup.split("__")[0] for lookup in donnees.EXPORT_REGISTRY[label]}
        for link in links:
            if link not in followed and (label, link) not in donnees.NOT_FOLLOWED:
                missing.append(f"{label}.{link}")
    linked = [model for model in apps.get_models() if donnees.person_links(model)]
    figure(f"{len(linked)} models linked to a person, {len(missing)} left out of the personal-data export")
    assert not missing, "Personal data left out of the export (accounts/donnees.py): " + "; ".join(missing)


def test_registry_names_real_models_and_lookups(django_user_model):
    person = UserFactory()
    for label in donnees.EXPORT_REGISTRY:
        apps.get_model(label)  # raises LookupError on a typo
    # Every lookup is valid: the full export runs.
    assert donnees.donnees_personnelles(person)["modeles"]["accounts.User"]["lignes"][0]["email"] == person.email


def _dossier_de(candidat):
    candidature = CandidatureFactory(candidat=candidat, etat="soumise", presentation="Mon parcours singulier")
    PieceJointe.objects.create(
        candidature=candidature,
        fichier=ContentFile(b"%PDF-1.4", name="x.pdf"),
        nom_original="statuts.pdf",
        taille=8,
        type_mime="application/pdf",
        sha256="0" * 64,
        ajoute_par=candidat,
    )
    Message.objects.create(candidature=candidature, auteur=candidat, texte='=HYPERLINK("http://evil")')
    return candidature


def test_person_downloads_their_own_data_as_json_and_csv(client, candidat, autre_candidat):
    _dossier_de(candidat)
    _dossier_de(autre_candidat)
    client.force_login(candidat)

    response = client.get(reverse("accounts:export_mes_donnees", args=["json"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["personne"] == candidat.email
    candidatures = data["modeles"]["candidatures.Candidature"]["lignes"]
    assert [c["candidat_id"] for c in candidatures] == [candidat.pk]
    assert candidatures[0]["presentation"] == "Mon parcours singulier"
    assert [p["nom_original"] for p in data["modeles"]["candidatures.PieceJointe"]["lignes"]] == ["statuts.pdf"]
    # No secret leaves the server, and nothing of the other applicant is in there.
    assert "password" not in data["modeles"]["accounts.User"]["lignes"][0]
    assert autre_candidat.email not in response.content.decode()

    response = client.get(reverse("accounts:export_mes_donnees", args=["csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["modele", "identifiant", "champ", "valeur"]
    assert ["accounts.User", str(candidat.pk), "email", candidat.email] in rows
    # A value that a spreadsheet would run as a formula is neutralised.
    textes = [row[3] for row in rows if row[0] == "candidatures.Message" and row[2] == "texte"]
    assert textes == ['\'=HYPERLINK("http://evil")']


def test_unknown_export_format_is_a_404(client, candidat):
    client.force_login(candidat)
    assert client.get(reverse("accounts:export_mes_donnees", args=["xml"])).status_code == 404


def test_coordination_exports_any_person_and_the_export_is_logged(client, coordinateur, candidat):
    _dossier_de(candidat)
    client.force_login(coordinateur)
    response = client.get(reverse("accounts:export_personne", args=[candidat.pk, "json"]))
    assert response.status_code == 200
    assert json.loads(response.content)["personne"] == candidat.email
    entry = AccesDonnees.objects.get()
    assert (entry.user, entry.action, entry.objet_id) == (coordinateur, "export", str(candidat.pk))
    assert client.get(reverse("accounts:export_personne", args=[999999, "json"])).status_code == 404


def test_export_of_someone_else_is_refused(client, candidat, autre_candidat, membre_comite):
    url = reverse("accounts:export_personne", args=[autre_candidat.pk, "json"])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (candidat, membre_comite):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_mentor_export_holds_their_missions_not_the_files_naming_them(client):
    accompagnement = AccompagnementFactory()
    mentor = accompagnement.mentors.get()
    mentor.user = UserFactory(roles=["personne_ressource"])
    mentor.save()
    autre = CandidatureFactory(personne_ressource_pressentie=mentor, presentation="Secret d’un autre")
    data = donnees.donnees_personnelles(mentor.user)
    assert [a["id"] for a in data["modeles"]["accompagnements.Accompagnement"]["lignes"]] == [accompagnement.pk]
    assert [p["id"] for p in data["modeles"]["annuaire.PersonneRessource"]["lignes"]] == [mentor.pk]
    assert autre.pk not in [c["id"] for c in data["modeles"]["candidatures.Candidature"]["lignes"]]


# --- Access log ---------------------------------------------------------------------------


def test_downloads_of_personal_files_are_logged(client, candidat, coordinateur, membre_comite):
    candidature = _dossier_de(candidat)
    piece = candidature.pieces.get()
    saisine = Saisine.objects.create(candidature=candidature, saisi_par=coordinateur)
    saisine.pieces.add(piece)

    client.force_login(candidat)
    assert client.get(reverse("candidatures:piece_telecharger", args=[candidature.pk, piece.pk])).status_code == 200
    client.force_login(coordinateur)
    assert client.get(reverse("candidatures:coordination_piece", args=[candidature.pk, piece.pk])).status_code == 200
    siege_comite(membre_comite, candidature.programme)
    client.force_login(membre_comite)
    assert client.get(reverse("comite:saisine_piece", args=[saisine.pk, piece.pk])).status_code == 200

    log = list(AccesDonnees.objects.order_by("created_at", "pk").values_list("user", "objet_type", "objet_id", "libelle"))
    assert log == [
        (user.pk, "candidatures.PieceJointe", str(piece.pk), "statuts.pdf") for user in (candidat, coordinateur, membre_comite)
    ]


def test_refused_download_is_not_logged_as_an_access(client, candidat, autre_candidat):
    candidature = _dossier_de(candidat)
    piece = candidature.pieces.get()
    client.force_login(autre_candidat)
    assert client.get(reverse("candidatures:piece_telecharger", args=[candidature.pk, piece.pk])).status_code == 404
    assert not AccesDonnees.objects.exists()


def test_session_supporting_record_download_is_logged(client):
    from django.utils import timezone

    from accompagnements.models import Seance, SupportTemoin, TypeSupport

    accompagnement = AccompagnementFactory()
    seance = Seance.objects.create(accompagnement=accompagnement, debut=timezone.now())
    support = SupportTemoin.objects.create(
        seance=seance,
        type_support=TypeSupport.FICHIER,
        titre="Tableau de bord",
        fichier=ContentFile(b"%PDF-1.4", name="s.pdf"),
        nom_original="tableau.pdf",
        type_mime="application/pdf",
    )
    client.force_login(accompagnement.beneficiaire)
    assert client.get(reverse("accompagnements:support_telecharger", args=[support.pk])).status_code == 200
    entry = AccesDonnees.objects.get()
    assert (entry.user, entry.objet_type, entry.libelle) == (
        accompagnement.beneficiaire,
        "accompagnements.SupportTemoin",
        "tableau.pdf",
    )


def test_committee_minutes_download_is_logged_and_the_log_is_read_only_in_the_admin(client, coordinateur, membre_comite):
    from django.utils import timezone

    from comite.models import ReunionComite
    from tests.factories import ProgrammeFactory

    reunion = ReunionComite.objects.create(
        programme=ProgrammeFactory(), date=timezone.now(), compte_rendu_fichier=ContentFile(b"%PDF-1.4", name="cr.pdf")
    )
    siege_comite(membre_comite, reunion.programme)
    client.force_login(membre_comite)
    assert client.get(reverse("comite:reunion_minutes_file", args=[reunion.pk])).status_code == 200
    entry = AccesDonnees.objects.get()
    assert (entry.user, entry.objet_type, entry.objet_id) == (membre_comite, "comite.ReunionComite", str(reunion.pk))

    client.force_login(coordinateur)
    page = client.get(reverse("admin:core_accesdonnees_changelist"))
    assert page.status_code == 200 and membre_comite.email in page.content.decode()
    assert client.get(reverse("admin:core_accesdonnees_add")).status_code == 403
    response = client.post(reverse("admin:core_accesdonnees_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AccesDonnees.objects.filter(pk=entry.pk).exists()
