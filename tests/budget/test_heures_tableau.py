"""Issue 16: a programme with a format counted in hours (PEER CULTURE's coaching) shows its delivered
hours on the dashboard, and its days count each session's started half-days at the programme's figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from budget import selectors
from budget.resume import resume_recalculer
from core.invariants import find_violations
from programmes.models import Format, NatureFormat, UniteFormat
from tests.budget.conftest import seance_livree
from tests.factories import AccompagnementFactory, PersonneRessourceFactory


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


def _espaces(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.mark.django_db
def test_the_dashboard_shows_the_hours_held_and_counts_them_as_started_half_days(client, programme, coaching, coordinateur):
    acc = AccompagnementFactory(
        candidature__programme=programme, format=coaching, demi_journees_prevues=14, mentors=[PersonneRessourceFactory()]
    )
    tsf = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    seance_livree(acc, 3)  # 3 h: one started half-day of 4 h
    seance_livree(acc, 6, days_ago=3)  # 6 h: two
    seance_livree(tsf, 3)
    resume_recalculer(programme_id=programme.pk)
    chiffres = selectors.chiffres_de(selectors.programmes_avec_totaux().get(pk=programme.pk))
    assert chiffres.hj_livrees == 1 + 2 + 3
    assert chiffres.jours_livres == Decimal("3")
    assert chiffres.hj_prevues == 4 + 4  # 14 h: four started half-days
    assert chiffres.livre == Decimal("540.00") + Decimal("750.00")  # 9 h at 60 € + 3 half-days at 250 €
    assert find_violations(["budget.resume_programme"]) == []

    client.force_login(coordinateur)
    response = client.get(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}")
    assert response.status_code == 200
    page = _espaces(response.content.decode())
    assert "Formats comptés en heures : 9 h réalisées, 9 h planifiées ou réalisées" in page
    assert "demi-journée commencée de 4 h" in page
