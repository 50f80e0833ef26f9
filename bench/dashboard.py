"""Benchmark: server time of the budget dashboard at 10 000 accompagnements.

    .venv/bin/python bench/dashboard.py [--accompagnements 10000] [--runs 9]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_issue8 .venv/bin/python bench/dashboard.py

Creates a throw-away test database (test_<name>), fills one programme with N accompagnements,
3 sessions each (one held with its report, one cancelled late and counted, one planned), one
commitment each and a payment for one in three, then requests the dashboard through the Django
test client and prints the median, minimum and maximum server time and the number of queries.
"""

from __future__ import annotations

import argparse
import datetime
import os
import secrets
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
# Production settings (DEBUG off, no query log) need a SECRET_KEY: a throwaway one for the measure.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 2000
UNUSABLE = "!"  # an unusable password hash: nobody logs in with these accounts


def fill(n: int):
    from accompagnements.models import Accompagnement, CompteRendu, Seance
    from accounts.models import User
    from accounts.services import user_set_roles
    from budget.models import Engagement, Enveloppe, Paiement
    from candidatures.models import Candidature
    from programmes.models import DEPARTEMENTS_OCCITANIE, Format, Programme, Structure, TypeStructure

    today = timezone.localdate()
    programme = Programme.objects.create(
        nom="Programme de mesure",
        slug="bench",
        date_debut=today - datetime.timedelta(days=200),
        date_fin=today + datetime.timedelta(days=165),
    )
    formats = [
        Format.objects.create(programme=programme, code="tsf", libelle="TSF", demi_journees_max=4),
        Format.objects.create(programme=programme, code="mentorat", libelle="Mentorat", demi_journees_max=8, ordre=1),
    ]
    Enveloppe.objects.create(programme=programme, montant=Decimal("100000000.00"))
    departements = list(DEPARTEMENTS_OCCITANIE)  # the TSF's territory, as the figures were measured
    types = list(TypeStructure.values)
    structures = Structure.objects.bulk_create(
        [
            Structure(
                raison_sociale=f"Structure {i}",
                commune="Toulouse",
                departement=departements[i % len(departements)],
                type_structure=types[i % len(types)],
            )
            for i in range(300)
        ]
    )
    users = User.objects.bulk_create(
        [User(email=f"beneficiaire{i}@bench.test", password=UNUSABLE) for i in range(n)], batch_size=BATCH
    )
    candidatures = Candidature.objects.bulk_create(
        [
            Candidature(
                programme=programme,
                candidat=users[i],
                structure=structures[i % len(structures)],
                reference=f"B-{i:06d}",
                etat="selectionnee",
                soumise_le=timezone.now(),
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    accompagnements = Accompagnement.objects.bulk_create(
        [
            Accompagnement(
                reference=f"ACC-B-{i:06d}",
                programme=programme,
                candidature=candidatures[i],
                beneficiaire=users[i],
                structure_beneficiaire=structures[i % len(structures)],
                format=formats[i % 2],
                demi_journees_prevues=4,
                etat="en_cours",
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    from annuaire.models import Competence, Domaine

    domaines = list(Domaine.objects.all()[:6])
    competences = [Competence.objects.create(domaine=d, nom=f"Compétence de mesure {i}") for i, d in enumerate(domaines * 2)]
    through = Candidature.competences_souhaitees.through
    through.objects.bulk_create(
        [
            through(candidature_id=c.pk, competence_id=competences[(i + k) % len(competences)].pk)
            for i, c in enumerate(candidatures)
            for k in (0, 3)
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    seances = []
    for i, accompagnement in enumerate(accompagnements):
        seances.append(Seance(accompagnement=accompagnement, debut=now - datetime.timedelta(days=i % 190), etat="realisee"))
        seances.append(
            Seance(accompagnement=accompagnement, debut=now - datetime.timedelta(days=i % 90), etat="annulee", comptee=True)
        )
        seances.append(Seance(accompagnement=accompagnement, debut=now + datetime.timedelta(days=7)))
    seances = Seance.objects.bulk_create(seances, batch_size=BATCH)
    CompteRendu.objects.bulk_create(
        [CompteRendu(seance=s, soumis_le=now) for s in seances if s.etat == "realisee"], batch_size=BATCH
    )
    Engagement.objects.bulk_create(
        [
            Engagement(programme=programme, accompagnement=a, montant=Decimal("1000.00"), libelle="Convention")
            for a in accompagnements
        ],
        batch_size=BATCH,
    )
    Enveloppe.objects.filter(programme=programme).update(engage=Decimal("1000.00") * n)
    Paiement.objects.bulk_create(
        [
            Paiement(
                accompagnement=a,
                structure=structures[0],
                date_paiement=today,
                montant=Decimal("250.00"),
                reference_facture=f"F-{a.pk}",
            )
            for a in accompagnements[::3]
        ],
        batch_size=BATCH,
    )
    coordinateur = User.objects.create(email="coordination@bench.test", password=UNUSABLE)
    user_set_roles(user=coordinateur, role_names=["coordination"])
    return programme, coordinateur


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accompagnements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one request")
    parser.add_argument("--details", action="store_true", help="print the time of each SQL query of the last request")
    args = parser.parse_args()

    from django.conf import settings
    from django.test import Client

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        programme, coordinateur = fill(args.accompagnements)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database has them
        print(f"{args.accompagnements} accompagnements créés en {time.perf_counter() - started:.1f} s ({connection.vendor})")
        client = Client()
        client.force_login(coordinateur)
        url = f"/budget/?programme={programme.pk}"
        client.get(url)  # warm-up: templates, session, role cache
        timings = []
        queries = 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries = len(captured.captured_queries)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, url)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        if args.details:
            for query in captured.captured_queries:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}")
        print(
            f"Tableau de bord, {args.runs} requêtes : médiane {statistics.median(timings):.0f} ms, "
            f"min {min(timings):.0f} ms, max {max(timings):.0f} ms, {queries} requêtes SQL"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
