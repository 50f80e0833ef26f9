"""Matching a selected file with personnes-ressources: explainable scores and the optimal batch.

Pure functions on plain data (no ORM): `selectors.py` turns rows into `Dossier` / `Mentor`
profiles. Two implementations of one score:

- `score_pair` / `rank` explain each part of the score in one French sentence (the ranking page);
- `score_matrix` computes the same totals for a whole queue at once with numpy (the batch),
  pinned to `score_pair` by tests.

The batch is an assignment maximising first the number of files matched, then the total score,
under each mentor's capacity: a min-cost flow solved by OR-Tools (`assign`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import models
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from programmes.models import DEPARTEMENTS_OCCITANIE, Departement, TypeStructure


class TailleStructure(models.TextChoices):
    """Size of a structure by its staff (Structure.nombre_salaries)."""

    SANS_SALARIE = "0", _("Sans salarié·e")
    TRES_PETITE = "1-2", _("1 ou 2 salarié·es")
    PETITE = "3-9", _("3 à 9 salarié·es")
    MOYENNE = "10+", _("10 salarié·es ou plus")


def taille_of(nombre_salaries: int) -> str:
    if nombre_salaries <= 0:
        return TailleStructure.SANS_SALARIE.value
    if nombre_salaries <= 2:
        return TailleStructure.TRES_PETITE.value
    if nombre_salaries <= 9:
        return TailleStructure.PETITE.value
    return TailleStructure.MOYENNE.value


# Neighbouring départements inside Occitanie (shared border).
_FRONTIERES = [
    ("09", "31"), ("09", "11"), ("09", "66"), ("11", "31"), ("11", "81"), ("11", "34"), ("11", "66"),
    ("12", "46"), ("12", "82"), ("12", "81"), ("12", "34"), ("12", "30"), ("12", "48"), ("30", "48"),
    ("30", "34"), ("31", "65"), ("31", "32"), ("31", "82"), ("31", "81"), ("32", "65"), ("32", "82"),
    ("34", "81"), ("46", "82"), ("81", "82"),
]  # fmt: skip
VOISINS: dict[str, set[str]] = {code: set() for code in Departement.values}
for _a, _b in _FRONTIERES:
    VOISINS[_a].add(_b)
    VOISINS[_b].add(_a)

# Mobility values (annuaire.models.Mobilite), repeated here to keep this module free of models.
DEPARTEMENT, VOISINS_MOB, REGION, DISTANCE = "departement", "voisins", "region", "distance"
MOBILITES = [DEPARTEMENT, VOISINS_MOB, REGION, DISTANCE]


def geographie(*, mentor_departement: str, mobilite: str, dossier_departement: str) -> tuple[float, str]:
    """Value in [0, 1] and its reason. Mobility is a goal of the programme: a mentor who comes
    from a neighbouring or farther département scores as well as or better than a next-door one."""
    same = mentor_departement == dossier_departement
    voisin = dossier_departement in VOISINS.get(mentor_departement, set())
    if mobilite == DISTANCE:
        return 0.5, _gettext("Accompagnement à distance uniquement : possible partout, sans rencontre sur place.")
    if same:
        return 0.8, _gettext("Même département : rencontres sur place faciles.")
    if voisin and mobilite in (VOISINS_MOB, REGION):
        return 1.0, _gettext(
            "Département voisin couvert par ses déplacements : fait circuler les savoir-faire entre territoires."
        )
    if mobilite == REGION and {mentor_departement, dossier_departement} <= set(DEPARTEMENTS_OCCITANIE):
        return 0.9, _gettext("Se déplace dans toute l’Occitanie : crée un lien entre territoires éloignés.")
    return 0.2, _gettext("Hors de sa zone de déplacement : seulement à distance.")


@dataclass(frozen=True)
class Poids:
    competences: int = 40
    experience: int = 20
    geographie: int = 10
    disponibilite: int = 10
    nouveaute: int = 10
    pressenti: int = 10

    @classmethod
    def of(cls, programme) -> Poids:
        return cls(
            competences=programme.poids_competences,
            experience=programme.poids_experience,
            geographie=programme.poids_geographie,
            disponibilite=programme.poids_disponibilite,
            nouveaute=programme.poids_nouveaute,
            pressenti=programme.poids_pressenti,
        )

    def as_tuple(self) -> tuple[int, ...]:
        return (self.competences, self.experience, self.geographie, self.disponibilite, self.nouveaute, self.pressenti)

    @property
    def total(self) -> int:
        return sum(self.as_tuple())


@dataclass(frozen=True)
class Dossier:
    """A selected file as the matcher sees it."""

    id: int
    structure_id: int
    departement: str
    type_structure: str
    taille: str
    demi_journees: int  # of a mentor's time (a format in hours converted with the programme's figure)
    besoins: dict[int, int] = field(default_factory=dict)  # competence id → priority 1–3
    besoins_noms: dict[int, str] = field(default_factory=dict)
    pressenti_id: int | None = None
    partenaires: frozenset[int] = frozenset()  # structures met in an earlier mission
    heures: int = 0  # the quantity asked when the format counts in hours (0: in half-days)
    heures_par_demi_journee: int = 1


@dataclass(frozen=True)
class Mentor:
    id: int
    nom: str
    structure_id: int
    departement: str
    mobilite: str
    valide: bool
    competences: dict[int, int] = field(default_factory=dict)  # competence id → level 1–3
    types_projets: frozenset[str] = frozenset()
    tailles_projets: frozenset[str] = frozenset()
    disponibilite: int = 0  # half-days per programme year
    demi_journees_engagees: int = 0  # in accompagnements of the programme
    missions: int = 0  # accompagnements of the programme

    @property
    def reste(self) -> int:
        return max(0, self.disponibilite - self.demi_journees_engagees)


@dataclass(frozen=True)
class Part:
    code: str
    libelle: str
    valeur: float  # 0–1
    poids: int
    points: float  # share of the 0–100 total
    explication: str


@dataclass(frozen=True)
class Score:
    mentor: Mentor
    total: float  # 0–100
    parts: tuple[Part, ...]

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "parts": [
                {"code": p.code, "libelle": p.libelle, "valeur": round(p.valeur, 3), "poids": p.poids, "points": p.points}
                | {"explication": p.explication}
                for p in self.parts
            ],
        }


@dataclass(frozen=True)
class Exclusion:
    mentor: Mentor
    motif: str


def exclusion(dossier: Dossier, mentor: Mentor, *, missions_max: int) -> str | None:
    """Why `mentor` cannot take `dossier` at all, or None."""
    if not mentor.valide:
        return _gettext("Profil non validé par la coordination.")
    if mentor.structure_id == dossier.structure_id:
        return _gettext("Travaille dans la structure du·de la candidat·e.")
    if mentor.missions >= missions_max:
        return _gettext("Plafond de %(max)s mission(s) atteint pour l’année du programme.") % {"max": missions_max}
    if mentor.reste < dossier.demi_journees and dossier.heures:
        return _gettext(
            "Disponibilité insuffisante : %(reste)s demi-journée(s) restante(s) (%(reste_h)s h) "
            "pour %(demande)s h demandées (%(dj)s demi-journée(s))."
        ) % {
            "reste": mentor.reste,
            "reste_h": mentor.reste * dossier.heures_par_demi_journee,
            "demande": dossier.heures,
            "dj": dossier.demi_journees,
        }
    if mentor.reste < dossier.demi_journees:
        return _gettext("Disponibilité insuffisante : %(reste)s demi-journée(s) restante(s) pour %(demande)s demandée(s).") % {
            "reste": mentor.reste,
            "demande": dossier.demi_journees,
        }
    return None


def _competences(dossier: Dossier, mentor: Mentor) -> tuple[float, str]:
    total = sum(dossier.besoins.values())
    if not total:
        return 0.0, _gettext("Aucun besoin diagnostiqué : critère sans effet.")
    value = sum(p * mentor.competences.get(c, 0) / 3 for c, p in dossier.besoins.items()) / total
    couverts = [c for c in dossier.besoins if c in mentor.competences]
    if not couverts:
        return value, _gettext("Ne couvre aucun des %(n)s besoins diagnostiqués.") % {"n": len(dossier.besoins)}
    noms = ", ".join(
        f"{dossier.besoins_noms.get(c, c)} ({_gettext('niveau')} {mentor.competences[c]}/3)"
        for c in sorted(couverts, key=lambda c: -dossier.besoins[c])
    )
    return value, _gettext("Couvre %(k)s besoin(s) sur %(n)s, pondérés par leur priorité et son niveau : %(noms)s.") % {
        "k": len(couverts),
        "n": len(dossier.besoins),
        "noms": noms,
    }


def _experience(dossier: Dossier, mentor: Mentor) -> tuple[float, str]:
    meme_type = dossier.type_structure in mentor.types_projets
    meme_taille = dossier.taille in mentor.tailles_projets
    type_label = TypeStructure(dossier.type_structure).label if dossier.type_structure in TypeStructure.values else "?"
    taille_label = TailleStructure(dossier.taille).label if dossier.taille in TailleStructure.values else "?"
    if meme_type and meme_taille:
        text = _gettext("A déjà accompagné le même type de projet (%(type)s) et la même taille de structure (%(taille)s).")
    elif meme_type:
        text = _gettext("Connaît le même type de projet (%(type)s), pas cette taille de structure (%(taille)s).")
    elif meme_taille:
        text = _gettext("Connaît cette taille de structure (%(taille)s), pas ce type de projet (%(type)s).")
    else:
        text = _gettext("N’a déclaré ni ce type de projet (%(type)s) ni cette taille de structure (%(taille)s).")
    return 0.5 * meme_type + 0.5 * meme_taille, text % {"type": type_label, "taille": taille_label}


def disponibilite_valeur(reste: int, demande: int) -> float:
    """Full marks when the mentor keeps at least twice the half-days this file needs."""
    return min(1.0, reste / (2 * max(1, demande)))


def _disponibilite(dossier: Dossier, mentor: Mentor) -> tuple[float, str]:
    return disponibilite_valeur(mentor.reste, dossier.demi_journees), _gettext(
        "%(reste)s demi-journée(s) disponible(s) sur %(dispo)s cette année pour %(demande)s demandée(s)."
    ) % {"reste": mentor.reste, "dispo": mentor.disponibilite, "demande": dossier.demi_journees}


def _nouveaute(dossier: Dossier, mentor: Mentor) -> tuple[float, str]:
    if mentor.structure_id in dossier.partenaires:
        return 0.0, _gettext("Les deux structures ont déjà travaillé ensemble dans une mission précédente.")
    return 1.0, _gettext("Aucune mission antérieure entre les deux structures : une nouvelle relation dans le réseau.")


def _pressenti(dossier: Dossier, mentor: Mentor) -> tuple[float, str]:
    if dossier.pressenti_id == mentor.id:
        return 1.0, _gettext("C’est la personne-ressource pressentie par le·la candidat·e.")
    if dossier.pressenti_id:
        return 0.0, _gettext("Le·la candidat·e avait pressenti une autre personne-ressource.")
    return 0.0, _gettext("Le·la candidat·e n’avait pressenti personne.")


CRITERES = [
    ("competences", _("Compétences"), _competences),
    ("experience", _("Même type et taille de projet"), _experience),
    ("geographie", _("Géographie"), None),
    ("disponibilite", _("Disponibilité"), _disponibilite),
    ("nouveaute", _("Nouvelle interaction"), _nouveaute),
    ("pressenti", _("Personne pressentie"), _pressenti),
]


def score_pair(dossier: Dossier, mentor: Mentor, poids: Poids) -> Score:
    """The score (0–100) of one pairing and its explained parts."""
    parts = []
    total_poids = poids.total
    for (code, libelle, fn), weight in zip(CRITERES, poids.as_tuple(), strict=True):
        if fn is None:
            value, text = geographie(
                mentor_departement=mentor.departement, mobilite=mentor.mobilite, dossier_departement=dossier.departement
            )
        else:
            value, text = fn(dossier, mentor)
        points = 100 * weight * value / total_poids if total_poids else 0.0
        parts.append(Part(code, str(libelle), value, weight, round(points, 2), text))
    total = round(sum(100 * p.poids * p.valeur for p in parts) / total_poids, 2) if total_poids else 0.0
    return Score(mentor=mentor, total=total, parts=tuple(parts))


def rank(dossier: Dossier, mentors: Iterable[Mentor], poids: Poids, *, missions_max: int) -> tuple[list[Score], list[Exclusion]]:
    """Eligible mentors best first (ties by name), and the excluded ones with their reason."""
    scores, excluded = [], []
    for mentor in mentors:
        motif = exclusion(dossier, mentor, missions_max=missions_max)
        if motif:
            excluded.append(Exclusion(mentor, motif))
        else:
            scores.append(score_pair(dossier, mentor, poids))
    scores.sort(key=lambda s: (-s.total, s.mentor.nom, s.mentor.id))
    return scores, excluded


# --- The whole queue at once --------------------------------------------------------------------


def _geo_table() -> np.ndarray:
    deps = Departement.values
    occitanie = set(DEPARTEMENTS_OCCITANIE)
    table = np.zeros((len(MOBILITES), len(deps), len(deps)))
    # geographie() depends on the mobility, same département, neighbours, both in the region: computed once
    # per combination (every French département makes 40 000 cells; each call translates its reason).
    valeurs: dict[tuple[str, bool, bool, bool], float] = {}
    for m, mob in enumerate(MOBILITES):
        for i, dm in enumerate(deps):
            for j, dd in enumerate(deps):
                cle = (mob, dm == dd, dd in VOISINS[dm], dm in occitanie and dd in occitanie)
                if cle not in valeurs:
                    valeurs[cle] = geographie(mentor_departement=dm, mobilite=mob, dossier_departement=dd)[0]
                table[m, i, j] = valeurs[cle]
    return table


_GEO: np.ndarray | None = None


def score_matrix(
    dossiers: Sequence[Dossier], mentors: Sequence[Mentor], poids: Poids, *, missions_max: int
) -> tuple[np.ndarray, np.ndarray]:
    """Totals (files × mentors, 0–100, as `score_pair`) and the eligibility mask (as `exclusion`)."""
    global _GEO
    if _GEO is None:
        _GEO = _geo_table()
    nf, nm = len(dossiers), len(mentors)
    comp_ids = sorted({c for d in dossiers for c in d.besoins} | {c for m in mentors for c in m.competences})
    col = {c: i for i, c in enumerate(comp_ids)}
    besoins = np.zeros((nf, len(comp_ids)))
    for i, d in enumerate(dossiers):
        for c, p in d.besoins.items():
            besoins[i, col[c]] = p
    sums = besoins.sum(axis=1, keepdims=True)
    besoins = np.divide(besoins, sums, out=np.zeros_like(besoins), where=sums > 0)
    niveaux = np.zeros((nm, len(comp_ids)))
    for j, m in enumerate(mentors):
        for c, n in m.competences.items():
            niveaux[j, col[c]] = n / 3
    competences = besoins @ niveaux.T

    types = {t: i for i, t in enumerate(TypeStructure.values)}
    tailles = {t: i for i, t in enumerate(TailleStructure.values)}
    mentor_types = np.zeros((nm, len(types) + 1))
    mentor_tailles = np.zeros((nm, len(tailles) + 1))
    for j, m in enumerate(mentors):
        for t in m.types_projets:
            if t in types:
                mentor_types[j, types[t]] = 1
        for t in m.tailles_projets:
            if t in tailles:
                mentor_tailles[j, tailles[t]] = 1
    file_type = np.array([types.get(d.type_structure, len(types)) for d in dossiers], dtype=np.int64)
    file_taille = np.array([tailles.get(d.taille, len(tailles)) for d in dossiers], dtype=np.int64)
    experience = 0.5 * mentor_types[:, file_type].T + 0.5 * mentor_tailles[:, file_taille].T

    deps = {d: i for i, d in enumerate(Departement.values)}
    mob = {m: i for i, m in enumerate(MOBILITES)}
    md = np.array([deps[m.departement] for m in mentors], dtype=np.int64)
    mm = np.array([mob[m.mobilite] for m in mentors], dtype=np.int64)
    fd = np.array([deps[d.departement] for d in dossiers], dtype=np.int64)
    geo = _GEO[mm[None, :], md[None, :], fd[:, None]]

    reste = np.array([m.reste for m in mentors], dtype=np.float64)
    demande = np.array([max(1, d.demi_journees) for d in dossiers], dtype=np.float64)
    dispo = np.minimum(1.0, reste[None, :] / (2 * demande[:, None]))

    mentor_structure = np.array([m.structure_id for m in mentors], dtype=np.int64)
    nouveaute = np.ones((nf, nm))
    pressenti = np.zeros((nf, nm))
    mentor_index = {m.id: j for j, m in enumerate(mentors)}
    for i, d in enumerate(dossiers):
        if d.partenaires:
            nouveaute[i, np.isin(mentor_structure, list(d.partenaires))] = 0.0
        if d.pressenti_id in mentor_index:
            pressenti[i, mentor_index[d.pressenti_id]] = 1.0

    w = poids.as_tuple()
    total_poids = poids.total
    if total_poids:
        scores = (w[0] * competences + w[1] * experience + w[2] * geo + w[3] * dispo + w[4] * nouveaute + w[5] * pressenti) * (
            100 / total_poids
        )
    else:
        scores = np.zeros((nf, nm))

    file_structure = np.array([d.structure_id for d in dossiers], dtype=np.int64)
    valide = np.array([m.valide for m in mentors], dtype=bool)
    missions = np.array([m.missions for m in mentors], dtype=np.int64)
    eligible = (
        valide[None, :]
        & (missions[None, :] < missions_max)
        & (file_structure[:, None] != mentor_structure[None, :])
        & (reste[None, :] >= demande[:, None])
    )
    return np.round(scores, 2), eligible


# --- Assignment ---------------------------------------------------------------------------------

SCALE = 100  # scores have two decimals: integer costs without loss


@dataclass
class Affectation:
    """The batch result: file index → mentor index, and how it was obtained."""

    paires: dict[int, int]
    total: float
    solveur_secondes: float = 0.0
    iterations: int = 1


def _graph(scores: np.ndarray, eligible: np.ndarray, capacites: np.ndarray):
    nf, nm = scores.shape
    fi, mj = np.nonzero(eligible & (capacites[None, :] > 0))
    used = np.nonzero(capacites > 0)[0].astype(np.int64)
    source, sink = nf + nm, nf + nm + 1
    tails = np.concatenate([np.full(nf, source), fi, nf + used])
    heads = np.concatenate([np.arange(nf, dtype=np.int64), nf + mj, np.full(len(used), sink)])
    caps = np.concatenate([np.ones(nf), np.ones(len(fi)), capacites[used]]).astype(np.int64)
    return fi, mj, source, sink, tails, heads, caps


def max_matched(scores: np.ndarray, eligible: np.ndarray, capacites: np.ndarray) -> int:
    """How many files can be matched at most under the capacities (a max flow)."""
    # OR-Tools is a large native library: loaded only by the processes that solve a batch, not by
    # every web worker and test that imports the matching's profiles and scores.
    from ortools.graph.python import max_flow

    _fi, _mj, source, sink, tails, heads, caps = _graph(scores, eligible, capacites)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, caps)
    flow.solve(source, sink)
    return int(flow.optimal_flow())


def build_flow(scores: np.ndarray, eligible: np.ndarray, capacites: np.ndarray, *, matched: int):
    """The min-cost flow of one batch: source → file (1) → mentor (−score) → sink (capacity), with
    `matched` units from source to sink. Returns the solver, the file→mentor arcs and their indices."""
    # Loaded on first solve only, as in max_matched.
    from ortools.graph.python import min_cost_flow

    fi, mj, source, sink, tails, heads, caps = _graph(scores, eligible, capacites)
    int_scores = np.rint(scores[fi, mj] * SCALE).astype(np.int64)
    nf = scores.shape[0]
    costs = np.concatenate([np.zeros(nf, dtype=np.int64), -int_scores, np.zeros(len(tails) - nf - len(fi), dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([matched, -matched]))
    return flow, arcs[nf : nf + len(fi)], fi, mj


def _solve(scores: np.ndarray, eligible: np.ndarray, capacites: np.ndarray) -> tuple[dict[int, int], float]:
    """Match as many files as the capacities allow, and among those assignments the best total score.

    First try to match min(files, total capacity), the usual case on a dense directory; when some
    files cannot be matched, a max flow gives the number reachable and the min-cost flow runs with it.
    """
    used = capacites[capacites > 0]
    matched = int(min(scores.shape[0], used.sum()))
    elapsed = 0.0
    for attempt in range(2):
        flow, pair_arcs, fi, mj = build_flow(scores, eligible, capacites, matched=matched)
        start = time.perf_counter()
        status = flow.solve()
        elapsed += time.perf_counter() - start
        if status == flow.OPTIMAL:
            break
        if attempt:  # pragma: no cover - the max flow makes the second attempt feasible
            raise RuntimeError(f"min cost flow status {status}")
        matched = max_matched(scores, eligible, capacites)
    chosen = flow.flows(pair_arcs) > 0
    return dict(zip(fi[chosen].tolist(), mj[chosen].tolist(), strict=True)), elapsed


def assign(
    scores: np.ndarray,
    eligible: np.ndarray,
    capacites: Sequence[int] | np.ndarray,
    *,
    demandes: Sequence[int] | None = None,
    restes: Sequence[int] | None = None,
) -> Affectation:
    """Optimal assignment under each mentor's capacity (number of files).

    With `demandes` (half-days per file) and `restes` (half-days left per mentor), the half-days
    are checked too: a mentor over their half-days loses one place and the flow is solved again
    (rare; the number of solves is reported).
    """
    caps = np.asarray(capacites, dtype=np.int64).copy()
    iterations, solver_time = 0, 0.0
    while True:
        iterations += 1
        paires, elapsed = _solve(scores, eligible, caps)
        solver_time += elapsed
        if demandes is None or restes is None:
            break
        charge = np.zeros(len(caps), dtype=np.int64)
        for f, m in paires.items():
            charge[m] += demandes[f]
        over = np.nonzero(charge > np.asarray(restes))[0]
        if not len(over):
            break
        for over_m in over.tolist():
            caps[over_m] = sum(1 for v in paires.values() if v == over_m) - 1
    total = float(sum(scores[f, m] for f, m in paires.items()))
    return Affectation(paires=paires, total=round(total, 2), solveur_secondes=solver_time, iterations=iterations)


def capacites(mentors: Sequence[Mentor], *, missions_max: int) -> np.ndarray:
    return np.array([max(0, missions_max - m.missions) if m.valide else 0 for m in mentors], dtype=np.int64)
