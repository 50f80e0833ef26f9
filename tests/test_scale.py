"""The guard of issue 14: no page grows with the history.

The permission matrix's programme is grown twice by the same recipe, to n then 10 n rows of every
model that a list shows (applications, accompagnements and their sessions, mentors, draft proposals,
reminders sent, ledger lines, committee meetings and files, evaluations, exports); then every routed
GET page is asked as every role that may open it. For each page, the number of queries must be the
same at both sizes and the response may not grow by more than 20 %: a page that fails names itself.

Page sizes are capped below n (TSF_PAGE_SIZE_MAX, TSF_ICS_MAX_EVENTS) so that "a page at a time"
shows the same number of rows at both sizes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import Accompagnement
from annuaire.models import Proposition
from budget import services as budget_services
from budget.models import Export, Paiement, TypeExport
from candidatures.models import Etat
from comite.models import ReunionComite, Saisine
from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from relances.models import EtatRelance, Relance, TypeRelance
from tests.factories import AccompagnementFactory, CandidatureFactory, PersonneRessourceFactory, SeanceFactory
from tests.security.matrix_scene import ROLES, Scene, build_scene
from tests.security.test_permission_matrix import MATRIX, OK, _kwargs, all_routes

pytestmark = pytest.mark.django_db

N = 3
GROWTH = 1.20
# Downloads whose content is, by definition, everything there is (checked for constant queries only).
COMPLETE_BY_DEFINITION = {
    "accounts:export_mes_donnees": "a person's data export (GDPR right of access) holds all their data",
    "accounts:export_personne": "the same export, asked by the coordination for a person",
    "annuaire:cartographie_csv": "the directory's CSV export",
}


def grow(scene: Scene, count: int, start: int) -> None:
    """Add `count` rows of every list-bearing model to the scene's programme (numbered from `start`)."""
    objects, users = scene.objects, scene.users
    programme, mentor, coordination = objects["programme"], objects["mentor"], users["coordination"]
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Accompagnement)
    for i in range(start, start + count):
        CandidatureFactory(programme=programme, etat=Etat.SOUMISE, soumise_le=now - datetime.timedelta(days=i))
        retenue = CandidatureFactory(
            programme=programme,
            etat=Etat.SELECTIONNEE,
            format_retenu=programme.formats.get(code="tsf"),
            demi_journees_retenues=2,
        )
        # The assigned mentor's missions grow too (a mentor with many missions over the years).
        accompagnement = AccompagnementFactory(candidature__programme=programme, mentors=[mentor])
        SeanceFactory(accompagnement=accompagnement, debut=now + datetime.timedelta(days=1 + i % 20, hours=i))
        SeanceFactory(accompagnement=accompagnement, debut=now - datetime.timedelta(days=1 + i % 20, hours=i))
        autre = PersonneRessourceFactory()
        Proposition.objects.create(candidature=retenue, personne_ressource=autre, etat="brouillon", score=Decimal("10"))
        Relance.objects.create(
            programme=programme,
            type_relance=TypeRelance.ECART_SEANCES,
            destinataire=coordination,
            content_type=content_type,
            object_id=accompagnement.pk,
            echeance=now - datetime.timedelta(days=i),
            etat=EtatRelance.ENVOYEE,
            envoyee_le=now - datetime.timedelta(days=i),
        )
        budget_services.engagement_create(
            accompagnement=accompagnement, montant=Decimal("500.00"), libelle=f"Engagement {i}", by=coordination
        )
        Paiement.objects.create(
            accompagnement=accompagnement,
            structure=mentor.structure,
            date_paiement=timezone.localdate(),
            montant=Decimal("100.00"),
            reference_facture=f"F-{i}",
            created_by=coordination,
        )
        budget_services.autre_depense_create(
            programme=programme,
            categorie="communication",
            libelle=f"Dépense {i}",
            date_depense=timezone.localdate(),
            montant=Decimal("10.00"),
            by=coordination,
        )
        reunion = ReunionComite.objects.create(programme=programme, date=now - datetime.timedelta(days=30 + i))
        Saisine.objects.create(candidature=retenue, reunion=reunion, saisi_par=coordination)
        Evaluation.objects.create(
            accompagnement=accompagnement,
            moment=Moment.SORTIE,
            repondant=Repondant.BENEFICIAIRE,
            personne=accompagnement.beneficiaire,
            etat=EtatEvaluation.REPONDUE,
            repondue_le=now,
            satisfaction_format=4,
        )
        Export.objects.create(programme=programme, type_export=TypeExport.RAPPORT_PDF, demande_par=coordination)


def measure(clients: dict[str, Client], pages: list[tuple[str, str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(route, role) → (queries, bytes) of each page, every request rolled back."""
    figures = {}
    for name, url, role in pages:
        connection.queries_log.clear()  # a bounded deque: counts taken from a full one would be wrong
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
            transaction.set_rollback(True)
        if response.status_code == 200:
            figures[(name, role)] = (len(queries.captured_queries), len(body))
    return figures


def test_every_page_is_the_same_size_and_cost_at_n_and_10n(settings, figure):
    # One instant for the whole test: session touches of the staff idle clock come from time passing, not size.
    with time_machine.travel(timezone.now(), tick=False):
        _compare(settings, figure)


def _compare(settings, figure) -> None:
    settings.TSF_PAGE_SIZE_MAX = 2
    settings.TSF_ICS_MAX_EVENTS = 2
    scene = build_scene()
    clients = {role: Client(raise_request_exception=False) for role in ROLES}
    for role, user in scene.users.items():
        clients[role].force_login(user)
    pages = [
        (name, reverse(name, kwargs=_kwargs(name, pattern, scene.objects)), role)
        for name, pattern in all_routes()
        if not name.startswith("admin:")
        for role in ROLES
        if MATRIX.get(name, {}).get(role) == OK
    ]
    grow(scene, N, 0)
    measure(clients, pages)  # warm: caches, and the summaries that factories dropped
    small = measure(clients, pages)
    grow(scene, 9 * N, N)
    measure(clients, pages)
    large = measure(clients, pages)

    problems = []
    for key, (queries, size) in sorted(small.items()):
        if key not in large:
            problems.append(f"{key[0]} as {key[1]}: answered 200 at n, not at 10 n")
            continue
        queries_large, size_large = large[key]
        if queries_large != queries:
            problems.append(f"{key[0]} as {key[1]}: {queries} queries at n, {queries_large} at 10 n")
        if size_large > size * GROWTH and key[0] not in COMPLETE_BY_DEFINITION:
            problems.append(f"{key[0]} as {key[1]}: {size} bytes at n, {size_large} at 10 n (+{size_large / size - 1:.0%})")
    figure(f"{len(small)} pages × roles compared at n={N} and 10 n; {len(problems)} grow")
    assert not problems, "\n".join(problems)
