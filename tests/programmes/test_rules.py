from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accompagnements.models import Accompagnement
from accompagnements.services import accompagnement_create
from candidatures.models import Etat
from core.exceptions import RuleViolation
from programmes.models import Structure
from programmes.rules import check_demi_journees, montant_demi_journees
from programmes.validators import validate_siret
from tests.factories import AccompagnementFactory, CandidatureFactory, PersonneRessourceFactory, ProgrammeFactory


@pytest.mark.django_db
def test_a_day_costs_the_daily_rate_and_half_days_are_exact_to_the_cent(programme):
    assert montant_demi_journees(programme=programme, demi_journees=3) == Decimal("750.00")
    assert montant_demi_journees(programme=programme, demi_journees=8) == Decimal("2000.00")
    programme.taux_journalier = Decimal("333.33")
    assert montant_demi_journees(programme=programme, demi_journees=1) == Decimal("166.67")


@pytest.mark.django_db
def test_fifth_half_day_of_tsf_for_a_structure_is_refused_across_accompagnements(programme):
    tsf = ProgrammeFactory.tsf(programme)
    first = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=3)
    structure = first.structure_beneficiaire
    check_demi_journees(structure=structure, format=tsf, demi_journees=1)  # the 4th is fine
    with pytest.raises(RuleViolation) as refused:
        check_demi_journees(structure=structure, format=tsf, demi_journees=2)
    assert "maximum est de 4" in refused.value.message
    assert "il reste 1 demi-journée" in refused.value.message


@pytest.mark.django_db
def test_mentorat_allows_up_to_eight_half_days_not_nine(programme, structure):
    mentorat = ProgrammeFactory.mentorat(programme)
    check_demi_journees(structure=structure, format=mentorat, demi_journees=8)
    with pytest.raises(RuleViolation):
        check_demi_journees(structure=structure, format=mentorat, demi_journees=9)


@pytest.mark.django_db
def test_creating_an_accompagnement_over_the_limit_changes_nothing(programme):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)
    mentor = PersonneRessourceFactory()
    tsf = ProgrammeFactory.tsf(programme)
    accompagnement_create(candidature=candidature, format=tsf, demi_journees=4, mentors=[mentor], by=None)
    with pytest.raises(RuleViolation):
        accompagnement_create(candidature=candidature, format=tsf, demi_journees=1, mentors=[mentor], by=None)
    assert Accompagnement.objects.count() == 1


@pytest.mark.django_db
def test_a_mentor_cannot_accompany_their_own_structure(programme):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)
    mentor = PersonneRessourceFactory(structure=candidature.structure)
    with pytest.raises(RuleViolation, match="travaille dans la structure bénéficiaire"):
        accompagnement_create(
            candidature=candidature, format=ProgrammeFactory.tsf(programme), demi_journees=1, mentors=[mentor], by=None
        )


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_departement_and_zero_half_days(structure):
    with pytest.raises(IntegrityError), transaction.atomic():
        Structure.objects.filter(pk=structure.pk).update(departement="99")
    accompagnement = AccompagnementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Accompagnement.objects.filter(pk=accompagnement.pk).update(demi_journees_prevues=0)


@pytest.mark.parametrize("siret", ["73282932000074", "44306184100047"])
def test_valid_sirets_pass(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    ("siret", "message"),
    [("73282932000075", "clé de contrôle"), ("1234", "14 chiffres"), ("7328293200007A", "14 chiffres")],
)
def test_wrong_sirets_get_a_french_message(siret, message):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert message in error.value.messages[0]
