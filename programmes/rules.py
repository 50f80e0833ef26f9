"""The programme's rules, in one place.

Limits are data (`Programme`, `Format`); these functions apply them. They are called by the
services under a lock; the database backs the per-row parts with CHECK constraints.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.expressions import Combinable
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.money import CENT

from .models import Format, Programme, Structure, UniteFormat


def montant_demi_journees(*, programme: Programme, demi_journees: int) -> Decimal:
    """Amount of `demi_journees` half-days at the programme's daily rate, to the cent."""
    if demi_journees < 0:
        raise RuleViolation(_("Le nombre de demi-journées ne peut pas être négatif."))
    return programme.montant_pour(demi_journees)


def montant_animation(*, format: Format, duree: int) -> Decimal:
    """What the personne-ressource who leads a session of `format` lasting `duree` units is owed: the
    format's rate per unit (by default the programme's half-day rate, for a format counted in half-days)
    times the duration, whatever the number of participants; nothing for an unpaid format."""
    if duree < 0:
        raise RuleViolation(_("La durée ne peut pas être négative."))
    if format.personne_ressource_remuneree and format.taux_par_unite is None and format.unite != UniteFormat.DEMI_JOURNEE:
        raise RuleViolation(
            _(
                "Le format « %(format)s » est compté en %(unite)s : indiquez la rémunération de la personne-ressource "
                "par %(unite)s dans le format (ou décochez « personne-ressource rémunérée »)."
            )
            % {"format": format.libelle, "unite": format.get_unite_display()},
            field="format",
        )
    # Format.montant_pour: nothing for a volunteer, the format's rate per unit, or half the daily rate.
    return format.montant_pour(duree)


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


def check_plafond_format(*, format: Format, demi_journees: int) -> None:
    """Refuse an accompagnement planned or extended beyond the format's ceiling (extension included),
    with the format's own words: « Le format Coaching individuel est limité à 28 h. »"""
    plafond = format.duree_max_avec_prolongation
    if plafond is not None and demi_journees > plafond:
        raise RuleViolation(
            _("Le format %(format)s est limité à %(max)s.") % {"format": format.libelle, "max": format.duree_texte(plafond)},
            field="demi_journees",
        )


def check_demi_journees(
    *,
    structure: Structure,
    format: Format,
    demi_journees: int,
    exclude_accompagnement_id: int | None = None,
    en_attente: int = 0,
) -> None:
    """Refuse a duration (in the format's unit) outside the format's limits for this beneficiary structure
    (`en_attente`: half-days of the same structure and format not written yet, e.g. earlier lines of an import)."""
    if demi_journees < format.demi_journees_min:
        raise RuleViolation(
            _("Un %(format)s dure au moins %(min)s.")
            % {"format": format.libelle, "min": format.duree_texte(format.demi_journees_min)},
            field="demi_journees",
        )
    check_plafond_format(format=format, demi_journees=demi_journees)
    deja = en_attente + demi_journees_engagees(
        structure=structure, format=format, exclude_accompagnement_id=exclude_accompagnement_id
    )
    if deja + demi_journees > format.demi_journees_max:
        reste = max(format.demi_journees_max - deja, 0)
        raise RuleViolation(
            _(
                "Limite dépassée : %(structure)s a déjà %(deja)s de %(format)s dans ce programme ; "
                "le maximum est de %(max)s par structure bénéficiaire (il reste %(reste)s)."
            )
            % {
                "structure": structure.raison_sociale,
                "deja": format.duree_texte(deja),
                "format": format.libelle,
                "max": format.demi_journees_max,
                "reste": format.duree_texte(reste),
            },
            field="demi_journees",
        )


def check_duree_seance(*, format: Format, duree: int) -> None:
    """A session lasts from one unit to the format's maximum: a half-day or a day (TSF), 1 to 8 hours…"""
    if 1 <= duree <= format.seance_duree_max:
        return
    if not format.est_en_heures and format.seance_duree_max == 2:
        raise RuleViolation(_("Une séance dure une demi-journée ou une journée."), field="demi_journees")
    raise RuleViolation(
        _("Une séance de %(format)s dure de %(min)s à %(max)s.")
        % {"format": format.libelle, "min": format.duree_texte(1), "max": format.duree_texte(format.seance_duree_max)},
        field="demi_journees",
    )


def montant_expression(quantite: Combinable, *, format_path: str = "format__", programme_path: str = "programme__") -> Case:
    """In the database, what `quantite` units of an accompagnement's format cost (Format.montant_pour):
    nothing for a volunteer, the format's rate per unit, or half the programme's daily rate per half-day."""
    money: DecimalField = DecimalField(max_digits=12, decimal_places=2)
    return Case(
        When(**{f"{format_path}personne_ressource_remuneree": False}, then=Value(Decimal("0.00"))),
        When(**{f"{format_path}taux_par_unite__isnull": False}, then=quantite * F(f"{format_path}taux_par_unite")),
        default=quantite * F(f"{programme_path}taux_journalier") / 2,
        output_field=money,
    )
