import threading

import pytest
from django.db import connection, connections

from accompagnements import services
from accompagnements.models import Seance
from core.exceptions import RuleViolation
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, ProgrammeFactory, StructureFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plans_never_exceed_the_structure_limit():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    programme = ProgrammeFactory()
    structure = StructureFactory()
    mentor = PersonneRessourceFactory()
    accs = [
        AccompagnementFactory(
            candidature__programme=programme, candidature__structure=structure, mentors=[mentor], demi_journees_prevues=4
        )
        for _ in range(2)
    ]
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def plan(index: int) -> None:
        try:
            barrier.wait()
            services.seance_plan(
                accompagnement=accs[index % 2],
                debut=dans(days=10 + index),
                demi_journees=1,
                modalite="presentiel",
                lieu="Salle",
                by=mentor.user,
            )
            result = "ok"
        except RuleViolation:
            result = "refused"
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure we want to see
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=plan, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 4, outcomes
    assert outcomes.count("refused") == threads_count - 4
    assert Seance.objects.filter(accompagnement__structure_beneficiaire=structure).count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_make_one_session():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    programme = ProgrammeFactory()
    mentor = PersonneRessourceFactory()
    accs = [AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4) for _ in range(2)]
    (creneau,) = services.creneaux_publish(
        mentor=mentor, debut=dans(days=10), demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
    )
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(index: int) -> None:
        acc = accs[index % 2]
        try:
            barrier.wait()
            services.creneau_book(creneau=creneau, accompagnement=acc, by=acc.beneficiaire)
            result = "ok"
        except RuleViolation as error:
            result = "refused" if "vient d’être réservé" in error.message else f"other refusal: {error.message}"
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure we want to see
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("refused") == threads_count - 1, outcomes
    creneau.refresh_from_db()
    assert Seance.objects.count() == 1 and creneau.seance == Seance.objects.get()
