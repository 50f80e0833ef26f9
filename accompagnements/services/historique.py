"""Past accompaniments brought in from the coordination's records (issue 16): closed historic records."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.permissions import require
from programmes.models import Format, Programme, Structure
from programmes.rules import check_demi_journees, check_montant_positif

from ..models import AccompagnementHistorique

if TYPE_CHECKING:
    # Named for the types only (no runtime import needed).
    from accounts.models import User
    from annuaire.models import PersonneRessource


def _next_reference(programme: Programme) -> str:
    prefix = f"HIST-{programme.date_debut.year}-"
    last = (
        AccompagnementHistorique.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
        or f"{prefix}0000"
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


def historique_verifier(
    *,
    programme: Programme,
    format: Format,
    structure: Structure,
    mentors: Iterable[PersonneRessource],
    date_debut: datetime.date,
    date_fin: datetime.date,
    demi_journees: int,
    montant: Decimal,
    reference_origine: str = "",
    en_attente: int = 0,
) -> None:
    """The rules a past accompaniment follows (no write): its format, period, mentors, half-days and amount.
    `en_attente`: half-days of the same structure and format earlier in the same import."""
    if format.programme_id != programme.pk:
        raise RuleViolation(_("Ce format n’appartient pas à ce programme."), field="format")
    if date_fin < date_debut:
        raise RuleViolation(_("La fin précède le début."), field="date_fin")
    if date_debut < programme.date_debut or date_fin > programme.date_fin:
        raise RuleViolation(
            _("Les dates sont hors de la période du programme %(programme)s.") % {"programme": programme.nom},
            field="date_debut",
        )
    mentors = list(mentors)
    if not mentors:
        raise RuleViolation(_("Un accompagnement a besoin d’au moins une personne-ressource."), field="mentors")
    for mentor in mentors:
        if mentor.structure_id == structure.pk:
            raise RuleViolation(_("%(mentor)s travaille dans la structure bénéficiaire.") % {"mentor": mentor}, field="mentors")
    check_montant_positif(montant)
    if (
        reference_origine
        and AccompagnementHistorique.objects.filter(programme=programme, reference_origine=reference_origine).exists()
    ):
        raise RuleViolation(
            _("L’accompagnement « %(ref)s » de ce programme est déjà importé.") % {"ref": reference_origine},
            field="reference_origine",
        )
    check_demi_journees(structure=structure, format=format, demi_journees=demi_journees, en_attente=en_attente)


@transaction.atomic
def accompagnement_historique_importer(
    *,
    by: User,
    programme: Programme,
    format: Format,
    structure: Structure,
    mentors: Iterable[PersonneRessource],
    beneficiaire_nom: str,
    beneficiaire_email: str = "",
    date_debut: datetime.date,
    date_fin: datetime.date,
    demi_journees: int,
    montant: Decimal,
    reference_origine: str = "",
) -> AccompagnementHistorique:
    """Record a past (closed) accompaniment, within the format's half-day maximum for the structure."""
    require(by, "donnees.importer")
    mentors = list(mentors)
    # Lock the beneficiary structure so that two writes on one structure are checked in turn.
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    historique_verifier(
        programme=programme,
        format=format,
        structure=structure,
        mentors=mentors,
        date_debut=date_debut,
        date_fin=date_fin,
        demi_journees=demi_journees,
        montant=montant,
        reference_origine=reference_origine,
    )
    historique = AccompagnementHistorique.objects.create(
        reference=_next_reference(programme),
        reference_origine=reference_origine,
        programme=programme,
        format=format,
        structure_beneficiaire=structure,
        beneficiaire_nom=beneficiaire_nom,
        beneficiaire_email=beneficiaire_email,
        date_debut=date_debut,
        date_fin=date_fin,
        demi_journees=demi_journees,
        montant=montant,
        importe_par=by,
    )
    historique.mentors.set(mentors)
    return historique
