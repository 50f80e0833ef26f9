"""50 payments at the same moment on a programme funded by three contributions (issue 17), on PostgreSQL.

Twelve accompagnements have 2 500 € committed each (30 000 €: the three contributions of 10 000 €,
used in order of priority). 50 payments of 700 € arrive at once, four or five per accompagnement:
three per accompagnement fit within what it has committed, the others are refused in French. Each
accepted payment is shared between the contributions under the envelope's and the contributions'
row locks, so no contribution pays more than it brings, and the figures add up to the cent.

Then the same rush without any row lock: the racing payments read stale totals, and the database's
CHECK constraints are what still keeps every contribution within its amount.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from budget import repartition, services
from budget.models import Contribution, Enveloppe, Imputation, Paiement, RegleRepartition
from core.exceptions import RuleViolation
from core.invariants import find_violations
from tests.factories import AccompagnementFactory, ProgrammeFactory

from .test_financeurs import CODES, pilote, trois_financeurs

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAIEMENTS = 50
MONTANT = Decimal("700.00")


@pytest.fixture
def scene():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent row locks need PostgreSQL (SQLite serialises every write); CI runs this on PostgreSQL.")
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    trois_financeurs(programme, regle=RegleRepartition.PRIORITE)
    accompagnements = [AccompagnementFactory(candidature__programme=programme) for _ in range(12)]
    for acc in accompagnements:
        services.engagement_create(accompagnement=acc, montant=Decimal("2500.00"), libelle="Convention", by=pilote())
    assert list(Contribution.objects.order_by("priorite").values_list("engage", flat=True)) == [Decimal("10000.00")] * 3
    return programme, accompagnements


def pay_all_at_once(accompagnements) -> list[str]:
    coordination = pilote()
    structures = [acc.mentors.get().structure for acc in accompagnements]
    barrier = threading.Barrier(PAIEMENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(index: int) -> None:
        try:
            barrier.wait()
            services.paiement_create(
                accompagnement=accompagnements[index % len(accompagnements)],
                structure=structures[index % len(accompagnements)],
                date_paiement=datetime.date(2026, 4, 2),
                montant=MONTANT,
                reference_facture=f"F-{index}",
                depassement_autorise=True,
                note="Avance sur facture",
                by=coordination,
            )
            result = "paid"
        except RuleViolation:
            result = "refused"
        except Exception as error:  # noqa: BLE001 - any other outcome is counted and shown
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(PAIEMENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def assert_no_contribution_below_zero(programme) -> None:
    for contribution in Contribution.objects.filter(programme=programme):
        assert contribution.montant - contribution.paye >= 0, contribution
        assert contribution.montant - contribution.engage - contribution.autres >= 0, contribution
        assert min(contribution.engage, contribution.paye, contribution.autres) >= 0, contribution
    paid = Paiement.objects.filter(accompagnement__programme=programme).aggregate(t=Sum("montant"))["t"] or Decimal("0")
    shared = Imputation.objects.filter(paiement__isnull=False).aggregate(t=Sum("montant"))["t"] or Decimal("0")
    on_rows = Contribution.objects.filter(programme=programme).aggregate(t=Sum("paye"))["t"]
    assert paid == shared == on_rows
    assert [v.message for v in find_violations([c for c in CODES if c != "budget.totaux_enveloppe"])] == []


def test_50_concurrent_payments_never_take_a_contribution_below_zero(scene, figure):
    programme, accompagnements = scene
    outcomes = pay_all_at_once(accompagnements)

    paid, refused = outcomes.count("paid"), outcomes.count("refused")
    errors = [o for o in outcomes if o not in ("paid", "refused")]
    figure(f"{PAIEMENTS} concurrent payments of 700 € on 3 contributions: {paid} paid, {refused} refused, {len(errors)} errors")
    assert errors == []
    assert (paid, refused) == (36, 14)  # three per accompagnement: 2 100 € of its 2 500 €
    assert_no_contribution_below_zero(programme)
    # In order of priority: DRAC, then CNM, are fully paid; the Région pays the rest (36 × 700 − 20 000).
    assert list(Contribution.objects.order_by("priorite").values_list("paye", flat=True)) == [
        Decimal("10000.00"),
        Decimal("10000.00"),
        Decimal("5200.00"),
    ]
    assert Enveloppe.objects.get(programme=programme).engage == Decimal("30000.00")


def test_without_row_locks_the_database_constraints_still_refuse_over_spending(scene, monkeypatch, figure):
    """The payments race on stale totals; each contribution's CHECK constraint is the last guard."""
    programme, accompagnements = scene
    monkeypatch.setattr(repartition, "USE_ROW_LOCK", False)
    monkeypatch.setattr(services, "_locked_envelope", lambda programme_id: Enveloppe.objects.get(programme_id=programme_id))
    outcomes = pay_all_at_once(accompagnements)

    rejected = [o for o in outcomes if "IntegrityError" in o]
    figure(f"same rush without row locks: {outcomes.count('paid')} paid, {len(rejected)} stopped by the CHECK constraints")
    assert all(o in ("paid", "refused") or "IntegrityError" in o for o in outcomes), outcomes
    for contribution in Contribution.objects.filter(programme=programme):
        assert contribution.paye <= contribution.montant, contribution
    paid = Paiement.objects.filter(accompagnement__programme=programme).aggregate(t=Sum("montant"))["t"] or Decimal("0")
    assert paid == Contribution.objects.filter(programme=programme).aggregate(t=Sum("paye"))["t"]
