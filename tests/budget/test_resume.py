"""The dashboards' per-programme summary: kept equal to the recomputed figures by the services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnements import services as accompagnement_services
from budget import services
from budget.models import ResumeProgramme
from budget.resume import resume_violations
from tests.factories import AccompagnementFactory, ProgrammeFactory

from .conftest import engager

pytestmark = pytest.mark.django_db


def test_services_keep_the_summary_equal_to_the_recomputed_figures(coordinateur):
    programme = ProgrammeFactory()
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    mentor = accompagnement.mentors.get().user
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="Convention", by=coordinateur)
    seance = accompagnement_services.seance_plan(
        accompagnement=accompagnement,
        debut=timezone.now() - datetime.timedelta(days=2),
        demi_journees=2,
        modalite="presentiel",
        lieu="Salle",
        by=mentor,
    )
    accompagnement_services.seance_mark_held(seance=seance, by=mentor)
    accompagnement_services.compte_rendu_submit(
        seance=seance, travaux="Budget", outils="", progres={}, prochaines_etapes="", by=mentor
    )
    services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Affiches",
        date_depense=timezone.localdate(),
        montant=Decimal("80.00"),
        by=coordinateur,
    )
    resume = ResumeProgramme.objects.get(programme=programme)
    assert (resume.engage, resume.autres, resume.hj_livrees, resume.hj_planifiees, resume.hj_prevues) == (
        Decimal("1000.00"),
        Decimal("80.00"),
        2,
        2,
        4,
    )
    assert sum(resume.livrees_par_mois.values()) == 2
    assert resume_violations() == []


def test_a_wrong_summary_is_reported_with_the_stored_and_recomputed_values(coordinateur):
    programme = ProgrammeFactory()
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="Convention", by=coordinateur)
    assert resume_violations() == []
    ResumeProgramme.objects.filter(programme=programme).update(engage=Decimal("999.00"), hj_prevues=7)
    assert sorted((p, champ, stocke, recalcule) for p, champ, stocke, recalcule in resume_violations()) == [
        (programme, "engage", Decimal("999.00"), Decimal("1000.00")),
        (programme, "hj_prevues", 7, 4),
    ]


def test_the_dashboard_makes_a_missing_summary_before_reading_its_figures(client, programme, coordinateur):
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    engager(accompagnement, by=coordinateur)
    ResumeProgramme.objects.filter(programme=programme).delete()
    client.force_login(coordinateur)

    response = client.get(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}")

    assert response.status_code == 200
    assert ResumeProgramme.objects.get(programme=programme).engage == programme.montant_pour(4)
    assert response.context["chiffres"].engage == programme.montant_pour(4)
