"""Benchmark of the batch matching: synthetic directory and queue, realistic weighted scores.

    .venv/bin/python bench/matching.py            # 1 000 × 300 and 5 000 × 1 000
    .venv/bin/python bench/matching.py --sizes 200x80 --repeat 1

Profiles are drawn like real ones: a few popular domains, discrete levels 1–3, a handful of
project types and sizes, départements weighted by population. Scores therefore take few distinct
values (many near-ties), which is harder for an assignment solver than uniform random costs.

For each size it prints: scoring time (the numpy score matrix, `matching.score_matrix`), the
assignment time (`matching.assign`: graph, solve, extraction), end to end (both), the bare
OR-Tools `SimpleMinCostFlow.solve()` on the same scores, their ratio, capacity violations and
coverage (matched files against min(files, total capacity)). Not a timed test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
# Production settings (DEBUG off, no query log) need a SECRET_KEY: a throwaway one for the measure.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from annuaire import matching  # noqa: E402
from annuaire.matching import Dossier, Mentor, Poids  # noqa: E402

DEPARTEMENTS = {
    "31": 30,
    "34": 25,
    "30": 10,
    "66": 7,
    "11": 5,
    "81": 5,
    "12": 4,
    "65": 3,
    "82": 3,
    "46": 2,
    "32": 2,
    "09": 2,
    "48": 1,
}
TYPES = ["scene", "festival", "production", "label", "studio", "enseignement", "management", "amateur", "collectif"]
TAILLES = ["0", "1-2", "3-9", "10+"]
DOMAINES = [list(range(d * 4, d * 4 + 4)) for d in range(8)]  # 8 domains × 4 competences
POPULARITE = [5, 4, 4, 2, 2, 3, 2, 3]  # communication, gestion, financements… the needs most asked


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def synthetic(n_files: int, n_mentors: int, *, missions_max: int, seed: int = 2026):
    rng = random.Random(seed)  # nosec B311 # seeded generator for reproducible benchmark data
    mentors = []
    for j in range(n_mentors):
        domaines = rng.choices(range(8), weights=POPULARITE, k=rng.choice([1, 2, 2, 3]))
        comps = {
            c: rng.choices([1, 2, 3], weights=[1, 3, 2])[0] for d in domaines for c in rng.sample(DOMAINES[d], rng.randint(1, 3))
        }
        mentors.append(
            Mentor(
                id=j,
                nom=f"Mentor {j}",
                structure_id=100_000 + j // 2,  # two mentors per employer on average
                departement=_pick(rng, DEPARTEMENTS),
                mobilite=rng.choices(matching.MOBILITES, weights=[3, 5, 3, 1])[0],
                valide=rng.random() > 0.03,
                competences=comps,
                types_projets=frozenset(rng.sample(TYPES, rng.randint(1, 3))),
                tailles_projets=frozenset(rng.sample(TAILLES, rng.randint(1, 2))),
                disponibilite=rng.choice([16, 20, 24, 32]),
                demi_journees_engagees=rng.choice([0, 0, 0, 2, 4]),
                missions=rng.choices(range(missions_max), weights=[6, 2, 1, 1][:missions_max])[0],
            )
        )
    dossiers = []
    for i in range(n_files):
        domaines = rng.choices(range(8), weights=POPULARITE, k=rng.choice([1, 1, 2]))
        besoins = {c: rng.randint(1, 3) for d in domaines for c in rng.sample(DOMAINES[d], rng.randint(1, 2))}
        structure = rng.randint(1, n_files) if rng.random() > 0.02 else 100_000 + rng.randrange(n_mentors // 2)
        dossiers.append(
            Dossier(
                id=i,
                structure_id=structure,
                departement=_pick(rng, DEPARTEMENTS),
                type_structure=rng.choice(TYPES),
                taille=rng.choices(TAILLES, weights=[3, 4, 3, 1])[0],
                demi_journees=rng.choice([2, 2, 4, 4, 8]),
                besoins=besoins,
                pressenti_id=rng.randrange(n_mentors) if rng.random() < 0.1 else None,
                partenaires=frozenset(100_000 + rng.randrange(n_mentors // 2) for _ in range(rng.choice([0] * 19 + [2]))),
            )
        )
    return dossiers, mentors


def run(n_files: int, n_mentors: int, *, missions_max: int, repeat: int) -> dict:
    dossiers, mentors = synthetic(n_files, n_mentors, missions_max=missions_max)
    poids = Poids()
    capacites = matching.capacites(mentors, missions_max=missions_max)
    best = {"scoring": float("inf"), "assign": float("inf"), "e2e": float("inf"), "bare": float("inf")}
    for _ in range(repeat):
        t0 = time.perf_counter()
        scores, eligible = matching.score_matrix(dossiers, mentors, poids, missions_max=missions_max)
        t1 = time.perf_counter()
        result = matching.assign(scores, eligible, capacites)
        t2 = time.perf_counter()
        flow, *_ = matching.build_flow(scores, eligible, capacites, matched=len(result.paires))
        t3 = time.perf_counter()
        flow.solve()
        t4 = time.perf_counter()
        best = {
            "scoring": min(best["scoring"], t1 - t0),
            "assign": min(best["assign"], t2 - t1),
            "e2e": min(best["e2e"], t2 - t0),
            "bare": min(best["bare"], t4 - t3),
        }
    load = np.bincount(np.fromiter(result.paires.values(), dtype=np.int64), minlength=len(mentors))
    violations = int((load > capacites).sum()) + sum(1 for f, m in result.paires.items() if not eligible[f, m])
    expected = min(n_files, int(capacites.sum()))
    elig_scores = scores[eligible]
    return {
        "files": n_files,
        "mentors": n_mentors,
        "capacity": int(capacites.sum()),
        "pairs": int(eligible.sum()),
        "distinct": len(np.unique(elig_scores)),
        **best,
        "ratio": best["e2e"] / best["bare"],
        "ratio_assign": best["assign"] / best["bare"],
        "violations": violations,
        "matched": len(result.paires),
        "expected": expected,
        "total": result.total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["1000x300", "5000x1000"], help="FILESxMENTORS")
    parser.add_argument("--cap", type=int, default=4, help="missions au plus par personne-ressource (4)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    targets = {(1000, 300): 0.5, (5000, 1000): 10.0}
    print(f"CPU: {os.cpu_count()} cœurs · capacité ≤ {args.cap} missions par personne-ressource · meilleur de {args.repeat}")
    for size in args.sizes:
        n_files, n_mentors = (int(x) for x in size.lower().split("x"))
        r = run(n_files, n_mentors, missions_max=args.cap, repeat=args.repeat)
        print(
            f"\n{r['files']} dossiers × {r['mentors']} personnes-ressources "
            f"(capacité totale {r['capacity']}, {r['pairs']} paires éligibles, {r['distinct']} scores distincts)"
        )
        print(f"  calcul des scores (numpy)      {r['scoring']:8.3f} s")
        print(f"  affectation (graphe + solveur) {r['assign']:8.3f} s")
        print(f"  bout en bout                   {r['e2e']:8.3f} s")
        print(f"  solveur seul (solve())         {r['bare']:8.3f} s")
        print(f"  ratio bout en bout / solveur   {r['ratio']:8.2f}   (affectation seule / solveur : {r['ratio_assign']:.2f})")
        print(f"  dépassements de capacité       {r['violations']:8d}")
        print(f"  couverture                     {r['matched']:8d} / {r['expected']} = min(dossiers, capacité)")
        print(f"  score total                    {r['total']:12.2f}")
        target = targets.get((n_files, n_mentors))
        checks = [
            ("0 dépassement", r["violations"] == 0),
            ("couverture complète", r["matched"] == r["expected"]),
            ("bout en bout ≤ 3× solveur", r["ratio"] <= 3),
        ]
        if target:
            checks.append((f"bout en bout ≤ {target} s", r["e2e"] <= target))
        print("  objectifs : " + ", ".join(f"{name} {'OK' if ok else 'NON'}" for name, ok in checks))


if __name__ == "__main__":
    main()
