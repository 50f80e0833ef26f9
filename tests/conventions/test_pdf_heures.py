"""Issue 16: the convention of a coaching counted in hours (PEER CULTURE) says its hours and the hourly rate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conventions.services import convention_render_pdf
from programmes.models import Format, NatureFormat, UniteFormat
from tests.conventions.conftest import pdf_text, read
from tests.factories import AccompagnementFactory, ConventionFactory, PersonneRessourceFactory


@pytest.mark.django_db
def test_a_coachings_convention_says_its_hours_at_the_hourly_rate(programme):
    coaching = Format.objects.create(
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
    acc = AccompagnementFactory(
        candidature__programme=programme, format=coaching, demi_journees_prevues=20, mentors=[PersonneRessourceFactory()]
    )
    convention = convention_render_pdf(convention_id=ConventionFactory(accompagnement=acc).pk)
    assert convention is not None
    text = pdf_text(read(convention.pdf))
    assert "Durée 20 heures" in text
    assert "Rémunération de l’heure 60,00 €" in text
    assert "soit 1 200,00 € (20 heures à 60,00 € de l’heure)" in text
    assert "décomptée des heures prévues" in text
    assert "demi-journée" not in text.replace("par demi-journées", "")
    assert "Coût d’une journée" not in text and "par jour" not in text
