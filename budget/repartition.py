"""How each budget line is shared between the funders' contributions of its programme (issue 17).

Every service that writes a commitment, a payment, another cost or the correction of one calls
`imputer(ligne)` in its own transaction, after the programme's envelope row is locked: the
contributions are locked in turn (`select_for_update`, in primary-key order), the line is split by
the programme's rule (`Enveloppe.regle_repartition`), one `Imputation` row per contribution is
written and the contribution's running total moves by the same amount. The split is in whole cents
(largest remainder), so the parts add up to the line exactly; a contribution never carries more
than it can (CHECK constraints on `Contribution`, as on the envelope).

A correction gives back exactly what the corrected line took from each contribution. A programme
without contributions keeps the single envelope of before: nothing is imputed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.money import format_euros

from .models import AutreDepense, CategorieDepense, Contribution, Engagement, Enveloppe, Imputation, Paiement, RegleRepartition

CENT = Decimal("0.01")

# Tests flip this to show that, even without the row lock, the CHECK constraints refuse over-spending.
USE_ROW_LOCK = True

# The running total of a contribution each ledger moves, and the imputation's column naming the line.
COLONNES: dict[type, tuple[str, str]] = {
    Engagement: ("engage", "engagement"),
    Paiement: ("paye", "paiement"),
    AutreDepense: ("autres", "depense"),
}


def _cents(montant: Decimal) -> int:
    return int((montant / CENT).to_integral_value())


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def parts_plus_fort_reste(total: int, poids: Sequence[int]) -> list[int]:
    """`total` cents split in proportion to `poids` (non-negative, not all zero): each part is the
    floor of its share, and the cents left go one by one to the largest remainders (the first
    contribution on a tie). The parts add up to `total` exactly."""
    somme = sum(poids)
    if total == 0 or somme == 0:
        return [0] * len(poids)
    quotients = [divmod(total * p, somme) for p in poids]
    parts = [q for q, _r in quotients]
    reste = total - sum(parts)
    ordre = sorted(range(len(poids)), key=lambda i: (-quotients[i][1], i))
    for i in ordre[:reste]:
        parts[i] += 1
    return parts


def _prorata(total: int, poids: Sequence[int], plafonds: Sequence[int]) -> list[int]:
    """Pro rata of `poids`, no part above its `plafond`: what a capped contribution cannot carry is
    shared again between the others (at most one round per contribution). May leave some unshared."""
    parts = [0] * len(poids)
    ouverts = [i for i in range(len(poids)) if plafonds[i] > 0 and poids[i] > 0]
    reste = total
    while reste > 0 and ouverts:
        for i, part in zip(ouverts, parts_plus_fort_reste(reste, [poids[i] for i in ouverts]), strict=True):
            parts[i] += min(part, plafonds[i] - parts[i])
        reste = total - sum(parts)
        ouverts = [i for i in ouverts if parts[i] < plafonds[i]]
    return parts


def _dans_l_ordre(total: int, ordre: Sequence[int], plafonds: Sequence[int]) -> list[int]:
    """Each contribution in turn (indexes in `ordre`) up to its `plafond`."""
    parts = [0] * len(plafonds)
    reste = total
    for i in ordre:
        parts[i] = min(reste, plafonds[i])
        reste -= parts[i]
    return parts


def repartir(
    total: int,
    contributions: Sequence[Contribution],
    paliers: Sequence[Callable[[Contribution], int]],
    *,
    regle: str,
    rendre: bool,
) -> list[int]:
    """Split `total` cents between `contributions` by `regle`. `paliers` are the successive
    ceilings in cents (a second ceiling is used only for what the first could not place). `rendre`
    (giving back) walks the priority order backwards. Refuses if the contributions cannot carry it."""
    parts = [0] * len(contributions)
    poids = [_cents(c.montant) for c in contributions]
    ordre = sorted(range(len(contributions)), key=lambda i: (contributions[i].priorite, contributions[i].pk))
    if rendre:
        ordre.reverse()
    for palier in paliers:
        reste = total - sum(parts)
        if reste <= 0:
            break
        plafonds = [max(palier(c) - parts[i], 0) for i, c in enumerate(contributions)]
        if regle == RegleRepartition.PRIORITE:
            supplement = _dans_l_ordre(reste, ordre, plafonds)
        else:
            supplement = _prorata(reste, poids, plafonds)
        parts = [a + b for a, b in zip(parts, supplement, strict=True)]
    manque = total - sum(parts)
    if manque > 0:
        raise RuleViolation(
            _(
                "Les contributions des financeurs ne peuvent pas porter ce montant : il manque %(manque)s "
                "(vérifiez les montants des contributions, ce que chacune peut financer et sa période)."
            )
            % {"manque": format_euros(_euros(manque))},
            field="montant",
        )
    return parts


def _finance(ligne: Engagement | Paiement | AutreDepense) -> Callable[[Contribution], bool]:
    """Which contributions may pay for this kind of line, on its date: a funder's convention covers
    what is committed or spent within its period. A payment settles an earlier commitment, so it is
    not held to the period (a commitment of December is paid in January)."""
    if isinstance(ligne, AutreDepense):
        le = ligne.date_depense
        if ligne.categorie == CategorieDepense.ESSAIMAGE:
            return lambda c: c.finance_essaimage and c.date_debut <= le <= c.date_fin
        return lambda c: c.finance_autres and c.date_debut <= le <= c.date_fin
    if isinstance(ligne, Engagement):
        jour = timezone.localdate(ligne.created_at) if ligne.created_at else timezone.localdate()
        return lambda c: c.finance_demi_journees and c.date_debut <= jour <= c.date_fin
    return lambda c: c.finance_demi_journees


def _paliers(ligne: Engagement | Paiement | AutreDepense, montant: Decimal) -> list[Callable[[Contribution], int]]:
    """The ceilings of each contribution, in cents, for a new line of `montant` (> 0 takes, < 0 gives back)."""
    finance = _finance(ligne)
    if isinstance(ligne, Paiement):
        if montant > 0:
            # Paid first from what a contribution has committed and not yet paid, then from what it has left.
            return [
                lambda c: _cents(c.engage - c.paye),
                lambda c: _cents(c.montant - c.paye) if finance(c) else 0,
            ]
        return [lambda c: _cents(c.paye)]
    if montant > 0:
        return [lambda c: _cents(c.montant - c.engage - c.autres) if finance(c) else 0]
    if isinstance(ligne, Engagement):
        # An avenant that lowers a convention frees commitments not yet paid first.
        return [lambda c: _cents(c.engage - c.paye), lambda c: _cents(c.engage)]
    return [lambda c: _cents(c.autres)]


def _programme_id(ligne: Engagement | Paiement | AutreDepense) -> int:
    # A payment's programme is its accompagnement's or its workshop's (Paiement.programme_id).
    return ligne.programme_id


def _contre_parts(ligne: Engagement | Paiement | AutreDepense, contributions: list[Contribution]) -> list[int] | None:
    """A correction gives back to each contribution what the corrected line took from it, when every
    contribution can take it back; None otherwise (the correction is then shared by the rule)."""
    colonne, champ = COLONNES[type(ligne)]
    prises = dict(Imputation.objects.filter(**{f"{champ}_id": ligne.corrige_id}).values_list("contribution_id", "montant"))
    if sum(prises.values(), Decimal("0")) != -ligne.montant:
        return None
    parts = [-_cents(prises.get(c.pk, Decimal("0"))) for c in contributions]
    for contribution, part in zip(contributions, parts, strict=True):
        if part > 0 and colonne != "paye" and part > _cents(contribution.disponible):
            return None
        if part > 0 and colonne == "paye" and part > _cents(contribution.montant - contribution.paye):
            return None
    return parts


def imputer(ligne: Engagement | Paiement | AutreDepense) -> list[Imputation]:
    """Share a newly written budget line between its programme's contributions (in the caller's transaction)."""
    programme_id = _programme_id(ligne)
    contributions_qs = Contribution.objects.select_for_update() if USE_ROW_LOCK else Contribution.objects.all()
    contributions = list(contributions_qs.filter(programme_id=programme_id).order_by("pk"))
    if not contributions:
        return []
    colonne, champ = COLONNES[type(ligne)]
    montant: Decimal = ligne.montant
    parts = _contre_parts(ligne, contributions) if ligne.corrige_id is not None else None
    if parts is None:
        regle = Enveloppe.objects.filter(programme_id=programme_id).values_list("regle_repartition", flat=True).first()
        signe = 1 if montant > 0 else -1
        parts = repartir(
            abs(_cents(montant)),
            contributions,
            _paliers(ligne, montant),
            regle=regle or RegleRepartition.PRORATA,
            rendre=montant < 0,
        )
        parts = [signe * part for part in parts]
    imputations = [
        Imputation(contribution=contribution, montant=_euros(part), **{champ: ligne})
        for contribution, part in zip(contributions, parts, strict=True)
        if part
    ]
    Imputation.objects.bulk_create(imputations)
    for imputation in imputations:
        Contribution.objects.filter(pk=imputation.contribution_id).update(**{colonne: F(colonne) + imputation.montant})
    return imputations
