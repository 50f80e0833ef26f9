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

from programmes.models import Departement

from .models import StatutDemandeur

# "Une part significative de son activité dédiée aux musiques actuelles": the seed gives no figure;
# below half of the activity, the pre-check flags it and the coordinator looks at the case.
PART_SIGNIFICATIVE = 50

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
) -> list[Critere]:
    """The three criteria of seed 000, each met, unmet or unknown, with a plain French explanation."""
    criteres = []

    # 1. Territory.
    libelle = _("Structure située en Occitanie")
    if not departement:
        criteres.append(Critere("territoire", libelle, INCONNU, _("Le département de la structure n’est pas encore renseigné.")))
    elif departement in Departement.values:
        criteres.append(
            Critere(
                "territoire",
                libelle,
                OK,
                _("La structure est dans le département %(dep)s, en Occitanie.") % {"dep": Departement(departement).label},
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

    # 2. Musiques actuelles.
    libelle = _("Structure de musiques actuelles")
    if part_musiques_actuelles is None:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                INCONNU,
                _("La part de l’activité consacrée aux musiques actuelles n’est pas encore renseignée."),
            )
        )
    elif part_musiques_actuelles >= PART_SIGNIFICATIVE:
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
                % {"part": part_musiques_actuelles, "seuil": PART_SIGNIFICATIVE},
            )
        )

    # 3. The applicant's status and the structure's employment.
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
    """The pre-check from a candidature's answers and its structure row."""
    structure = candidature.structure
    return check_eligibility(
        statut_demandeur=candidature.statut_demandeur,
        departement=structure.departement if structure else "",
        part_musiques_actuelles=structure.part_musiques_actuelles if structure else None,
        employeuse=structure.employeuse if structure else None,
        projet_premier_emploi=structure.projet_premier_emploi if structure else None,
    )
