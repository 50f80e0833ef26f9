"""Immersion days (« Vis ma vie ») and co-développement groups of PEER CULTURE (seed 003)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from ateliers import services
from ateliers.models import EtatImmersion, EtatSeanceGroupe, PresenceGroupe
from budget.models import Engagement, Paiement
from core.exceptions import PermissionRefused, RuleViolation
from core.invariants import find_violations
from programmes.models import Format, NatureFormat
from tests.ateliers.conftest import beneficiaires, dans
from tests.factories import PersonneRessourceFactory


def format_immersion(programme) -> Format:
    return Format.objects.create(
        programme=programme,
        code="immersion",
        libelle="Mentorat immersif",
        nature=NatureFormat.IMMERSION,
        demi_journees_min=2,
        demi_journees_max=2,
        personne_ressource_remuneree=False,
        ordre=6,
    )


def format_codev(programme, *, membres: int = 8) -> Format:
    return Format.objects.create(
        programme=programme,
        code="codev",
        libelle="Co-développement",
        nature=NatureFormat.CODEVELOPPEMENT,
        demi_journees_min=1,
        demi_journees_max=6,
        participants_max=membres,
        ordre=7,
    )


@pytest.fixture
def immersion(programme, coordinateur):
    (mentore,) = beneficiaires(1)
    return services.immersion_create(
        programme=programme,
        format=format_immersion(programme),
        mentore=mentore,
        mentor=PersonneRessourceFactory(),
        jour=timezone.localdate() + datetime.timedelta(days=5),
        lieu="Studio de la mentore, Toulouse",
        by=coordinateur,
    )


@pytest.mark.django_db
def test_an_immersion_closes_once_both_reports_are_in_and_costs_nothing(immersion):
    mentore, mentor = immersion.mentore, immersion.mentor.user
    with pytest.raises(RuleViolation, match="n’attend pas de compte rendu"):
        services.immersion_rapport_remettre(immersion=immersion, texte="Trop tôt", by=mentore)
    services.immersion_objectifs_remplir(immersion=immersion, objectifs="Voir comment se prépare une tournée.", by=mentore)
    assert immersion.etat == EtatImmersion.PREVUE
    with pytest.raises(RuleViolation, match="après la journée"):
        services.immersion_rapport_remettre(immersion=immersion, texte="Avant la journée", by=mentore)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        services.immersion_rapport_remettre(immersion=immersion, texte="J’ai vu la préparation d’une tournée.", by=mentore)
        assert immersion.etat == EtatImmersion.PREVUE  # the mentor's report is still missing
        with pytest.raises(PermissionRefused):
            services.immersion_rapport_remettre(immersion=immersion, texte="Pas le mien", by=beneficiaires(1)[0])
        services.immersion_rapport_remettre(immersion=immersion, texte="Un regard neuf sur nos outils.", by=mentor)
    immersion.refresh_from_db()
    assert immersion.est_close
    assert immersion.rapport_mentore == "J’ai vu la préparation d’une tournée."
    assert immersion.rapport_mentor == "Un regard neuf sur nos outils."
    # Volunteer mentor: no commitment, no payment, nothing owed at the format's rate.
    assert not Engagement.objects.exists() and not Paiement.objects.exists()
    assert immersion.format.montant_pour(2) == Decimal("0.00")
    assert find_violations() == []


@pytest.mark.django_db
def test_an_immersion_needs_an_unpaid_immersion_format(programme, coordinateur):
    (mentore,) = beneficiaires(1)
    with pytest.raises(RuleViolation, match="format d’immersion"):
        services.immersion_create(
            programme=programme,
            format=programme.formats.get(code="tsf"),
            mentore=mentore,
            mentor=PersonneRessourceFactory(),
            jour=timezone.localdate(),
            by=coordinateur,
        )


@pytest.mark.django_db
def test_a_codev_group_meets_three_times_on_three_members_problems_with_attendance(programme, coordinateur):
    animateur = PersonneRessourceFactory()
    groupe = services.groupe_create(
        programme=programme,
        format=format_codev(programme),
        nom="Co-dev structurer son activité",
        animateur=animateur,
        by=coordinateur,
    )
    membres = [services.groupe_membre_ajouter(groupe=groupe, personne=p, by=coordinateur) for p in beneficiaires(4)]
    seances = [
        services.seance_groupe_planifier(
            groupe=groupe,
            debut=dans(days=7 * (rang + 1)),
            duree=1,
            client=membres[rang],
            problematique=f"Problématique de {membres[rang].personne}",
            lieu="MA Sphère, Toulouse",
            by=animateur.user,
        )
        for rang in range(3)
    ]
    assert len({s.client_id for s in seances}) == 3
    with pytest.raises(RuleViolation, match="pas encore eu lieu"):
        services.seance_groupe_presences(seance=seances[0], presents=membres, by=animateur.user)
    with time_machine.travel(dans(days=30)):
        for rang, seance in enumerate(seances):
            absents = {membres[rang + 1].pk} if rang < 2 else set()
            services.seance_groupe_presences(
                seance=seance, presents=[m for m in membres if m.pk not in absents], by=animateur.user
            )
    for seance in seances:
        seance.refresh_from_db()
        assert seance.etat == EtatSeanceGroupe.TENUE
        assert PresenceGroupe.objects.filter(seance=seance).count() == 4
    assert PresenceGroupe.objects.filter(present=False).count() == 2
    assert not PresenceGroupe.objects.get(seance=seances[0], membre=membres[1]).present
    assert find_violations() == []


@pytest.mark.django_db
def test_a_codev_group_refuses_a_stranger_as_client_and_members_beyond_the_format(programme, coordinateur):
    animateur = PersonneRessourceFactory()
    format = format_codev(programme, membres=2)
    groupe = services.groupe_create(programme=programme, format=format, nom="Groupe A", animateur=animateur, by=coordinateur)
    autre = services.groupe_create(programme=programme, format=format, nom="Groupe B", animateur=animateur, by=coordinateur)
    a, b, c = beneficiaires(3)
    services.groupe_membre_ajouter(groupe=groupe, personne=a, by=coordinateur)
    services.groupe_membre_ajouter(groupe=groupe, personne=b, by=coordinateur)
    with pytest.raises(RuleViolation, match="complet : 2 membre"):
        services.groupe_membre_ajouter(groupe=groupe, personne=c, by=coordinateur)
    etranger = services.groupe_membre_ajouter(groupe=autre, personne=c, by=coordinateur)
    with pytest.raises(RuleViolation, match="membre du groupe"):
        services.seance_groupe_planifier(groupe=groupe, debut=dans(days=3), duree=1, client=etranger, lieu="Ici", by=coordinateur)
    with pytest.raises(PermissionRefused):
        services.seance_groupe_planifier(
            groupe=groupe, debut=dans(days=3), duree=1, client=groupe.membres.first(), lieu="Ici", by=a
        )
