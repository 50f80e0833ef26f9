import datetime

import pytest
from django.utils import timezone

from tests.factories import AccompagnementFactory, PersonneRessourceFactory, SeanceFactory, StructureFactory


def dans(days: float = 0, hours: float = 0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


@pytest.fixture
def mentor(db):
    return PersonneRessourceFactory()


@pytest.fixture
def acc(db, programme, mentor):
    """An accompagnement under way (convention signed) with 4 half-days of TSF."""
    return AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)


@pytest.fixture
def seance(acc):
    return SeanceFactory(accompagnement=acc, debut=dans(days=7))


@pytest.fixture
def autre_structure(db):
    return StructureFactory()
