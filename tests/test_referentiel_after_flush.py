import pytest
from django.core.management import call_command

from annuaire.models import Competence, Domaine


@pytest.mark.django_db(transaction=True)
def test_the_starting_referentiel_comes_back_after_a_flush():
    call_command("flush", "--noinput", verbosity=0)
    assert Domaine.objects.filter(slug="communication").exists()
    assert Competence.objects.filter(nom="Modèle économique").exists()


@pytest.mark.django_db
def test_an_edited_referentiel_is_not_reloaded():
    from annuaire.referentiel import referentiel_initialiser

    Competence.objects.filter(nom="Modèle économique").delete()
    assert referentiel_initialiser() == 0
    assert not Competence.objects.filter(nom="Modèle économique").exists()
