"""Importing structures from the coordination's spreadsheets (core/imports.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.exceptions import DomainError
from core.imports import Colonne, Ligne

from .models import Departement, FormeJuridique, TrancheBudget, TypeStructure
from .services import FicheStructure, structure_importer, structure_preparer

COLONNES_STRUCTURE = (
    Colonne(
        "raison_sociale",
        gettext_lazy("Raison sociale"),
        True,
        gettext_lazy("Nom de la structure. Une cellule vide d’une colonne facultative garde la valeur connue."),
        "Le Chai du Rock",
    ),
    Colonne(
        "siret",
        gettext_lazy("SIRET"),
        False,
        gettext_lazy("14 chiffres ; sert à retrouver une structure déjà connue (mise à jour)."),
        "73282932000074",
    ),
    Colonne("commune", gettext_lazy("Commune"), True, "", "Montpellier"),
    Colonne(
        "departement", gettext_lazy("Département"), True, gettext_lazy("Numéro d’un département d’Occitanie (09, 31, 34…)."), "34"
    ),
    Colonne("code_postal", gettext_lazy("Code postal"), False, "", "34000"),
    Colonne("adresse", gettext_lazy("Adresse"), False, "", "12 rue de la Musique"),
    Colonne(
        "type_structure",
        gettext_lazy("Type de structure"),
        False,
        gettext_lazy("Par exemple : Festival, Label ou éditeur, Autre."),
        "Festival",
    ),
    Colonne(
        "forme_juridique",
        gettext_lazy("Forme juridique"),
        False,
        gettext_lazy("Association, SARL, SAS, SCOP, SCIC…"),
        "association",
    ),
    Colonne("nombre_salaries", gettext_lazy("Nombre de salarié·es"), False, gettext_lazy("Nombre entier."), "3"),
    Colonne(
        "tranche_budget",
        gettext_lazy("Budget annuel"),
        False,
        gettext_lazy("lt50k, 50-150k, 150-500k, 500k-1m, gt1m ou le libellé."),
        "50-150k",
    ),
    Colonne(
        "part_musiques_actuelles",
        gettext_lazy("Part musiques actuelles (%)"),
        False,
        gettext_lazy("De 0 à 100."),
        "100",
    ),
    Colonne("en_regle", gettext_lazy("En situation de régularité"), False, gettext_lazy("oui ou non."), "oui"),
    Colonne("site_web", gettext_lazy("Site web"), False, "", "https://example.org"),
)


def _choix(ligne: Ligne, cle: str, choices: Any, libelle: str, *, defaut: str = "") -> str:
    valeur = ligne.valeurs.get(cle, "")
    if not valeur:
        return defaut
    trouve = imports.choix(valeur, choices)
    if trouve is None:
        ligne.erreur(_("%(libelle)s inconnu(e) « %(valeur)s »") % {"libelle": libelle, "valeur": valeur})
        return defaut
    return trouve


def fiche_structure(ligne: Ligne, *, prefixe: str = "") -> FicheStructure | None:
    """The structure of a line (its columns maybe prefixed); errors on the line. An empty optional cell
    is None: "not given" (a new structure takes the default, an existing one keeps its value)."""
    v = {c.cle: ligne.valeurs.get(prefixe + c.cle, "") for c in COLONNES_STRUCTURE}
    if v["departement"].isdigit() and len(v["departement"]) == 1:
        v["departement"] = v["departement"].zfill(2)
    sous = Ligne(numero=ligne.numero, valeurs=v)
    departement = imports.choix(v["departement"], Departement.choices) if v["departement"] else ""
    if departement is None:
        sous.erreur(_("département « %(valeur)s » inconnu") % {"valeur": v["departement"]})
    type_structure = _choix(sous, "type_structure", TypeStructure.choices, _("type de structure"))
    forme = _choix(sous, "forme_juridique", FormeJuridique.choices, _("forme juridique"))
    tranche = _choix(sous, "tranche_budget", TrancheBudget.choices, _("budget annuel"))
    salaries = imports.entier(v["nombre_salaries"]) if v["nombre_salaries"] else None
    if v["nombre_salaries"] and (salaries is None or salaries < 0):
        sous.erreur(_("nombre de salarié·es « %(valeur)s » invalide") % {"valeur": v["nombre_salaries"]})
    part = imports.entier(v["part_musiques_actuelles"]) if v["part_musiques_actuelles"] else None
    if v["part_musiques_actuelles"] and (part is None or not 0 <= part <= 100):
        sous.erreur(_("part musiques actuelles « %(valeur)s » invalide (de 0 à 100)") % {"valeur": v["part_musiques_actuelles"]})
    en_regle = imports.oui_non(v["en_regle"]) if v["en_regle"] else None
    if v["en_regle"] and en_regle is None:
        sous.erreur(_("« %(valeur)s » : indiquez oui ou non (situation de régularité)") % {"valeur": v["en_regle"]})
    ligne.erreurs.extend(sous.erreurs)
    if sous.erreurs:
        return None
    return FicheStructure(
        raison_sociale=v["raison_sociale"],
        siret=v["siret"].replace(" ", ""),
        commune=v["commune"],
        departement=departement or "",
        code_postal=v["code_postal"] or None,
        adresse=v["adresse"] or None,
        type_structure=type_structure or None,
        forme_juridique=forme or None,
        nombre_salaries=salaries,
        employeuse=None if salaries is None else salaries > 0,
        tranche_budget=tranche or None,
        part_musiques_actuelles=part,
        en_regle=en_regle,
        site_web=v["site_web"] or None,
    )


class StructureImporter(imports.Importer):
    kind = "structures"
    titre = gettext_lazy("structures")
    colonnes = COLONNES_STRUCTURE
    permission = "donnees.importer"

    def analyser(self, ligne: Ligne) -> None:
        fiche = fiche_structure(ligne)
        if fiche is None:
            return
        self.unique(ligne, fiche.siret or (fiche.raison_sociale.lower(), fiche.commune.lower()), _("Cette structure"))
        try:
            _structure, existe = structure_preparer(fiche)
        except DomainError as error:
            ligne.erreur(error.message)
            return
        ligne.action = imports.METTRE_A_JOUR if existe else imports.CREER
        ligne.donnees = fiche

    def enregistrer(self, ligne: Ligne, *, by: Any) -> None:
        structure_importer(fiche=ligne.donnees, by=by)
