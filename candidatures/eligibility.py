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

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from programmes.models import DEPARTEMENTS_OCCITANIE, Departement, TypeStructure
from questionnaires.models import Eligibilite
from questionnaires.selectors import eligibilite

from .models import StatutDemandeur

# The territory, the structure types and the share of activity are the programme's data
# (questionnaires.Eligibilite, edited in the admin); without rules set, the TSF's defaults apply
# ("une part significative de son activité": the seed gives no figure, the default is half).

OK = "ok"
NON = "non"
INCONNU = "inconnu"

# Who is a member of a programme is known higher up (ateliers.Adhesion, above this layer): that app
# registers its answer here, `fn(programme_id, user_id) -> bool`, in its AppConfig.ready.
_ADHESION: list[Callable[[int, int], bool]] = []


def register_adhesion(fn: Callable[[int, int], bool]) -> Callable[[int, int], bool]:
    if fn not in _ADHESION:
        _ADHESION.append(fn)
    return fn


def est_adherent(programme_id: int, user_id: int) -> bool | None:
    """Whether the person is a member of the programme; None when no app records memberships."""
    if not _ADHESION:
        return None
    return any(fn(programme_id, user_id) for fn in _ADHESION)


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
    adherent: bool | None = None,
) -> list[Critere]:
    """The criteria of seed 000 with the programme's rules, each met, unmet or unknown, explained in French."""
    regles = regles or Eligibilite()
    criteres = []
    territoire = regles.territoire
    # The whole region (the TSF's rule): the refusal names the region rather than a list.
    tous = sorted(regles.departements) == sorted(DEPARTEMENTS_OCCITANIE)

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

    # 3. The programme's field of activity (no criterion when its minimum share is 0).
    seuil = regles.part_activite_min
    champ = regles.champ_activite
    libelle = _("Structure de %(champ)s") % {"champ": champ}
    if not seuil:
        pass
    elif part_musiques_actuelles is None:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                INCONNU,
                _("La part de l’activité consacrée à ce champ (%(champ)s) n’est pas encore renseignée.") % {"champ": champ},
            )
        )
    elif part_musiques_actuelles >= seuil:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                OK,
                _("%(part)s %% de l’activité de la structure relève de ce champ (%(champ)s).")
                % {"part": part_musiques_actuelles, "champ": champ},
            )
        )
    else:
        criteres.append(
            Critere(
                "musiques_actuelles",
                libelle,
                NON,
                _(
                    "Vous indiquez que %(part)s %% de l’activité de la structure relève de ce champ (%(champ)s) : "
                    "le programme s’adresse aux structures dont c’est une part significative de l’activité "
                    "(au moins %(seuil)s %% pour ce pré-contrôle)."
                )
                % {"part": part_musiques_actuelles, "seuil": seuil, "champ": champ},
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
    # 5. Membership, when the programme requires it (PEER CULTURE: an active member for individual coaching).
    if regles.adhesion_requise:
        libelle = _("Adhésion au programme")
        if adherent is None:
            criteres.append(Critere("adhesion", libelle, INCONNU, _("L’adhésion sera vérifiée par la coordination.")))
        elif adherent:
            criteres.append(Critere("adhesion", libelle, OK, _("Vous êtes membre du programme.")))
        else:
            criteres.append(
                Critere(
                    "adhesion",
                    libelle,
                    NON,
                    _("Le programme est réservé à ses membres : aucune adhésion n’est enregistrée à votre nom."),
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
        adherent=est_adherent(candidature.programme_id, candidature.candidat_id),
    )
