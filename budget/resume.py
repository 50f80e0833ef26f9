"""The per-programme summary the dashboards read (`ResumeProgramme`), its upkeep and its invariant.

Every service that writes a ledger line, a session, a report or an accompagnement calls
`resume_recalculer(programme_id=…)` inside its own transaction: the summary row is locked, then
recomputed from the source rows of that programme only. The lock serialises concurrent writers of a
programme, and under READ COMMITTED each statement after it sees what the previous writer committed,
so the last summary written counts every committed row. `resume_violations()` is the invariant: the
stored summary equals the recomputed one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from accompagnements.models import SEANCE_COMPTEE, SEANCE_LIVREE, Accompagnement, Seance
from core.ics import PARIS
from programmes.models import Format, Programme

from .models import ResumeProgramme

CHAMPS = (
    "engage",
    "paye",
    "autres",
    "hj_prevues",
    "nb_accompagnements",
    "hj_livrees",
    "hj_planifiees",
    "livre",
    "groupes",
    "livrees_par_mois",
    "domaines",
)
# The keys of a group of sessions (the accompagnement's format, département, kind of structure, state).
CLES_GROUPES = (
    "accompagnement__format",
    "accompagnement__structure_beneficiaire__departement",
    "accompagnement__structure_beneficiaire__type_structure",
    "accompagnement__etat",
)


def _trie(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def resume_calcule(programme: Programme) -> dict[str, Any]:
    """The summary's figures recomputed from the programme's rows (what the dashboard used to scan)."""
    # The selectors import this module's model; imported here to keep the module graph acyclic.
    from . import selectors

    totaux = selectors.totaux_recalcules().get(pk=programme.pk)
    seances = Seance.objects.filter(accompagnement__programme=programme).order_by()
    demi_journees = selectors.en_demi_journees_sql("demi_journees")
    heures = selectors.heures_sql("demi_journees")
    groupes = [
        dict(row)
        for row in seances.values(*CLES_GROUPES).annotate(
            # Half-days of a mentor's time (a format in hours as started half-days), and the hours apart.
            hj_livrees=Coalesce(Sum(demi_journees, filter=Q(SEANCE_LIVREE)), 0),
            hj_planifiees=Coalesce(Sum(demi_journees, filter=Q(SEANCE_COMPTEE)), 0),
            heures_livrees=Coalesce(Sum(heures, filter=Q(SEANCE_LIVREE)), 0),
            heures_planifiees=Coalesce(Sum(heures, filter=Q(SEANCE_COMPTEE)), 0),
        )
    ]
    par_mois = (
        seances.filter(SEANCE_LIVREE)
        .annotate(mois=TruncMonth("debut", tzinfo=PARIS))
        .values("mois")
        .annotate(hj=Sum(demi_journees))
    )
    return {
        "engage": totaux.total_engage,
        "paye": totaux.total_paye,
        "autres": totaux.total_autres,
        "hj_prevues": totaux.hj_prevues,
        "nb_accompagnements": totaux.nb_accompagnements,
        "hj_livrees": totaux.hj_livrees,
        "hj_planifiees": totaux.hj_planifiees,
        "livre": montant_livre(programme, seances),
        "groupes": _trie(groupes),
        "livrees_par_mois": {row["mois"].strftime("%Y-%m"): row["hj"] for row in par_mois if row["hj"]},
        "domaines": [
            [ligne.libelle, ligne.nombre, ligne.hj_prevues, ligne.hj_livrees]
            for ligne in selectors.repartition_domaines_recalculee(programme)
        ],
    }


def montant_livre(programme: Programme, seances: Any) -> Decimal:
    """The programme's delivered amount: its delivered time at each format's rate. The formats paid at the
    programme's daily rate are added up first and priced once (as the TSF always was); a format with its
    own rate per unit (hours) or a volunteer's (nothing) is priced apart."""
    par_format = dict(
        seances.filter(SEANCE_LIVREE)
        .values("accompagnement__format")
        .annotate(hj=Sum("demi_journees"))
        .values_list("accompagnement__format", "hj")
    )
    au_taux_journalier = 0
    total = Decimal("0.00")
    for format in Format.objects.filter(pk__in=list(par_format)).select_related("programme"):
        if format.personne_ressource_remuneree and format.taux_par_unite is None:
            au_taux_journalier += par_format[format.pk] or 0
        else:
            total += format.montant_pour(par_format[format.pk] or 0)
    return total + programme.montant_pour(au_taux_journalier)


@transaction.atomic
def resume_recalculer(*, programme_id: int) -> ResumeProgramme:
    """Recompute the summary of one programme, in the caller's transaction (after its writes)."""
    resume, _created = ResumeProgramme.objects.get_or_create(programme_id=programme_id)
    resume = ResumeProgramme.objects.select_for_update().get(pk=resume.pk)
    for champ, valeur in resume_calcule(Programme.objects.get(pk=programme_id)).items():
        setattr(resume, champ, valeur)
    resume.save()
    return resume


def resumes_des_structures(*, structure_ids: list[int]) -> list[int]:
    """Recompute the summaries of the programmes where these structures are a beneficiary (their
    département or kind, which the groups are keyed by, changed): one query finds them, in the order of
    their ids so that two writers lock the summaries in the same order. Returns the programmes' ids."""
    programme_ids = list(
        Accompagnement.objects.filter(structure_beneficiaire_id__in=structure_ids)
        .order_by("programme_id")
        .values_list("programme_id", flat=True)
        .distinct()
    )
    for programme_id in programme_ids:
        resume_recalculer(programme_id=programme_id)
    return programme_ids


def resumes_manquants() -> None:
    """Programmes without a summary yet (new, or loaded in bulk) get one: one query when none is missing."""
    for programme_id in Programme.objects.filter(resume__isnull=True).values_list("pk", flat=True):
        resume_recalculer(programme_id=programme_id)


def _normalise(champ: str, valeur: Any) -> Any:
    if champ in ("engage", "paye", "autres", "livre"):
        return Decimal(valeur).quantize(Decimal("0.01"))
    if champ == "groupes":
        return _trie([dict(row) for row in valeur])
    if champ == "domaines":
        return [list(row) for row in valeur]
    return valeur


def resume_violations() -> list[tuple[Programme, str, Any, Any]]:
    """(programme, field, stored, recomputed) for every stored summary that differs from the rows."""
    found: list[tuple[Programme, str, Any, Any]] = []
    for resume in ResumeProgramme.objects.select_related("programme").order_by("programme_id"):
        attendu = resume_calcule(resume.programme)
        for champ in CHAMPS:
            stocke, recalcule = _normalise(champ, getattr(resume, champ)), _normalise(champ, attendu[champ])
            if stocke != recalcule:
                found.append((resume.programme, champ, stocke, recalcule))
    return found
