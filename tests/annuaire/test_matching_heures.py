"""Issue 16: a coaching counted in hours is matched against a mentor's availability in half-days, at the
programme's hours per half-day (seeds 003/004: appointments by half-days)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from annuaire import selectors, services
from core.exceptions import RuleViolation
from programmes.models import Format, NatureFormat, UniteFormat
from tests.factories import PersonneRessourceFactory, StructureFactory

from .conftest import dossier_retenu

pytestmark = pytest.mark.usefixtures("emails")


@pytest.fixture
def coaching(programme):
    return Format.objects.create(
        programme=programme,
        code="coaching",
        libelle="Coaching individuel",
        nature=NatureFormat.INDIVIDUEL,
        unite=UniteFormat.HEURE,
        demi_journees_min=14,
        demi_journees_max=28,
        duree_max_avec_prolongation=28,
        seance_duree_max=8,
        taux_par_unite=Decimal("60.00"),
        ordre=2,
    )


def _mentor(competences, nom, demi_journees):
    return PersonneRessourceFactory(
        prenom="Mentor",
        nom=nom,
        competences=[(competences[0], 3)],
        departement="31",
        mobilite="region",
        disponibilite_demi_journees=demi_journees,
    )


@pytest.mark.django_db
def test_a_20_hour_coaching_goes_to_a_mentor_with_five_half_days_not_to_one_with_four(
    programme, coaching, competences, coordinateur
):
    assert programme.heures_par_demi_journee == 4
    candidature = dossier_retenu(
        programme, besoins=[(competences[0], 3)], demi_journees=20, structure=StructureFactory(departement="31")
    )
    candidature.format_retenu = coaching
    candidature.save()
    disponible = _mentor(competences, "Disponible", 5)  # 5 × 4 h = 20 h
    court = _mentor(competences, "Court", 4)  # 16 h only

    classement = selectors.classement(candidature)
    assert classement.dossier.demi_journees == 5 and classement.dossier.heures == 20
    assert disponible.pk in [s.mentor.id for s in classement.scores]
    motif = next(e.motif for e in classement.exclusions if e.mentor.id == court.pk)
    assert motif == "Disponibilité insuffisante : 4 demi-journée(s) restante(s) (16 h) pour 20 h demandées (5 demi-journée(s))."

    with pytest.raises(RuleViolation, match="Disponibilité insuffisante"):
        services.proposition_send(candidature=candidature, personne_ressource=court, by=coordinateur, justification="x")
    proposition = services.proposition_send(candidature=candidature, personne_ressource=disponible, by=coordinateur)
    accompagnement = services.proposition_accept(proposition=proposition)
    assert accompagnement.demi_journees_prevues == 20 and accompagnement.format == coaching
    # Its 20 h now take the mentor's five half-days.
    profil = next(m for m in selectors.mentors(programme) if m.id == disponible.pk)
    assert (profil.missions, profil.reste) == (1, 0)


@pytest.mark.django_db
def test_the_hours_per_half_day_are_the_programmes(programme, coaching, competences):
    programme.heures_par_demi_journee = 3
    programme.save()
    candidature = dossier_retenu(programme, besoins=[(competences[0], 3)], demi_journees=14)
    candidature.format_retenu = coaching
    candidature.save()
    assert coaching.en_demi_journees(14) == 5  # 14 h at 3 h a half-day: five started half-days
    assert selectors.dossiers([candidature])[0].demi_journees == 5
