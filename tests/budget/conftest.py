import datetime

import pytest
from django.utils import timezone

from accompagnements.models import CompteRendu
from tests.factories import SeanceFactory, resume_a_jour


def seance_livree(accompagnement, demi_journees=1, *, days_ago=10):
    """A session held with its report submitted: delivered."""
    seance = SeanceFactory(
        accompagnement=accompagnement,
        demi_journees=demi_journees,
        etat="realisee",
        debut=timezone.now() - datetime.timedelta(days=days_ago),
    )
    CompteRendu.objects.create(seance=seance, travaux="Travail", soumis_le=timezone.now())
    resume_a_jour(seance)  # as compte_rendu_submit does
    return seance


def engager(accompagnement, *, by):
    """Commit the accompagnement's convention amount, as its signature does: payments stay within it."""
    from budget.services import engagement_create

    montant = accompagnement.programme.montant_pour(accompagnement.demi_journees_prevues)
    return engagement_create(accompagnement=accompagnement, montant=montant, libelle="Convention", by=by)


def seance_annulee_tard(accompagnement, demi_journees=1):
    """Cancelled less than 48 h before without a valid reason: counted as consumed."""
    return SeanceFactory(
        accompagnement=accompagnement,
        demi_journees=demi_journees,
        etat="annulee",
        comptee=True,
        debut=timezone.now() - datetime.timedelta(days=3),
    )


@pytest.fixture
def livree():
    return seance_livree


@pytest.fixture
def annulee_tard():
    return seance_annulee_tard
