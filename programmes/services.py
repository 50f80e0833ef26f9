"""Business operations on structures (the beneficiaries' and the mentors' employers). One transaction each."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from core.exceptions import RuleViolation
from core.permissions import require

from .models import Structure


@dataclass(frozen=True)
class FicheStructure:
    """A structure as a spreadsheet of the coordination describes it (every field already typed).

    An optional field left at None was not given: a new structure takes the model's default, an
    existing one keeps what is known (an empty cell never erases)."""

    raison_sociale: str
    commune: str
    departement: str
    siret: str = ""
    forme_juridique: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    type_structure: str | None = None
    part_musiques_actuelles: int | None = None
    employeuse: bool | None = None
    nombre_salaries: int | None = None
    tranche_budget: str | None = None
    en_regle: bool | None = None
    site_web: str | None = None


def _message(error: ValidationError) -> str:
    """A model's validation errors as one French sentence, each with its field's label."""
    parts = []
    for name, messages in error.message_dict.items():
        model_field = next((f for f in Structure._meta.fields if f.name == name), None)
        label = str(model_field.verbose_name) if model_field is not None else ""
        for message in messages:
            parts.append(f"{label} : {message}" if label else message)
    return " ; ".join(parts)


def structure_existante(*, siret: str, raison_sociale: str, commune: str) -> Structure | None:
    """The structure a record describes: same SIRET, or without SIRET the same name in the same commune."""
    if siret:
        return Structure.objects.filter(siret=siret).first()
    return Structure.objects.filter(siret="", raison_sociale__iexact=raison_sociale, commune__iexact=commune).first()


def structure_preparer(fiche: FicheStructure) -> tuple[Structure, bool]:
    """The structure filled from `fiche` (not saved) and whether it exists already; refuses invalid values."""
    structure = structure_existante(siret=fiche.siret, raison_sociale=fiche.raison_sociale, commune=fiche.commune)
    existe = structure is not None
    if structure is None:
        structure = Structure()
    for f in fields(fiche):
        value = getattr(fiche, f.name)
        if value is not None and value != "":
            setattr(structure, f.name, value)
    try:
        structure.full_clean(exclude=["siret"] if existe else None)
    except ValidationError as error:
        raise RuleViolation(_message(error)) from error
    return structure, existe


@transaction.atomic
def structure_importer(*, fiche: FicheStructure, by: AbstractBaseUser) -> tuple[Structure, bool]:
    """Create or update (matched on its SIRET) a structure brought in from the coordination's records.
    Returns the structure and whether it was created."""
    require(by, "donnees.importer")
    structure, existe = structure_preparer(fiche)
    if existe:
        # Lock the row: two imports touching one structure apply in turn.
        Structure.objects.select_for_update().filter(pk=structure.pk).first()
    structure.save()
    return structure, not existe
