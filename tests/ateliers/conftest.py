import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ateliers import services
from programmes.models import Format, NatureFormat
from tests.factories import PersonneRessourceFactory, UserFactory


def dans(days: float = 0, hours: float = 0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


def format_atelier(programme, *, places: int = 12, participation: str = "18.00") -> Format:
    """A collective format as PEER CULTURE's (12 places, 18 € a half-day for non-members): test data."""
    return Format.objects.create(
        programme=programme,
        code="atelier",
        libelle="Atelier collectif",
        nature=NatureFormat.COLLECTIF,
        demi_journees_min=1,
        demi_journees_max=1,
        participants_max=places,
        participation_non_membre=Decimal(participation),
        ordre=5,
    )


def beneficiaires(n: int) -> list:
    return [UserFactory(roles=["candidat"]) for _ in range(n)]


@pytest.fixture
def animatrice(db):
    return PersonneRessourceFactory()


@pytest.fixture
def atelier(db, programme, coordinateur, animatrice):
    return services.atelier_create(
        programme=programme,
        format=format_atelier(programme),
        titre="Pitcher son projet",
        debut=dans(days=10),
        duree=1,
        lieu="Toulouse, salle 2",
        personne_ressource=animatrice,
        by=coordinateur,
    )
