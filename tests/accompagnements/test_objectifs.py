from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompagnements import services
from accompagnements.models import AccompagnementEvenement, Indicateur, Objectif
from conventions.models import EtatConvention
from core.exceptions import PermissionRefused, RuleViolation
from tests.factories import AccompagnementFactory, IndicateurFactory, ObjectifFactory, PersonneRessourceFactory, UserFactory


@pytest.fixture
def grille(db):
    mentor = PersonneRessourceFactory()
    accompagnement = AccompagnementFactory(etat="objectifs", mentors=[mentor])
    return accompagnement, mentor.user, accompagnement.beneficiaire


def _ecrire_objectif(accompagnement, user, intitule="Construire une stratégie de mécénat"):
    objectif = services.objectif_create(
        accompagnement=accompagnement, intitule=intitule, critere_reussite="Un plan écrit", by=user
    )
    services.indicateur_create(
        objectif=objectif,
        type_indicateur="quantitatif",
        libelle="Dossiers déposés",
        unite="dossiers",
        valeur_initiale=Decimal("0"),
        cible=Decimal("3"),
        by=user,
    )
    return objectif


def test_mentor_and_beneficiary_write_the_grid_through_the_pages(client, grille):
    accompagnement, mentor, beneficiaire = grille
    client.force_login(mentor)
    response = client.post(
        reverse("accompagnements:objectif_create", args=[accompagnement.pk]),
        {"intitule": "Trouver des mécènes", "critere_reussite": "Deux rendez-vous obtenus"},
    )
    assert response.status_code == 302
    objectif = accompagnement.objectifs.get()
    client.force_login(beneficiaire)
    response = client.post(
        reverse("accompagnements:indicateur_create", args=[objectif.pk]),
        {
            "type_indicateur": "quantitatif",
            "libelle": "Rendez-vous",
            "unite": "rendez-vous",
            "valeur_initiale": "0",
            "cible": "2",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("accompagnements:indicateur_create", args=[objectif.pk]),
        {"type_indicateur": "qualitatif", "libelle": "Aisance", "description": "Présente le projet sans notes"},
    )
    assert response.status_code == 302
    page = client.get(reverse("accompagnements:detail", args=[accompagnement.pk])).content.decode()
    assert "Trouver des mécènes" in page and "Rendez-vous" in page and "Présente le projet sans notes" in page
    assert "Je valide la grille" in page


def test_a_quantitative_indicator_needs_a_unit_and_a_target_and_keeps_what_was_typed(client, grille):
    accompagnement, mentor, _ = grille
    objectif = ObjectifFactory(accompagnement=accompagnement)
    client.force_login(mentor)
    response = client.post(
        reverse("accompagnements:indicateur_create", args=[objectif.pk]),
        {"type_indicateur": "quantitatif", "libelle": "Chiffre d’affaires mécénat", "unite": "", "cible": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un indicateur quantitatif a besoin d’une unité." in html
    assert "Un indicateur quantitatif a besoin d’une valeur cible." in html
    assert "Chiffre d’affaires mécénat" in html
    assert not Indicateur.objects.exists()


def test_the_grid_moves_to_the_convention_only_when_both_validated(grille, django_capture_on_commit_callbacks):
    accompagnement, mentor, beneficiaire = grille
    _ecrire_objectif(accompagnement, mentor)
    services.objectifs_valider(accompagnement=accompagnement, by=mentor)
    accompagnement.refresh_from_db()
    assert accompagnement.etat == "objectifs" and accompagnement.grille_validee_mentor_le
    with django_capture_on_commit_callbacks(execute=True):
        services.objectifs_valider(accompagnement=accompagnement, by=beneficiaire)
    accompagnement.refresh_from_db()
    assert accompagnement.etat == "convention"
    convention = accompagnement.conventions.get()
    assert convention.etat == EtatConvention.EN_SIGNATURE and convention.pdf_sha256


def test_a_grid_without_indicator_cannot_be_validated(grille):
    accompagnement, mentor, _ = grille
    ObjectifFactory(accompagnement=accompagnement, intitule="Objectif sans mesure")
    with pytest.raises(RuleViolation, match="Objectif sans mesure"):
        services.objectifs_valider(accompagnement=accompagnement, by=mentor)


def test_a_change_after_one_validation_clears_both_and_is_in_the_history(grille):
    accompagnement, mentor, beneficiaire = grille
    objectif = _ecrire_objectif(accompagnement, mentor)
    services.objectifs_valider(accompagnement=accompagnement, by=mentor)
    services.objectif_update(objectif=objectif, intitule="Nouvel intitulé", critere_reussite="", by=beneficiaire)
    accompagnement.refresh_from_db()
    assert accompagnement.grille_validee_mentor_le is None and accompagnement.grille_validee_beneficiaire_le is None
    event = AccompagnementEvenement.objects.filter(transition="objectif_modifie").get()
    assert event.actor == beneficiaire and "revalidée" in event.reason


def test_a_change_after_both_validated_reopens_the_grid_and_cancels_the_unsigned_convention(
    grille, django_capture_on_commit_callbacks
):
    accompagnement, mentor, beneficiaire = grille
    objectif = _ecrire_objectif(accompagnement, mentor)
    with django_capture_on_commit_callbacks(execute=True):
        services.objectifs_valider(accompagnement=accompagnement, by=mentor)
        services.objectifs_valider(accompagnement=accompagnement, by=beneficiaire)
    convention = accompagnement.conventions.get()
    services.indicateur_create(
        objectif=objectif, type_indicateur="qualitatif", libelle="Confiance", description="Ose solliciter", by=mentor
    )
    accompagnement.refresh_from_db()
    convention.refresh_from_db()
    assert accompagnement.etat == "objectifs" and not accompagnement.grille_validee
    assert convention.etat == EtatConvention.ANNULEE
    assert AccompagnementEvenement.objects.filter(transition="rouvrir_objectifs").exists()
    # Validated again: a new version is prepared.
    with django_capture_on_commit_callbacks(execute=True):
        services.objectifs_valider(accompagnement=accompagnement, by=mentor)
        services.objectifs_valider(accompagnement=accompagnement, by=beneficiaire)
    assert accompagnement.conventions.filter(etat=EtatConvention.EN_SIGNATURE, version=2).exists()


def test_the_grid_is_frozen_once_the_accompagnement_started(db):
    mentor = PersonneRessourceFactory()
    accompagnement = AccompagnementFactory(etat="en_cours", mentors=[mentor])
    objectif = ObjectifFactory(accompagnement=accompagnement)
    with pytest.raises(RuleViolation, match="avenant"):
        services.objectif_update(objectif=objectif, intitule="Autre", critere_reussite="", by=mentor.user)
    with pytest.raises(RuleViolation):
        services.objectif_delete(objectif=objectif, by=accompagnement.beneficiaire)
    assert Objectif.objects.filter(pk=objectif.pk, intitule=objectif.intitule).exists()


def test_the_coordination_comments_but_does_not_write(client, grille, coordinateur):
    accompagnement, mentor, _ = grille
    objectif = ObjectifFactory(accompagnement=accompagnement)
    client.force_login(coordinateur)
    assert client.get(reverse("accompagnements:objectif_create", args=[accompagnement.pk])).status_code == 403
    assert client.post(reverse("accompagnements:objectifs_valider", args=[accompagnement.pk])).status_code == 403
    response = client.post(
        reverse("accompagnements:objectif_commenter", args=[objectif.pk]),
        {"commentaire_coordination": "Préciser la cible en euros."},
    )
    assert response.status_code == 302
    objectif.refresh_from_db()
    assert objectif.commentaire_coordination == "Préciser la cible en euros."
    client.force_login(mentor)
    assert client.get(reverse("accompagnements:objectif_commenter", args=[objectif.pk])).status_code == 403
    assert (
        "Préciser la cible en euros." in client.get(reverse("accompagnements:detail", args=[accompagnement.pk])).content.decode()
    )
    with pytest.raises(PermissionRefused):
        services.objectif_commenter(objectif=objectif, commentaire="x", by=mentor)


def test_someone_else_gets_404_on_every_grid_page_and_anonymous_a_login_redirect(client, grille):
    accompagnement, _, _ = grille
    objectif = ObjectifFactory(accompagnement=accompagnement)
    indicateur = IndicateurFactory(objectif=objectif)
    urls = [
        reverse("accompagnements:objectif_create", args=[accompagnement.pk]),
        reverse("accompagnements:objectif_update", args=[objectif.pk]),
        reverse("accompagnements:objectif_delete", args=[objectif.pk]),
        reverse("accompagnements:objectif_commenter", args=[objectif.pk]),
        reverse("accompagnements:indicateur_create", args=[objectif.pk]),
        reverse("accompagnements:indicateur_update", args=[indicateur.pk]),
        reverse("accompagnements:indicateur_delete", args=[indicateur.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(AccompagnementFactory().beneficiaire)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("accompagnements:objectifs_valider", args=[accompagnement.pk])).status_code == 404
    client.force_login(UserFactory(roles=["comite_technique"]))
    assert client.get(urls[1]).status_code == 404


def test_delete_an_objective_and_an_indicator(client, grille):
    accompagnement, mentor, beneficiaire = grille
    objectif = _ecrire_objectif(accompagnement, mentor)
    client.force_login(beneficiaire)
    indicateur = objectif.indicateurs.get()
    assert client.post(reverse("accompagnements:indicateur_delete", args=[indicateur.pk])).status_code == 302
    assert not objectif.indicateurs.exists()
    assert client.post(reverse("accompagnements:objectif_delete", args=[objectif.pk])).status_code == 302
    assert not accompagnement.objectifs.exists()


def test_the_grid_section_runs_a_constant_number_of_queries(client, coordinateur):
    counts = []
    for n in (3, 30):
        accompagnement = AccompagnementFactory(etat="objectifs")
        for i in range(n):
            IndicateurFactory(objectif=ObjectifFactory(accompagnement=accompagnement, intitule=f"Objectif {i}"))
        client.force_login(coordinateur)
        url = reverse("accompagnements:detail", args=[accompagnement.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
