from __future__ import annotations

import pytest
from django.urls import reverse

from accompagnements.models import Accompagnement
from annuaire import services
from annuaire.models import EtatProposition, PersonneRessource, Proposition
from candidatures.models import Besoin
from tests.factories import DEFAULT_PASSWORD, PersonneRessourceFactory, StructureFactory, UserFactory, valid_siret

from .conftest import dossier_retenu

pytestmark = pytest.mark.usefixtures("emails")


def _login(client, user):
    client.force_login(user)
    return client


# --- Public application -------------------------------------------------------------------------


def test_public_application_form(client, competences):
    url = reverse("annuaire:candidature_mentor")
    assert client.get(url).status_code == 200
    data = {
        "prenom": "Inès",
        "nom": "Martin",
        "email": "ines@exemple.test",
        "presentation": "Dix ans de production de festivals.",
        "siret": valid_siret(4242),
        "raison_sociale": "Festival du Sud",
        "commune": "Nîmes",
        "structure_departement": "30",
        "type_structure": "festival",
        "departement": "30",
        "mobilite": "region",
        "types_projets": ["festival"],
        "tailles_projets": ["3-9"],
        "disponibilite_demi_journees": "6",
        f"niveau_{competences[0].pk}": "3",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    pr = PersonneRessource.objects.get(email="ines@exemple.test")
    assert pr.etat == "candidate" and pr.structure.commune == "Nîmes"


def test_public_application_errors_are_french_and_keep_the_input(client, competences):
    response = client.post(
        reverse("annuaire:candidature_mentor"),
        {"prenom": "Inès", "siret": "123", "departement": "30", "mobilite": "region", "disponibilite_demi_journees": "6"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le formulaire contient" in html
    assert 'value="Inès"' in html
    assert not PersonneRessource.objects.exists()


def test_application_without_competence_is_refused(client, competences):
    structure = StructureFactory()
    response = client.post(
        reverse("annuaire:candidature_mentor"),
        {
            "prenom": "A",
            "nom": "B",
            "email": "a@b.test",
            "presentation": "x",
            "siret": structure.siret,
            "departement": "31",
            "mobilite": "region",
            "types_projets": ["scene"],
            "tailles_projets": ["0"],
            "disponibilite_demi_journees": "4",
        },
    )
    assert "Indiquez au moins une compétence" in response.content.decode()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("annuaire:personne_ressource_list", {}),
        ("annuaire:referentiel", {}),
        ("annuaire:appariement_list", {}),
        ("annuaire:appariement_candidature", {"pk": 1}),
        ("annuaire:reglages", {"pk": 1}),
        ("annuaire:suggestion", {}),
        ("annuaire:cartographie", {}),
    ],
)
def test_anonymous_is_sent_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "name",
    ["annuaire:personne_ressource_list", "annuaire:referentiel", "annuaire:appariement_list", "annuaire:cartographie"],
)
def test_mentor_and_candidate_get_403_on_coordination_pages(client, candidat, personne_ressource, name):
    for user in (candidat, personne_ressource.user):
        assert _login(client, user).get(reverse(name)).status_code == 403


def test_matching_page_and_actions_are_coordination_only(client, dossier, mentor_parfait):
    _login(client, mentor_parfait.user)
    assert client.get(reverse("annuaire:appariement_candidature", args=[dossier.pk])).status_code == 403
    response = client.post(
        reverse("annuaire:appariement_candidature", args=[dossier.pk]), {"personne_ressource": mentor_parfait.pk}
    )
    assert response.status_code == 403
    assert not Proposition.objects.exists()
    assert client.post(reverse("annuaire:personne_ressource_validate", args=[mentor_parfait.pk])).status_code == 403


def test_mentor_sees_own_profile_and_404_for_another(client, mentor_parfait, mentor_moyen):
    _login(client, mentor_parfait.user)
    assert client.get(reverse("annuaire:personne_ressource_detail", args=[mentor_parfait.pk])).status_code == 200
    assert client.get(reverse("annuaire:personne_ressource_detail", args=[mentor_moyen.pk])).status_code == 404


def test_unknown_file_is_404(client, coordinateur):
    assert _login(client, coordinateur).get(reverse("annuaire:appariement_candidature", args=[999999])).status_code == 404


