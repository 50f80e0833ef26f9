"""Two registrations at the same second never take more places than the atelier has (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from ateliers import services
from ateliers.models import EtatInscription, Inscription
from core.invariants import find_violations
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.factories import ProgrammeFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_the_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    programme = ProgrammeFactory()
    coordinateur = UserFactory(roles=["coordination"])
    atelier = services.atelier_create(
        programme=programme,
        format=format_atelier(programme, places=3),
        titre="Atelier disputé",
        debut=dans(days=5),
        duree=1,
        lieu="Toulouse",
        by=coordinateur,
    )
    personnes = beneficiaires(12)
    barrier = threading.Barrier(len(personnes))
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(index: int) -> None:
        personne = personnes[index]
        try:
            barrier.wait()
            result = services.inscription_create(atelier=atelier, participant=personne, by=personne).etat
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure we want to see
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(len(personnes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(EtatInscription.INSCRITE) == 3, outcomes
    assert outcomes.count(EtatInscription.EN_ATTENTE) == 9, outcomes
    assert Inscription.objects.filter(atelier=atelier, etat=EtatInscription.INSCRITE).count() == 3
    assert find_violations(["ateliers.capacite", "ateliers.liste_attente", "ateliers.ordre_attente"]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_move_up_exactly_as_many_as_freed():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    programme = ProgrammeFactory()
    coordinateur = UserFactory(roles=["coordination"])
    atelier = services.atelier_create(
        programme=programme,
        format=format_atelier(programme, places=4),
        titre="Atelier mouvant",
        debut=dans(days=5),
        duree=1,
        lieu="Toulouse",
        by=coordinateur,
    )
    personnes = beneficiaires(10)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    # Two confirmed withdraw while two new people register, all at once.
    nouveaux = beneficiaires(2)
    barrier = threading.Barrier(4)
    errors: list[str] = []

    def act(index: int) -> None:
        try:
            barrier.wait()
            if index < 2:
                services.inscription_withdraw(inscription=inscriptions[index], by=personnes[index])
            else:
                services.inscription_create(atelier=atelier, participant=nouveaux[index - 2], by=nouveaux[index - 2])
        except Exception as error:  # noqa: BLE001 - any outcome but success is a failure we want to see
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    confirmees = Inscription.objects.filter(atelier=atelier, etat=EtatInscription.INSCRITE)
    assert confirmees.count() == 4
    # The first two waiting moved up, not the newcomers.
    assert set(confirmees.values_list("participant_id", flat=True)) == {p.pk for p in personnes[2:6]}
    assert find_violations(["ateliers.capacite", "ateliers.liste_attente", "ateliers.ordre_attente"]) == []
