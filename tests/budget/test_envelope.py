import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum

from budget import services
from budget.models import Engagement, Enveloppe
from core.exceptions import RuleViolation
from tests.factories import AccompagnementFactory, ProgrammeFactory


@pytest.mark.django_db
def test_commitment_moves_the_committed_total_and_keeps_a_line(accompagnement, coordinateur):
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="Convention", by=coordinateur)
    enveloppe = Enveloppe.objects.get(programme=accompagnement.programme)
    assert enveloppe.engage == Decimal("1000.00")
    assert enveloppe.disponible == Decimal("29000.00")
    assert Engagement.objects.get().created_by == coordinateur


@pytest.mark.django_db
def test_commitment_over_the_envelope_is_refused_in_french_and_changes_nothing(coordinateur):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("1500.00"))
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="A", by=coordinateur)
    with pytest.raises(RuleViolation) as refused:
        services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="B", by=coordinateur)
    assert "il reste 500,00\u00a0€ disponibles" in refused.value.message
    assert Enveloppe.objects.get(programme=programme).engage == Decimal("1000.00")
    assert Engagement.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("montant", [Decimal("-10.00"), Decimal("0"), Decimal("10.001")])
def test_other_costs_refuse_negative_zero_and_sub_cent_amounts(programme, coordinateur, montant):
    import datetime

    with pytest.raises(RuleViolation):
        services.autre_depense_create(
            programme=programme,
            categorie="essaimage",
            libelle="Essaimage",
            date_depense=datetime.date(2026, 3, 1),
            montant=montant,
            by=coordinateur,
        )
    assert Enveloppe.objects.get(programme=programme).autres_depenses == Decimal("0")


@pytest.mark.django_db
def test_other_costs_consume_the_envelope(programme, coordinateur):
    import datetime

    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Essaimage Co",
        date_depense=datetime.date(2026, 3, 1),
        montant=Decimal("2500.00"),
        by=coordinateur,
    )
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    with pytest.raises(RuleViolation):
        services.engagement_create(accompagnement=accompagnement, montant=Decimal("27500.50"), libelle="X", by=coordinateur)
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("27500.00"), libelle="X", by=coordinateur)
    assert Enveloppe.objects.get(programme=programme).disponible == Decimal("0.00")


@pytest.mark.django_db
def test_the_database_itself_refuses_an_over_committed_envelope(programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enveloppe.objects.filter(programme=programme).update(engage=Decimal("30000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enveloppe.objects.filter(programme=programme).update(engage=Decimal("-1"))


@pytest.mark.django_db
def test_budget_lines_are_never_edited_nor_deleted(accompagnement, coordinateur):
    line = services.engagement_create(accompagnement=accompagnement, montant=Decimal("500.00"), libelle="A", by=coordinateur)
    line.montant = Decimal("1.00")
    with pytest.raises(RuleViolation):
        line.save()
    with pytest.raises(RuleViolation):
        line.delete()
    assert Engagement.objects.get().montant == Decimal("500.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_commitments_never_exceed_the_envelope(coordinateur):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL; CI runs this file on PostgreSQL")
    programme = ProgrammeFactory(setup__enveloppe=Decimal("30000.00"))
    accompagnements = [AccompagnementFactory(candidature__programme=programme) for _ in range(4)]
    threads_count = 50
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def commit(index: int) -> None:
        try:
            barrier.wait()
            services.engagement_create(
                accompagnement=accompagnements[index % 4],
                montant=Decimal("2500.00"),
                libelle=f"Engagement {index}",
                by=coordinateur,
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

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 12
    assert outcomes.count("refused") == threads_count - 12
    enveloppe = Enveloppe.objects.get(programme=programme)
    assert enveloppe.engage == Decimal("30000.00")
    assert Engagement.objects.filter(programme=programme).aggregate(total=Sum("montant"))["total"] == Decimal("30000.00")