def test_mentor_space_shows_only_own_missions(client, dossier, mentor_parfait, mentor_moyen, coordinateur):
    services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    other = dossier_retenu(dossier.programme, structure=StructureFactory(raison_sociale="Salle Secrète"))
    services.proposition_send(candidature=other, personne_ressource=mentor_moyen, by=coordinateur)
    html = _login(client, mentor_parfait.user).get(reverse("accounts:home")).content.decode()
    assert dossier.structure.raison_sociale in html
    assert "Salle Secrète" not in html
    html = _login(client, mentor_moyen.user).get(reverse("accounts:home")).content.decode()
    assert "Salle Secrète" in html and dossier.structure.raison_sociale not in html


# --- Coordination pages -------------------------------------------------------------------------


def test_ranking_page_explains_each_part(client, coordinateur, dossier, mentor_parfait, mentor_moyen):
    collegue = PersonneRessourceFactory(prenom="Collègue", structure=dossier.structure)
    html = _login(client, coordinateur).get(reverse("annuaire:appariement_candidature", args=[dossier.pk])).content.decode()
    assert html.index("Parfaite Adéquation") < html.index("Moyen Profil")
    assert "pondérés par leur priorité et son niveau" in html
    assert "nouvelle relation dans le réseau" in html
    exclues = html[html.index("Exclues") :]
    assert str(collegue) in exclues and "structure" in exclues


def test_propose_from_the_ranking(client, coordinateur, dossier, mentor_parfait, mentor_moyen, emails):
    _login(client, coordinateur)
    url = reverse("annuaire:appariement_candidature", args=[dossier.pk])
    response = client.post(url, {"personne_ressource": mentor_moyen.pk}, follow=True)
    assert "expliquez votre choix" in response.content.decode()
    assert not Proposition.objects.exists()
    client.post(url, {"personne_ressource": mentor_parfait.pk})
    assert Proposition.objects.get().etat == EtatProposition.ENVOYEE
    assert emails[-1].to == [mentor_parfait.email]


def _make_ranking(programme, competences, n):
    for i in range(n):
        PersonneRessourceFactory(competences=[(competences[i % 4], 1 + i % 3)], departement="31")


