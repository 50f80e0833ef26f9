"""Importing past accompaniments (with their half-days and amounts) from the coordination's records (core/imports.py)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annuaire.models import PersonneRessource
from core import imports
from core.exceptions import DomainError
from core.imports import Colonne, Ligne
from programmes.models import Format, Programme, Structure

from .services import accompagnement_historique_importer, historique_verifier

COLONNES_HISTORIQUE = (
    Colonne(
        "programme",
        gettext_lazy("Programme"),
        True,
        gettext_lazy("Nom ou identifiant d’un programme créé dans l’administration (par exemple « tsf-2022 »)."),
        "tsf-2022",
    ),
    Colonne("format", gettext_lazy("Format"), True, gettext_lazy("Code ou libellé d’un format de ce programme."), "tsf"),
    Colonne(
        "structure_siret",
        gettext_lazy("SIRET de la structure bénéficiaire"),
        False,
        gettext_lazy("La structure doit être connue (importez d’abord les structures)."),
        "73282932000074",
    ),
    Colonne(
        "structure_nom",
        gettext_lazy("Structure bénéficiaire"),
        False,
        gettext_lazy("Raison sociale, si le SIRET n’est pas indiqué."),
        "Le Chai du Rock",
    ),
    Colonne("beneficiaire_nom", gettext_lazy("Bénéficiaire"), True, gettext_lazy("Prénom et nom."), "Alex Dupont"),
    Colonne("beneficiaire_email", gettext_lazy("E-mail du·de la bénéficiaire"), False, "", "alex@example.org"),
    Colonne(
        "mentors",
        gettext_lazy("Personnes-ressources"),
        True,
        gettext_lazy("Adresses e-mail de l’annuaire séparées par « | »."),
        "camille.martin@example.org",
    ),
    Colonne("date_debut", gettext_lazy("Début"), True, gettext_lazy("Date au format JJ/MM/AAAA."), "15/03/2022"),
    Colonne("date_fin", gettext_lazy("Fin"), True, gettext_lazy("Date au format JJ/MM/AAAA."), "30/06/2022"),
    Colonne("demi_journees", gettext_lazy("Demi-journées réalisées"), True, gettext_lazy("Nombre entier."), "4"),
    Colonne("montant", gettext_lazy("Montant (€)"), True, gettext_lazy("En euros, par exemple 1000 ou 1 000,00."), "1000,00"),
    Colonne(
        "reference_origine",
        gettext_lazy("Référence d’origine"),
        False,
        gettext_lazy("La référence du tableur d’origine (une ligne déjà importée est refusée)."),
        "TSF-2022-07",
    ),
)


class AccompagnementHistoriqueImporter(imports.Importer):
    kind = "accompagnements-historiques"
    titre = gettext_lazy("accompagnements passés")
    colonnes = COLONNES_HISTORIQUE
    permission = "donnees.importer"

    def __init__(self) -> None:
        super().__init__()
        self.programmes: dict[str, Programme] = {}
        for programme in Programme.objects.all():
            self.programmes[imports.normaliser(programme.slug)] = programme
            self.programmes.setdefault(imports.normaliser(programme.nom), programme)
        self.formats: dict[tuple[int, str], Format] = {}
        for format in Format.objects.all():
            self.formats[(format.programme_id, imports.normaliser(format.code))] = format
            self.formats.setdefault((format.programme_id, imports.normaliser(format.libelle)), format)
        self.structures_siret = {s.siret: s for s in Structure.objects.exclude(siret="")}
        self.structures_nom: dict[str, list[Structure]] = defaultdict(list)
        for structure in Structure.objects.all():
            self.structures_nom[imports.normaliser(structure.raison_sociale)].append(structure)
        self.mentors = {pr.email.lower(): pr for pr in PersonneRessource.objects.all()}
        # Half-days of each (structure, format) on the lines above, not written yet.
        self.en_attente: dict[tuple[int, int], int] = defaultdict(int)

    def _structure(self, ligne: Ligne) -> Structure | None:
        siret = ligne.valeurs["structure_siret"].replace(" ", "")
        nom = ligne.valeurs["structure_nom"]
        if siret:
            structure = self.structures_siret.get(siret)
            if structure is None:
                ligne.erreur(_("structure bénéficiaire inconnue (SIRET %(siret)s)") % {"siret": siret})
            return structure
        if not nom:
            ligne.erreur(_("indiquez le SIRET ou la raison sociale de la structure bénéficiaire"))
            return None
        trouvees = self.structures_nom.get(imports.normaliser(nom), [])
        if len(trouvees) != 1:
            ligne.erreur(
                _("structure bénéficiaire « %(nom)s » inconnue") % {"nom": nom}
                if not trouvees
                else _("plusieurs structures s’appellent « %(nom)s » : indiquez le SIRET") % {"nom": nom}
            )
            return None
        return trouvees[0]

    def analyser(self, ligne: Ligne) -> None:
        v = ligne.valeurs
        programme = self.programmes.get(imports.normaliser(v["programme"]))
        if programme is None:
            ligne.erreur(_("programme inconnu « %(valeur)s »") % {"valeur": v["programme"]})
        format = self.formats.get((programme.pk, imports.normaliser(v["format"]))) if programme else None
        if programme is not None and format is None:
            ligne.erreur(_("format « %(valeur)s » inconnu dans ce programme") % {"valeur": v["format"]})
        structure = self._structure(ligne)
        mentors = []
        for email in [e.strip().lower() for e in re.split(r"[|\n]", v["mentors"]) if e.strip()]:
            mentor = self.mentors.get(email)
            if mentor is None:
                ligne.erreur(_("personne-ressource inconnue « %(email)s »") % {"email": email})
            else:
                mentors.append(mentor)
        debut, fin = imports.date(v["date_debut"]), imports.date(v["date_fin"])
        if debut is None:
            ligne.erreur(_("date de début « %(valeur)s » invalide (JJ/MM/AAAA)") % {"valeur": v["date_debut"]})
        if fin is None:
            ligne.erreur(_("date de fin « %(valeur)s » invalide (JJ/MM/AAAA)") % {"valeur": v["date_fin"]})
        demi_journees = imports.entier(v["demi_journees"])
        if demi_journees is None or demi_journees < 1:
            ligne.erreur(_("nombre de demi-journées « %(valeur)s » invalide") % {"valeur": v["demi_journees"]})
        if v["beneficiaire_email"]:
            try:
                validate_email(v["beneficiaire_email"])
            except ValidationError:
                ligne.erreur(_("adresse e-mail invalide « %(valeur)s »") % {"valeur": v["beneficiaire_email"]})
        montant = imports.montant(v["montant"])
        if montant is None:
            ligne.erreur(_("montant « %(valeur)s » invalide") % {"valeur": v["montant"]})
        if v["reference_origine"] and programme is not None:
            self.unique(ligne, (programme.pk, v["reference_origine"]), _("Cette référence d’origine"))
        if ligne.erreurs or not (programme and format and structure and debut and fin and demi_journees) or montant is None:
            return
        cle = (structure.pk, format.pk)
        try:
            historique_verifier(
                programme=programme,
                format=format,
                structure=structure,
                mentors=mentors,
                date_debut=debut,
                date_fin=fin,
                demi_journees=demi_journees,
                montant=montant,
                reference_origine=v["reference_origine"],
                en_attente=self.en_attente[cle],
            )
        except DomainError as error:
            ligne.erreur(error.message)
            return
        self.en_attente[cle] += demi_journees
        ligne.action = imports.CREER
        ligne.donnees = {
            "programme": programme,
            "format": format,
            "structure": structure,
            "mentors": mentors,
            "beneficiaire_nom": v["beneficiaire_nom"],
            "beneficiaire_email": v["beneficiaire_email"],
            "date_debut": debut,
            "date_fin": fin,
            "demi_journees": demi_journees,
            "montant": montant,
            "reference_origine": v["reference_origine"],
        }

    def enregistrer(self, ligne: Ligne, *, by: Any) -> None:
        accompagnement_historique_importer(by=by, **ligne.donnees)
