"""The demo's structures, for both programmes: made-up valid SIRETs and one way in, the service; and the
way both programmes' personnes-ressources apply to the directory."""

from __future__ import annotations

import random
from typing import Any

from django.utils.text import slugify

from accounts.models import User
from annuaire.services import StructureData
from programmes.models import Structure
from programmes.services import FicheStructure, structure_importer
from programmes.validators import luhn_ok

from .data import PersonneRessourceDemo, StructureDemo


def luhn_digit(payload: str) -> str:
    """The digit that makes `payload` + digit pass the Luhn checksum."""
    for digit in "0123456789":
        if luhn_ok(payload + digit):
            return digit
    raise AssertionError("unreachable")


def siret_for(key: str) -> str:
    """A made-up but valid SIRET, always the same for a structure key (SIREN and SIRET pass Luhn)."""
    rng = random.Random(f"siret:{key}")  # noqa: S311 (deterministic demo data, not a secret)  # nosec B311 # deterministic demo data
    siren8 = str(rng.randint(4, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = siren8 + luhn_digit(siren8)
    nic4 = f"{rng.randint(1, 99):04d}"
    return siren + nic4 + luhn_digit(siren + nic4)


def structure_demo(spec: StructureDemo, *, by: User) -> Structure:
    """The structure of `spec`, written by the coordination's own import service (a second load finds it)."""
    siret = siret_for(spec.key)
    existing = Structure.objects.filter(siret=siret).first()
    if existing is not None:
        return existing
    structure, _created = structure_importer(
        fiche=FicheStructure(
            raison_sociale=spec.raison_sociale,
            siret=siret,
            forme_juridique=spec.forme_juridique,
            adresse=spec.adresse,
            code_postal=spec.code_postal,
            commune=spec.commune,
            departement=spec.departement,
            type_structure=spec.type_structure,
            part_musiques_actuelles=spec.part_musiques_actuelles,
            employeuse=spec.employeuse,
            projet_premier_emploi=spec.projet_premier_emploi,
            nombre_salaries=spec.nombre_salaries,
            tranche_budget=spec.tranche_budget,
            site_web=f"https://{slugify(spec.raison_sociale.removesuffix(' (fictif)'))}.example",
        ),
        by=by,
    )
    return structure


def candidature_personne_ressource(
    spec: PersonneRessourceDemo,
    *,
    structure: Structure,
    user: User | None,
    email: str,
    telephone: str,
    competences: dict[int, int],
) -> dict[str, Any]:
    """The arguments of `personne_ressource_apply` for the personne-ressource of `spec`, employed by
    `structure`: the same for both programmes, only the account, the address and the phone differ."""
    return {
        "user": user,
        "structure": StructureData(siret=structure.siret),
        "competences": competences,
        "prenom": spec.prenom,
        "nom": spec.nom,
        "email": email,
        "telephone": telephone,
        "fonction": spec.fonction,
        "presentation": spec.presentation,
        "departement": structure.departement,
        "mobilite": spec.mobilite,
        "types_projets": list(spec.types_projets),
        "tailles_projets": list(spec.tailles_projets),
        "disponibilite_demi_journees": spec.disponibilite,
    }
