"""Importing personnes-ressources and their competences from the coordination's spreadsheets (core/imports.py)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import Colonne, Ligne
from programmes.models import Departement, Structure, TypeStructure
from programmes.validators import validate_siret

from .matching import TailleStructure
from .models import Competence, Mobilite, Niveau, PersonneRessource
from .services import StructureData, personne_ressource_importer

COLONNES_PERSONNE_RESSOURCE = (
    Colonne("prenom", gettext_lazy("Prénom"), True, "", "Camille"),
    Colonne("nom", gettext_lazy("Nom"), True, "", "Martin"),
    Colonne(
        "email",
        gettext_lazy("Adresse e-mail"),
        True,
        gettext_lazy("Sert à retrouver une personne déjà connue (mise à jour)."),
        "camille.martin@example.org",
    ),
    Colonne("telephone", gettext_lazy("Téléphone"), False, "", "06 12 34 56 78"),
    Colonne("fonction", gettext_lazy("Fonction"), False, "", "Administratrice"),
    Colonne(
        "departement",
        gettext_lazy("Département"),
        True,
        gettext_lazy("Numéro d’un département d’Occitanie (09, 31, 34…)."),
        "34",
    ),
    Colonne(
        "mobilite",
        gettext_lazy("Déplacements acceptés"),
        False,
        gettext_lazy("departement, voisins, region ou distance."),
        "voisins",
    ),
    Colonne(
        "competences",
        gettext_lazy("Compétences"),
        True,
        gettext_lazy("Noms du référentiel séparés par « | », chacun suivi de « :niveau » (1 à 3, 2 si absent)."),
        "Mécénat:3 | Paie:2",
    ),
    Colonne(
        "types_projets",
        gettext_lazy("Types de projets accompagnés"),
        False,
        gettext_lazy("Types de structure séparés par « | » (festival, label, scene…)."),
        "festival | label",
    ),
    Colonne(
        "tailles_projets",
        gettext_lazy("Tailles de structures connues"),
        False,
        gettext_lazy("Parmi 0, 1-2, 3-9, 10+ séparés par « | »."),
        "1-2 | 3-9",
    ),
    Colonne(
        "disponibilite",
        gettext_lazy("Disponibilité (demi-journées par an)"),
        False,
        gettext_lazy("Nombre entier."),
        "8",
    ),
    Colonne(
        "structure_siret",
        gettext_lazy("SIRET de la structure employeuse"),
        False,
        gettext_lazy("Une structure déjà connue est retrouvée par son SIRET."),
        "73282932000074",
    ),
    Colonne("structure_nom", gettext_lazy("Structure employeuse"), False, gettext_lazy("Raison sociale."), "Le Chai du Rock"),
    Colonne("structure_commune", gettext_lazy("Commune de la structure"), False, "", "Montpellier"),
    Colonne("structure_departement", gettext_lazy("Département de la structure"), False, "", "34"),
    Colonne("presentation", gettext_lazy("Parcours et expériences"), False, "", ""),
)

_NIVEAU = re.compile(r"^(?P<nom>.+?)\s*(?::\s*(?P<a>\d+)|\((?P<b>\d+)\))\s*$")


def _liste(valeur: str) -> list[str]:
    return [v.strip() for v in re.split(r"[|\n]", valeur) if v.strip()]


def _departement(valeur: str) -> str | None:
    valeur = valeur.strip()
    if valeur.isdigit() and len(valeur) == 1:
        valeur = valeur.zfill(2)
    return imports.choix(valeur, Departement.choices)


class PersonneRessourceImporter(imports.Importer):
    kind = "personnes-ressources"
    titre = gettext_lazy("personnes-ressources")
    colonnes = COLONNES_PERSONNE_RESSOURCE
    permission = "donnees.importer"

    def __init__(self) -> None:
        super().__init__()
        self.competences: dict[str, list[Competence]] = {}
        for competence in Competence.objects.filter(active=True).select_related("domaine"):
            self.competences.setdefault(imports.normaliser(competence.nom), []).append(competence)
            self.competences.setdefault(imports.normaliser(f"{competence.domaine.nom} / {competence.nom}"), []).append(competence)
        # The existing profiles and structures are read once for the whole file.
        self.sirets = dict(Structure.objects.exclude(siret="").values_list("siret", "en_regle"))
        self.existants = {e.lower() for e in PersonneRessource.objects.values_list("email", flat=True)}

    def _competences(self, ligne: Ligne) -> dict[int, int]:
        resultat: dict[int, int] = {}
        for element in _liste(ligne.valeurs["competences"]):
            match = _NIVEAU.match(element)
            nom, niveau = element, Niveau.CONFIRME.value
            if match:
                nom = match["nom"]
                niveau = int(match["a"] or match["b"])
                if niveau not in Niveau.values:
                    ligne.erreur(_("niveau %(n)s invalide pour « %(nom)s » (de 1 à 3)") % {"n": niveau, "nom": nom})
                    continue
            trouvees = self.competences.get(imports.normaliser(nom), [])
            if not trouvees:
                ligne.erreur(_("compétence inconnue « %(nom)s »") % {"nom": nom})
            elif len(trouvees) > 1:
                ligne.erreur(_("compétence « %(nom)s » ambiguë : précisez « Domaine / %(nom)s »") % {"nom": nom})
            else:
                resultat[trouvees[0].pk] = niveau
        return resultat

    def _multiples(self, ligne: Ligne, cle: str, choices: Any, libelle: str) -> list[str]:
        resultat = []
        for element in _liste(ligne.valeurs[cle]):
            valeur = imports.choix(element, choices)
            if valeur is None:
                ligne.erreur(_("%(libelle)s inconnu « %(valeur)s »") % {"libelle": libelle, "valeur": element})
            else:
                resultat.append(valeur)
        return sorted(set(resultat))

    def analyser(self, ligne: Ligne) -> None:
        v = ligne.valeurs
        email = v["email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            ligne.erreur(_("adresse e-mail invalide « %(valeur)s »") % {"valeur": email})
        else:
            self.unique(ligne, email.lower(), _("Cette adresse e-mail"))
        departement = _departement(v["departement"])
        if departement is None:
            ligne.erreur(_("département « %(valeur)s » inconnu") % {"valeur": v["departement"]})
        mobilite = imports.choix(v["mobilite"], Mobilite.choices) if v["mobilite"] else ""
        if mobilite is None:
            ligne.erreur(_("déplacements « %(valeur)s » inconnus") % {"valeur": v["mobilite"]})
        champ = PersonneRessource._meta.get_field("disponibilite_demi_journees")
        disponibilite = imports.entier(v["disponibilite"]) if v["disponibilite"] else None
        if v["disponibilite"]:
            try:
                if disponibilite is None:
                    raise ValidationError("")
                champ.run_validators(disponibilite)
            except ValidationError:
                ligne.erreur(_("disponibilité « %(valeur)s » invalide") % {"valeur": v["disponibilite"]})
        competences = self._competences(ligne)
        types = self._multiples(ligne, "types_projets", TypeStructure.choices, _("type de projet"))
        tailles = self._multiples(ligne, "tailles_projets", TailleStructure.choices, _("taille de structure"))
        structure_departement = ""
        if v["structure_departement"]:
            structure_departement = _departement(v["structure_departement"]) or ""
            if not structure_departement:
                ligne.erreur(_("département de la structure « %(valeur)s » inconnu") % {"valeur": v["structure_departement"]})
        siret = v["structure_siret"].replace(" ", "")
        if siret:
            try:
                validate_siret(siret)
            except ValidationError as error:
                ligne.erreur(" ".join(str(m) for m in error.messages))
        connue = bool(siret) and siret in self.sirets
        if connue and not self.sirets[siret] and email.lower() not in self.existants:
            ligne.erreur(_("la structure employeuse n’est pas en situation de régularité : le profil ne peut pas être validé"))
        if not connue and not (v["structure_nom"] and v["structure_commune"] and structure_departement):
            ligne.erreur(
                _(
                    "structure employeuse inconnue : indiquez sa raison sociale, sa commune et son département (ou le SIRET d’une structure connue)"
                )
            )
        if ligne.erreurs:
            return
        ligne.action = imports.METTRE_A_JOUR if email.lower() in self.existants else imports.CREER
        ligne.donnees = {
            "structure": StructureData(
                siret=siret,
                raison_sociale=v["structure_nom"],
                commune=v["structure_commune"],
                departement=structure_departement,
            ),
            "competences": competences,
            "prenom": v["prenom"],
            "nom": v["nom"],
            "email": email,
            "telephone": v["telephone"],
            "fonction": v["fonction"],
            "presentation": v["presentation"],
            "departement": departement,
            "mobilite": mobilite,
            "types_projets": types,
            "tailles_projets": tailles,
            "disponibilite_demi_journees": disponibilite,
        }

    def enregistrer(self, ligne: Ligne, *, by: Any) -> None:
        personne_ressource_importer(by=by, **ligne.donnees)
