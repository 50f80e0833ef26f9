"""The programme's rules, in one place.

Limits are data (`Programme`, `Format`); these functions apply them. They are called by the
services under a lock; the database backs the per-row parts with CHECK constraints.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.money import CENT

from .models import Format, Programme, Structure


def montant_demi_journees(*, programme: Programme, demi_journees: int) -> Decimal:
    """Amount of `demi_journees` half-days at the programme's daily rate, to the cent."""
    if demi_journees < 0:
        raise RuleViolation(_("Le nombre de demi-journées ne peut pas être négatif."))
    return programme.montant_pour(demi_journees)


def check_montant_positif(montant: Decimal) -> None:
    if not isinstance(montant, Decimal):
        raise RuleViolation(_("Un montant doit être un nombre décimal en euros."))
    if montant <= 0:
        raise RuleViolation(_("Le montant doit être strictement positif."), field="montant")
    if montant != montant.quantize(CENT):
        raise RuleViolation(_("Un montant s’exprime en euros et centimes (deux décimales au plus)."), field="montant")


def demi_journees_engagees(*, structure: Structure, format: Format, exclude_accompagnement_id: int | None = None) -> int:
    """Half-days already planned for `structure` in `format` across its accompagnements of the programme."""
    # Read through the relation the accompagnements stage declares (Accompagnement.structure_beneficiaire)
    # and its own notion of "active" (`actifs()`), so that the programme's rules do not import a later stage.
    qs = structure.accompagnements.actifs().filter(format=format)
    if exclude_accompagnement_id:
        qs = qs.exclude(pk=exclude_accompagnement_id)
    # The past accompaniments brought in from the coordination's records count too (same relation idea).
    historiques = structure.accompagnements_historiques.filter(format=format).aggregate(total=Sum("demi_journees"))["total"]
    return (qs.aggregate(total=Sum("demi_journees_prevues"))["total"] or 0) + (historiques or 0)


def check_demi_journees(
    *,
    structure: Structure,
    format: Format,
    demi_journees: int,
    exclude_accompagnement_id: int | None = None,
    en_attente: int = 0,
) -> None:
    """Refuse a number of half-days outside the format's limits for this beneficiary structure
    (`en_attente`: half-days of the same structure and format not written yet, e.g. earlier lines of an import)."""
    if demi_journees < format.demi_journees_min:
        raise RuleViolation(
            _("Un %(format)s dure au moins %(min)s demi-journée(s).")
            % {"format": format.libelle, "min": format.demi_journees_min},
            field="demi_journees",
        )
    deja = en_attente + demi_journees_engagees(
        structure=structure, format=format, exclude_accompagnement_id=exclude_accompagnement_id
    )
    if deja + demi_journees > format.demi_journees_max:
        reste = max(format.demi_journees_max - deja, 0)
        raise RuleViolation(
            _(
                "Limite dépassée : %(structure)s a déjà %(deja)s demi-journée(s) de %(format)s dans ce programme ; "
                "le maximum est de %(max)s par structure bénéficiaire (il reste %(reste)s demi-journée(s))."
            )
            % {
                "structure": structure.raison_sociale,
                "deja": deja,
                "format": format.libelle,
                "max": format.demi_journees_max,
                "reste": reste,
            },
            field="demi_journees",
        )