def test_ranking_page_query_count_is_constant(client, coordinateur, dossier, competences, django_assert_max_num_queries):
    _login(client, coordinateur)
    url = reverse("annuaire:appariement_candidature", args=[dossier.pk])
    _make_ranking(dossier.programme, competences, 3)
    client.get(url)
    # 17: with the footer's pilot structure (issue 16), one query whatever the ranking's size.
    with django_assert_max_num_queries(17) as small:
        assert client.get(url).status_code == 200
    _make_ranking(dossier.programme, competences, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_directory_query_count_is_constant(client, coordinateur, competences, django_assert_max_num_queries):
    _login(client, coordinateur)
    url = reverse("annuaire:personne_ressource_list")
    _make_ranking(None, competences, 3)
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    _make_ranking(None, competences, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert "30 personnes" in html


def test_cartography_for_committee_with_uncovered_needs_and_csv(
    client, membre_comite, dossier, competences, mentor_parfait, django_assert_max_num_queries
):
    Besoin.objects.create(diagnostic=dossier.diagnostic, competence=competences[3], priorite=2)
    _login(client, membre_comite)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("annuaire:cartographie")).content.decode()
    non_couverts = html[html.index("Besoins non couverts") : html.index("Par compétence")]
    assert competences[3].nom in non_couverts and competences[0].nom not in non_couverts
    csv = client.get(reverse("annuaire:cartographie_csv")).content.decode("utf-8-sig")
    ligne = next(line for line in csv.splitlines() if f";{competences[0].nom};" in line)
    cells = ligne.split(";")
    assert cells[2] == "1"  # one validated mentor
    assert cells[3 + ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"].index("34")] == "1"


def test_coordinator_validates_a_profile(client, coordinateur, competences):
    pr = PersonneRessourceFactory(etat="candidate", user=None, email="nouvelle@exemple.test")
    _login(client, coordinateur)
    client.post(reverse("annuaire:personne_ressource_validate", args=[pr.pk]), {"reason": "Éligible"})
    pr.refresh_from_db()
    assert pr.etat == "validee" and pr.user.email == "nouvelle@exemple.test"
    response = client.post(reverse("annuaire:personne_ressource_refuse", args=[pr.pk]), {"reason": "x"}, follow=True)
    assert "impossible" in response.content.decode()


def test_referentiel_add_competence(client, coordinateur, competences):
    _login(client, coordinateur)
    domaine = competences[0].domaine
    client.post(
        reverse("annuaire:referentiel"),
        {"action": "competence", "competence-domaine": domaine.pk, "competence-nom": "Éco-conception des tournées"},
    )
    assert domaine.competences.filter(nom="Éco-conception des tournées").exists()
    response = client.post(
        reverse("annuaire:referentiel"),
        {"action": "competence", "competence-domaine": domaine.pk, "competence-nom": "Éco-conception des tournées"},
    )
    assert "existe déjà" in response.content.decode()


def test_settings_form(client, coordinateur, programme):
    _login(client, coordinateur)
    data = dict.fromkeys(services.POIDS_FIELDS, "10") | {"missions_max_par_mentor": "3", "poids_geographie": "150"}
    response = client.post(reverse("annuaire:reglages", args=[programme.pk]), data)
    assert response.status_code == 200 and "100" in response.content.decode()
    data["poids_geographie"] = "30"
    client.post(reverse("annuaire:reglages", args=[programme.pk]), data)
    programme.refresh_from_db()
    assert (programme.poids_geographie, programme.missions_max_par_mentor) == (30, 3)


def test_batch_pages(client, coordinateur, programme, competences, emails):
    for _ in range(3):
        dossier_retenu(programme, besoins=[(competences[0], 3)])
    PersonneRessourceFactory(competences=[(competences[0], 3)], disponibilite_demi_journees=20)
    PersonneRessourceFactory(competences=[(competences[0], 2)], disponibilite_demi_journees=20)
    _login(client, coordinateur)
    client.post(reverse("annuaire:appariement_calculer"), {"programme": programme.pk})
    response = client.get(reverse("annuaire:appariement_list"), {"programme": programme.pk})
    assert response.status_code == 200
    assert Proposition.objects.filter(etat=EtatProposition.BROUILLON).count() == 3
    client.post(reverse("annuaire:appariement_confirmer"), {"programme": programme.pk})
    assert Proposition.objects.filter(etat=EtatProposition.ENVOYEE).count() == 3
    assert len(emails) == 3


def test_a_draft_line_is_changed_on_its_own_page_with_a_search(client, coordinateur, programme, competences):
    """The batch page renders no mentor select; the line's page searches the directory."""
    dossier_retenu(programme, besoins=[(competences[0], 3)])
    PersonneRessourceFactory(nom="Calculé", competences=[(competences[0], 3)], disponibilite_demi_journees=20)
    autre = PersonneRessourceFactory(nom="Zébulon", competences=[(competences[0], 1)], disponibilite_demi_journees=20)
    services.propositions_batch_draft(programme=programme, by=coordinateur)
    proposition = Proposition.objects.get(etat=EtatProposition.BROUILLON)
    _login(client, coordinateur)
    liste = client.get(reverse("annuaire:appariement_list"), {"programme": programme.pk}).content.decode()
    assert "<select" not in liste.split("Proposition à confirmer", 1)[1]
    url = reverse("annuaire:proposition_modifier", args=[proposition.pk])
    page = client.get(url, {"q": "zébu"}).content.decode()
    assert "Zébulon" in page and page.count("<option") == 2  # the current mentor and the one found
    client.post(url, {f"p{proposition.pk}-personne_ressource": autre.pk, f"p{proposition.pk}-justification": "Plus proche"})
    assert Proposition.objects.get(pk=proposition.pk).personne_ressource == autre


# --- The mentor's answer ------------------------------------------------------------------------


def test_signed_link_accept_without_login(client, coordinateur, dossier, mentor_parfait):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    url = reverse("annuaire:proposition_reponse", args=[services.proposition_token(proposition)])
    assert client.get(url + "?reponse=accepter").status_code == 200
    assert Proposition.objects.get().etat == EtatProposition.ENVOYEE  # GET never answers
    client.post(url, {"reponse": "accepter"})
    assert Accompagnement.objects.get(candidature=dossier).mentors.get() == mentor_parfait
    assert "_auth_user_id" not in client.session


def test_signed_link_decline_needs_a_reason(client, coordinateur, dossier, mentor_parfait, mentor_moyen):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    url = reverse("annuaire:proposition_reponse", args=[services.proposition_token(proposition)])
    assert "Le formulaire contient" in client.post(url, {"reponse": "decliner", "motif": ""}).content.decode()
    client.post(url, {"reponse": "decliner", "motif": "Trop loin"})
    assert Proposition.objects.get(pk=proposition.pk).etat == EtatProposition.DECLINEE
    assert Proposition.objects.get(etat=EtatProposition.BROUILLON).personne_ressource == mentor_moyen


def test_tampered_or_expired_link(client, coordinateur, dossier, mentor_parfait, settings):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    token = services.proposition_token(proposition)
    assert client.get(reverse("annuaire:proposition_reponse", args=[token[:-2] + "xx"])).status_code == 404
    from unittest import mock

    with mock.patch.object(services, "TOKEN_MAX_AGE", -1):
        assert client.get(reverse("annuaire:proposition_reponse", args=[token])).status_code == 410


def test_suggestion_by_committee(client, membre_comite, candidat, emails, settings):
    assert _login(client, candidat).get(reverse("annuaire:suggestion")).status_code == 403
    structure = StructureFactory()
    _login(client, membre_comite)
    client.post(
        reverse("annuaire:suggestion"),
        {
            "prenom": "Paul",
            "nom": "Expert",
            "email": "paul@exemple.test",
            "departement": "31",
            "motif": "Mécénat",
            "siret": structure.siret,
        },
    )
    assert PersonneRessource.objects.get(email="paul@exemple.test").etat == "suggeree"
    assert emails[-1].to == [settings.TSF_PILOT["email"]]
    assert UserFactory and DEFAULT_PASSWORD


def test_batch_page_query_count_is_constant(client, coordinateur, programme, competences, django_assert_max_num_queries):
    _login(client, coordinateur)
    url = reverse("annuaire:appariement_list") + f"?programme={programme.pk}"

    def grow(n):
        for _ in range(n):
            dossier_retenu(programme, besoins=[(competences[0], 2)])
            PersonneRessourceFactory(competences=[(competences[0], 2)], disponibilite_demi_journees=10)
        services.propositions_batch_draft(programme=programme, by=coordinateur)

    grow(3)
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("Modifier cette ligne") == 23


def test_public_application_form_fields_carry_their_autocomplete_purpose(client, competences):
    """WCAG 1.3.5 (issue 15): the applicant's own details; not on the form naming someone else."""
    response = client.get(reverse("annuaire:candidature_mentor"))
    assert response.status_code == 200
    page = response.content.decode()
    for purpose in ("given-name", "family-name", "email", "tel", "address-level2"):
        assert f'autocomplete="{purpose}"' in page, purpose
    assert 'type="tel"' in page
    suggestion = client.get(reverse("annuaire:suggestion"))
    if suggestion.status_code == 200:
        assert 'autocomplete="given-name"' not in suggestion.content.decode()


def test_batch_page_counts_the_file_and_its_files_without_a_draft(client, coordinateur, programme, competences):
    """Both figures come from one aggregate (issue 14): 3 files waiting, 1 of them without a draft."""
    for _ in range(2):
        dossier_retenu(programme, besoins=[(competences[0], 3)])
    PersonneRessourceFactory(competences=[(competences[0], 3)], disponibilite_demi_journees=20)
    services.propositions_batch_draft(programme=programme, by=coordinateur)
    sans = dossier_retenu(programme, besoins=[(competences[0], 3)])
    _login(client, coordinateur)
    html = client.get(reverse("annuaire:appariement_list"), {"programme": programme.pk}).content.decode()
    assert "3 dossiers retenus en attente d’appariement" in html
    assert "1 sans proposition calculée" in html and sans.reference in html


def test_directory_counts_each_mentors_competences_whatever_the_filter(client, coordinateur, competences):
    """The count is every competence of the person, also when the list is filtered by one of them."""
    PersonneRessourceFactory(nom="Deuxcompétences", competences=[(competences[0], 3), (competences[1], 2)])
    PersonneRessourceFactory(nom="Aucunecompétence", competences=[])
    _login(client, coordinateur)
    url = reverse("annuaire:personne_ressource_list")
    for params in ({}, {"competence": competences[0].pk}):
        html = client.get(url, params).content.decode()
        ligne = html[html.index("Deuxcompétences") :]
        assert ligne[: ligne.index("</tr>")].count("<td>2</td>") == 1
    html = client.get(url).content.decode()
    ligne = html[html.index("Aucunecompétence") :]
    assert "<td>0</td>" in ligne[: ligne.index("</tr>")]
