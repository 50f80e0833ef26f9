"""The score and the batch solver, on plain data (no database)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from annuaire import matching
from annuaire.matching import Dossier, Mentor, Poids


def dossier(**kw) -> Dossier:
    base = {
        "id": 1,
        "structure_id": 100,
        "departement": "34",
        "type_structure": "festival",
        "taille": "3-9",
        "demi_journees": 2,
        "besoins": {1: 3, 2: 1},
        "besoins_noms": {1: "Mécénat", 2: "Paie"},
    }
    return Dossier(**(base | kw))


def mentor(id: int, **kw) -> Mentor:
    base = {
        "id": id,
        "nom": f"Mentor {id}",
        "structure_id": 200 + id,
        "departement": "34",
        "mobilite": "voisins",
        "valide": True,
        "competences": {1: 3, 2: 3},
        "types_projets": frozenset({"festival"}),
        "tailles_projets": frozenset({"3-9"}),
        "disponibilite": 8,
    }
    return Mentor(**(base | kw))


def test_perfect_match_scores_each_part_in_full_and_explains_it():
    score = matching.score_pair(dossier(pressenti_id=1), mentor(1, departement="30"), Poids())
    # Neighbouring département within reach: geography in full (mobility is a goal).
    assert score.total == 100.0
    parts = {p.code: p for p in score.parts}
    assert set(parts) == {"competences", "experience", "geographie", "disponibilite", "nouveaute", "pressenti"}
    assert "Mécénat (niveau 3/3)" in parts["competences"].explication
    assert "pressentie" in parts["pressenti"].explication
    assert "voisin" in parts["geographie"].explication


def test_needs_are_weighted_by_priority_and_level():
    # Covers only the priority-3 need at level 3: 3/4 of the needs; level 1 on it: 1/4.
    d = dossier()
    assert matching.score_pair(d, mentor(1, competences={1: 3}), Poids()).parts[0].valeur == pytest.approx(0.75)
    assert matching.score_pair(d, mentor(1, competences={1: 1}), Poids()).parts[0].valeur == pytest.approx(0.25)
    assert matching.score_pair(d, mentor(1, competences={2: 3}), Poids()).parts[0].valeur == pytest.approx(0.25)


def test_hand_made_total_with_programme_weights():
    # competences 0.75, experience 0.5 (type only), geography 0.8 (same dept), availability 8/(2*2)=1,
    # novelty 0 (worked together before), not the person in mind.
    d = dossier(partenaires=frozenset({201}))
    m = mentor(1, competences={1: 3}, tailles_projets=frozenset())
    score = matching.score_pair(
        d, m, Poids(competences=40, experience=20, geographie=10, disponibilite=10, nouveaute=10, pressenti=10)
    )
    assert score.total == pytest.approx((40 * 0.75 + 20 * 0.5 + 10 * 0.8 + 10 * 1 + 0 + 0) * 100 / 100)
    assert "déjà travaillé ensemble" in score.parts[4].explication


def test_perfect_match_ranks_first_and_excluded_never_ranked():
    d = dossier()
    mentors = [
        mentor(1, competences={2: 1}, types_projets=frozenset(), departement="09", mobilite="departement"),
        mentor(2),  # perfect
        mentor(3, structure_id=100),  # same structure as the applicant
        mentor(4, valide=False),
        mentor(5, disponibilite=1),  # 1 half-day left for 2 asked
        mentor(6, missions=2),  # cap reached
        mentor(7, competences={1: 2}),
    ]
    ranked, excluded = matching.rank(d, mentors, Poids(), missions_max=2)
    assert [s.mentor.id for s in ranked] == [2, 7, 1]
    assert {e.mentor.id for e in excluded} == {3, 4, 5, 6}
    motifs = {e.mentor.id: e.motif for e in excluded}
    assert "structure" in motifs[3]
    assert "non validé" in motifs[4]
    assert "Disponibilité insuffisante" in motifs[5]
    assert "Plafond" in motifs[6]


def test_distance_is_not_only_a_cost():
    far = matching.geographie(mentor_departement="66", mobilite="region", dossier_departement="46")[0]
    same = matching.geographie(mentor_departement="46", mobilite="region", dossier_departement="46")[0]
    out_of_reach = matching.geographie(mentor_departement="66", mobilite="departement", dossier_departement="46")[0]
    assert far > same > out_of_reach


def _random_instance(rng: random.Random, nf: int, nm: int):
    comps = list(range(1, 8))
    dossiers = [
        Dossier(
            id=i,
            structure_id=rng.randint(1, 6),
            departement=rng.choice(["09", "31", "34", "46", "66"]),
            type_structure=rng.choice(["festival", "scene", "label"]),
            taille=rng.choice(["0", "1-2", "3-9", "10+"]),
            demi_journees=rng.choice([1, 2, 4]),
            besoins={c: rng.randint(1, 3) for c in rng.sample(comps, rng.randint(0, 3))},
            pressenti_id=rng.choice([None, rng.randint(0, nm - 1)]),
            partenaires=frozenset(rng.sample(range(1, 9), rng.randint(0, 2))),
        )
        for i in range(nf)
    ]
    mentors = [
        Mentor(
            id=j,
            nom=f"M{j}",
            structure_id=rng.randint(1, 8),
            departement=rng.choice(["09", "31", "34", "46", "66"]),
            mobilite=rng.choice(matching.MOBILITES),
            valide=rng.random() > 0.1,
            competences={c: rng.randint(1, 3) for c in rng.sample(comps, rng.randint(1, 4))},
            types_projets=frozenset(rng.sample(["festival", "scene", "label"], rng.randint(0, 2))),
            tailles_projets=frozenset(rng.sample(["0", "1-2", "3-9", "10+"], rng.randint(0, 2))),
            disponibilite=rng.choice([2, 4, 8]),
            demi_journees_engagees=rng.choice([0, 0, 2]),
            missions=rng.choice([0, 0, 1]),
        )
        for j in range(nm)
    ]
    return dossiers, mentors


def test_matrix_scores_equal_the_explained_scores():
    rng = random.Random(7)
    dossiers, mentors = _random_instance(rng, 12, 15)
    poids = Poids(competences=35, experience=15, geographie=20, disponibilite=5, nouveaute=15, pressenti=10)
    scores, eligible = matching.score_matrix(dossiers, mentors, poids, missions_max=2)
    for i, d in enumerate(dossiers):
        for j, m in enumerate(mentors):
            assert eligible[i, j] == (matching.exclusion(d, m, missions_max=2) is None)
            assert scores[i, j] == pytest.approx(matching.score_pair(d, m, poids).total, abs=0.011)


def _brute_force(scores, eligible, caps):
    """Best (number matched, total) over every assignment of files to a mentor or to nobody."""
    nf, nm = scores.shape
    best = (0, 0.0)
    for choice in itertools.product([-1, *range(nm)], repeat=nf):
        load = [0] * nm
        ok = True
        for f, m in enumerate(choice):
            if m >= 0:
                if not eligible[f, m]:
                    ok = False
                    break
                load[m] += 1
        if not ok or any(load[m] > caps[m] for m in range(nm)):
            continue
        matched = sum(1 for m in choice if m >= 0)
        total = round(sum(scores[f, m] for f, m in enumerate(choice) if m >= 0), 2)
        best = max(best, (matched, total))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_batch_is_optimal_on_small_cases_and_never_exceeds_capacity(seed):
    rng = np.random.default_rng(seed)
    nf, nm = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    # Near-ties on purpose: few distinct values, as real competence profiles give.
    scores = np.round(rng.choice([40.0, 52.5, 55.0, 60.0, 72.5, 90.0], size=(nf, nm)), 2)
    eligible = rng.random((nf, nm)) > 0.25
    caps = rng.integers(0, 3, size=nm)
    result = matching.assign(scores, eligible, caps)
    load = np.bincount(list(result.paires.values()), minlength=nm)
    assert (load <= caps).all()
    assert all(eligible[f, m] for f, m in result.paires.items())
    assert (len(result.paires), result.total) == _brute_force(scores, eligible, caps)


def test_batch_respects_half_days_left():
    # One mentor with room for 2 missions but only 4 half-days: two files of 4 cannot both go to them.
    scores = np.array([[90.0, 50.0], [80.0, 40.0]])
    eligible = np.ones((2, 2), dtype=bool)
    result = matching.assign(scores, eligible, [2, 2], demandes=[4, 4], restes=[4, 8])
    assert sorted(result.paires.values()) == [0, 1]
    assert result.total == pytest.approx(max(90 + 40, 80 + 50))
    assert result.iterations == 2


def test_several_mentees_per_mentor_when_capacity_allows():
    scores = np.array([[90.0, 10.0], [85.0, 20.0], [80.0, 30.0]])
    result = matching.assign(scores, np.ones((3, 2), dtype=bool), [3, 1])
    assert sorted(result.paires.items()) == [(0, 0), (1, 0), (2, 0)]


def test_files_nobody_can_take_stay_unmatched_and_the_rest_is_optimal():
    # File 2 has no eligible mentor: the first attempt (3 files for 3 places) is infeasible,
    # the max flow says 2, and the two others get the best total.
    scores = np.array([[90.0, 60.0], [85.0, 80.0], [99.0, 99.0]])
    eligible = np.array([[True, True], [True, True], [False, False]])
    result = matching.assign(scores, eligible, [1, 2])
    assert result.paires == {0: 0, 1: 1}
    assert result.total == 170.0
