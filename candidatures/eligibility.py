"""Eligibility pre-check of an application (seed 000, "Critères d'éligibilité et bénéficiaires").

A pure function of the answers: it informs the applicant before submission and the coordinator
afterwards; it never blocks a submission (the coordinator decides).

The rules: the applicant is
- an employee in charge of developing a project or an activity in a structure whose activity is
  for a significant part in musiques actuelles, or
- a regular volunteer leader of a musiques actuelles structure that employs staff or plans its
  first job;
and the structure is in Occitanie (one of its 13 départements).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from programmes.models import Departement, TypeStructure
from questionnaires.models import Eligibilite
from questionnaires.selectors import eligibilite

from .models import StatutDemandeur

# The territory, the structure types and the share of activity are the programme's data
# (questionnaires.Eligibilite, edited in the admin); without rules set, the TSF's defaults apply
# ("une part significative de son activité": the seed gives no figure, the default is half).

OK = "ok"
NON = "non"
INCONNU = "inconnu"


@dataclass(frozen=True)
class Critere:
    code: str
    libelle: str
    statut: str  # OK, NON or INCONNU (answer missing)
    explication: str

    @property
    def rempli(self) -> bool:
        return self.statut == OK

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_eligibility(
    *,
    statut_demandeur: str,
    departement: str,
    part_musiques_actuelles: int | None,
    employeuse: bool | None,
    projet_premier_emploi: bool | None,
    regles: Eligibilite | None = None,
    commune: str = "",
    type_structure: str = "",
) -> list[Critere]:
    """The criteria of seed 000 with the programme's rules, each met, unmet or unknown, explained in French."""
    regles = regles or Eligibilite()
    criteres = []
    territoire = regles.territoire
    tous = sorted(regles.departements) == sorted(Departement.values)

    # 1. Territory.
    libelle = _("Structure située en %(territoire)s") % {"territoire": territoire}
    if not departement:
        criteres.append(Critere("territoire", libelle, INCONNU, _("Le département de la structure n’est pas encore renseigné.")))
    elif departement in regles.departements and departement in Departement.values and regles.commune_acceptee(commune):
        criteres.append(
            Critere(
                "territoire",
                libelle,
                OK,
                _("La structure est dans le département %(dep)s, en %(territoire)s.")
                % {"dep": Departement(departement).label, "territoire": territoire},
            )
        )
    elif not tous or regles.liste_communes():
        criteres.append(
            Critere(
                "territoire",
                libelle,
                NON,
                _("La structure n’est pas sur le territoire du programme (%(territoire)s).") % {"territoire": territoire},
            )
        )
    else:
        criteres.append(
            Critere(
                "territoire",
                libelle,
                NON,
                _("La structure n’est pas dans l’un des 13 départements d’Occitanie : le programme est réservé à la région."),
            )
        )

    # 2. The structure's kind, when the programme takes only some.
    if regles.types_structure and type_structure:
        accepte = type_structure in regles.types_structure
        criteres.append(
            Critere(
                "type_structure",
                _("Type de structure"),
                OK if accepte else NON,
                _("Le programme accueille ce type de structure.")
                if accepte
                else _("Le programme s’adresse aux structures de ces types : %(types)s.")
                % {"types": ", ".join(str(TypeStructure(t).label) for t in regles.types_structure if t in TypeStructure.values)},
            )
        )

    # 3. Musiques actuelles (no criterion when the programme's minimum share is 0).
    seuil = regles.part_activite_min
    libelle = _("Structure de musiques actuelles")
    if not seuil:
        pass
    elif part_musiques_actuelles is None:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                INCONNU,
                _("La part de l’activité consacrée aux musiques actuelles n’est pas encore renseignée."),
            )
        )
    elif part_musiques_actuelles >= seuil:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                OK,
                _("%(part)s %% de l’activité de la structure est consacrée aux musiques actuelles.")
                % {"part": part_musiques_actuelles},
            )
        )
    else:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                NON,
                _(
                    "Vous indiquez que %(part)s %% de l’activité de la structure est consacrée aux musiques actuelles : "
                    "le programme s’adresse aux structures dont c’est une part significative de l’activité "
                    "(au moins %(seuil)s %% pour ce pré-contrôle)."
                )
                % {"part": part_musiques_actuelles, "seuil": seuil},
            )
        )

    # 4. The applicant's status and the structure's employment.
    libelle = _("Statut du·de la demandeur·euse")
    if not statut_demandeur:
        criteres.append(Critere("statut", libelle, INCONNU, _("Votre statut dans la structure n’est pas encore renseigné.")))
    elif statut_demandeur == StatutDemandeur.SALARIE:
        if employeuse is False:
            criteres.append(
                Critere(
                    "statut",
                    libelle,
                    NON,
                    _(
                        "Vous indiquez être salarié·e, mais la structure est déclarée non employeuse : "
                        "vérifiez ces deux réponses."
                    ),
                )
            )
        else:
            criteres.append(
                Critere(
                    "statut",
                    libelle,
                    OK,
                    _("Vous êtes salarié·e en charge du développement d’un projet ou d’une activité de la structure."),
                )
            )
    elif employeuse is None and projet_premier_emploi is None:
        criteres.append(
            Critere(
                "statut", libelle, INCONNU, _("Indiquez si la structure emploie des salarié·es ou prévoit un premier emploi.")
            )
        )
    elif employeuse or projet_premier_emploi:
        criteres.append(
            Critere(
                "statut",
                libelle,
                OK,
                _("Vous êtes dirigeant·e bénévole régulier·e d’une structure qui emploie ou prévoit un premier emploi."),
            )
        )
    else:
        criteres.append(
            Critere(
                "statut",
                libelle,
                NON,
                _(
                    "Vous êtes dirigeant·e bénévole d’une structure qui n’emploie personne et n’a pas de projet de "
                    "premier emploi : le programme s’adresse aux bénévoles de structures employeuses ou qui préparent "
                    "leur premier emploi."
                ),
            )
        )
    return criteres


def check_candidature(candidature: Any) -> list[Critere]:
    """The pre-check from a candidature's answers, its structure row and its programme's rules."""
    structure = candidature.structure
    return check_eligibility(
        regles=eligibilite(candidature.programme),
        commune=structure.commune if structure else "",
        type_structure=structure.type_structure if structure else "",
        statut_demandeur=candidature.statut_demandeur,
        departement=structure.departement if structure else "",
        part_musiques_actuelles=structure.part_musiques_actuelles if structure else None,
        employeuse=structure.employeuse if structure else None,
        projet_premier_emploi=structure.projet_premier_emploi if structure else None,
    )
