"""The second demonstration programme, « PEER CULTURE 2026 — MA Sphère (fictif) » (seeds 003 and 004),
loaded by `manage.py load_demo` next to the TSF Occitanie through the same services and clock.

MA Sphère, a cluster of cultural enterprises around Toulouse, runs peer learning for twelve months from
November: individual coaching counted in hours (14 to 28 h), collective workshops (12 places, 18 € a
half-day for non-members), immersion days (« Vis ma vie ») and co-development groups. A comité de
pilotage of three active members chooses the beneficiaries and validates the workshop calendar; the
programme is coordinated by MA Sphère's chargée de développement.

What is told here, through the services, at its story date:
- the five applicants who will be coached apply through the (common) questionnaire, the coordination
  holds the pre-diagnostic and retains them with their hours (`load_candidatures`);
- the comité de pilotage meets, chooses them and validates the workshops' calendar (`load_comite`);
- the members (active 300 €/year, cooperating 100 €/year) are recorded (`load_adhesions`);
- the eight workshops are scheduled, people register (one is full with a waiting list), the held ones'
  attendance and the non-members' fees are recorded; most of those present evaluate them from their
  space with the programme's default workshop questionnaire (`load_ateliers`);
- two funders' contributions make the programme's envelope (`load_budget`);
- the five coachings in hours: the coordination opens each accompagnement with its hours (Lou's with two
  personnes-ressources in sequence), the grid is written and validated, the convention rendered and signed
  by the three parties; sessions of 3 or 4 hours about two weeks apart, the November ones held and
  reported, the others planned until spring; Nina's extended from 14 to 20 h by an avenant signed again
  (`load_coachings`). Each is proposed through the matching (a mentor's half-days at the programme's hours
  per half-day against the coaching's hours) and accepted; Lou's second personne-ressource is added after;
- a co-development group of six cooperating members led by a personne-ressource, three meetings each on
  one member's problem, the first held with its attendance (`load_codeveloppement`);
- two immersion days: Prune with Margaux (held, both reports, closed) and Oscar with Sofia (to come, its
  objectives filled) (`load_immersions`).

Not told yet: the pilot's identity (`load_pilote`, other issue-16 work, to plug in here).

Everything is data in this module (people, structures, dates as offsets in days from today); the
driver takes the TSF loader (`DemoLoader`) for its clock, outbox and account helpers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # types-python-dateutil not installed
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify

from accompagnements import services as accompagnements
from accompagnements.models import Accompagnement, Objectif, Seance
from accounts import roles
from accounts.models import User
from annuaire import services as annuaire
from annuaire.models import EtatProposition, PersonneRessource
from ateliers import services as ateliers
from ateliers.models import Atelier, EtatInscription
from budget import selectors as budget_selectors
from budget import services as budget
from budget.models import Financeur, ModePaiement, RegleRepartition
from candidatures import services as candidatures
from candidatures.models import Candidature
from comite import services as comite
from conventions import services as conventions
from core.uploads import check_upload
from programmes.models import Format, Programme, Structure
from programmes.services import structure_pilote_creer
from questionnaires import services as questionnaires
from questionnaires.models import Nature

from .data import DOMAINE, PROGRESSION, CandidatureDemo, CompteDemo, ObjectifDemo, PersonneRessourceDemo, StructureDemo
from .structures import candidature_personne_ressource, structure_demo

if TYPE_CHECKING:  # annotations only: the loader imports this module
    from .loader import DemoLoader

VISIO = "https://visio.demo.ma-sphere.example/"
# The animator's invoice of a held workshop (a minimal PDF, as the TSF's demo invoices).
FACTURE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PROGRAMME: dict[str, Any] = {
    "slug": "peer-culture-2026",
    "nom": "PEER CULTURE 2026 — MA Sphère (fictif)",
    "description": (
        "Programme de démonstration (données fictives) : l’accompagnement par les pairs à l’entrepreneuriat "
        "culturel de MA Sphère, à Toulouse — accompagnements individuels en heures, ateliers collectifs, "
        "mentorat immersif et co-développement, sur douze mois à partir de novembre."
    ),
    # No minimum of days to deliver for the funders (a TSF rule).
    "jours_minimum": 0,
    "appel_ouvert": True,
    # Its committee is a comité de pilotage, its applications are numbered PEER-2026-0001.
    "nom_comite": "comité de pilotage",
    "prefixe_reference": "PEER",
}

# The formats of seed 004.
FORMATS: list[dict[str, Any]] = [
    {
        "code": "coaching",
        "libelle": "Accompagnement individuel",
        "description": (
            "Rendez-vous réguliers, par demi-journées, avec une ou plusieurs personnes-ressources du cluster ; "
            "durée fixée au diagnostic, prolongeable sans dépasser le maximum."
        ),
        "nature": "individuel",
        "unite": "heure",
        "demi_journees_min": 14,
        "demi_journees_max": 28,
        "duree_max_avec_prolongation": 28,
        "seance_duree_max": 4,
        # The seeds give no rate: a fictitious hour of mentor time at 62,50 € (a day of 8 h at 500 €).
        "taux_par_unite": Decimal("62.50"),
        "ecart_max_jours": 14,
        "participants_max": 1,
        "ordre": 1,
    },
    {
        "code": "atelier",
        "libelle": "Atelier collectif",
        "description": "Une demi-journée en groupe sur un thème choisi par le comité de pilotage, animée par un·e membre.",
        "nature": "collectif",
        "unite": "demi_journee",
        "demi_journees_min": 1,
        "demi_journees_max": 1,
        "participants_max": 12,
        "participation_non_membre": Decimal("18.00"),
        "ordre": 2,
    },
    {
        "code": "immersion",
        "libelle": "Mentorat immersif (« Vis ma vie »)",
        "description": "Une journée de travail partagée entre un·e mentoré·e et un·e mentor·e bénévole du réseau.",
        "nature": "immersion",
        "unite": "demi_journee",
        "demi_journees_min": 2,
        "demi_journees_max": 2,
        "personne_ressource_remuneree": False,
        "participants_max": 1,
        "ordre": 3,
    },
    {
        "code": "codev",
        "libelle": "Co-développement",
        "description": "Un groupe stable qui travaille tour à tour sur la problématique de chacun·e (méthode Payette & Champagne).",
        "nature": "codeveloppement",
        "unite": "demi_journee",
        "demi_journees_min": 1,
        "demi_journees_max": 6,
        "participants_max": 8,
        "ordre": 4,
    },
]

# Seed 004's eligibility: around Toulouse, the cultural fields (audiovisual, publishing, press, live
# performance, advertising, heritage, visual arts, architecture, arts education), members only; the share
# of activity is no criterion there.
ELIGIBILITE: dict[str, Any] = {
    "territoire": "Toulouse et la Haute-Garonne",
    "departements": ["31"],
    "champ_activite": "culture et création",
    "part_activite_min": 0,
    "adhesion_requise": True,
}

# --- The pilot structure (fictitious) ------------------------------------------------------------------
PILOTE = {
    "nom": "MA Sphère (fictif)",
    "email": f"contact@{DOMAINE}",
    "adresse": "1 allée de l’Exemple",
    "code_postal": "31000",
    "commune": "Toulouse",
    "representant_nom": "Camille Sphère",
    "representant_qualite": "présidente",
}


# --- Accounts ----------------------------------------------------------------------------------
COORDINATION = CompteDemo(
    "pc:coordination",
    f"coordination.peer@{DOMAINE}",
    "Inès",
    "Sphère",
    (roles.COORDINATION,),
    "Coordination PEER CULTURE (MA Sphère)",
    "5 coachings en heures (un prolongé par avenant), 8 ateliers (un complet), un groupe de co-développement, 2 immersions",
)
# The comité de pilotage: three active members of the cluster.
COMITE = [
    CompteDemo("pc:comite1", f"comite.peer@{DOMAINE}", "Basile", "Copil", (roles.COMITE,), "Comité de pilotage", ""),
    CompteDemo("pc:comite2", f"noemie.copil@{DOMAINE}", "Noémie", "Copil", (roles.COMITE,), "Comité de pilotage", ""),
    CompteDemo("pc:comite3", f"yanis.copil@{DOMAINE}", "Yanis", "Copil", (roles.COMITE,), "Comité de pilotage", ""),
]
# The member login: one of the five coached applicants (key of CANDIDATURES).
LOGIN_MEMBRE = "pc:lou"
LOGIN_MEMBRE_USAGE = "membre actif : coaching de 20 h avec deux personnes-ressources, inscrit·e à un atelier complet"

ADHESION_ACTIF = "Membre actif — adhésion 300 € / an (fictif)"
ADHESION_COOPERANT = "Membre coopérant — adhésion 100 € / an (fictif)"


@dataclass(frozen=True)
class ParticipantDemo:
    key: str
    prenom: str
    nom: str
    adhesion: str  # "" for a non-member


# Members and non-members who come to the workshops (the five applicants below are active members too).
PARTICIPANTS = [
    ParticipantDemo("pc:m1", "Agathe", "Lumière", ADHESION_COOPERANT),
    ParticipantDemo("pc:m2", "Bastien", "Cadrage", ADHESION_COOPERANT),
    ParticipantDemo("pc:m3", "Céleste", "Vernis", ADHESION_COOPERANT),
    ParticipantDemo("pc:m4", "Dorian", "Partition", ADHESION_COOPERANT),
    ParticipantDemo("pc:m5", "Elsa", "Maquette", ADHESION_ACTIF),
    ParticipantDemo("pc:m6", "Fabien", "Gravure", ADHESION_COOPERANT),
    ParticipantDemo("pc:m7", "Gaëlle", "Coulisse", ADHESION_COOPERANT),
    ParticipantDemo("pc:n1", "Hugo", "Pellicule", ""),
    ParticipantDemo("pc:n2", "Iris", "Typo", ""),
    ParticipantDemo("pc:n3", "Jules", "Décor", ""),
    ParticipantDemo("pc:n4", "Kenza", "Fresque", ""),
    ParticipantDemo("pc:n5", "Léon", "Storyboard", ""),
]

# --- Structures (Toulouse and around, the cultural fields of seed 004) ---------------------------
# fmt: off
STRUCTURES = [
    StructureDemo("pc:bobine", "Bobine & Cie (fictif)", "sarl", "3 rue du Cinématographe-Imaginaire", "31000", "Toulouse", "31", "production", 4, "150-500k", part_musiques_actuelles=10),
    StructureDemo("pc:encre", "Éditions de l’Encre Rose (fictif)", "sas", "18 allée de la Maquette", "31000", "Toulouse", "31", "label", 2, "50-150k", part_musiques_actuelles=0),
    StructureDemo("pc:treteaux", "Compagnie des Tréteaux Roses (fictif)", "association", "7 impasse du Prototype", "31200", "Toulouse", "31", "collectif", 1, "lt50k", part_musiques_actuelles=20),
    StructureDemo("pc:fresque", "Atelier Fresque Garonne (fictif)", "autre", "11 quai de l’Exemple", "31300", "Toulouse", "31", "autre", 0, "lt50k", part_musiques_actuelles=0, employeuse=False, projet_premier_emploi=True),
    StructureDemo("pc:ondes", "Ondes d’Autan, radio associative (fictif)", "association", "2 place du Spécimen", "31400", "Toulouse", "31", "media", 3, "50-150k", part_musiques_actuelles=40),
    StructureDemo("pc:sphere", "Agence Plan Large (fictif)", "sarl", "9 boulevard de l’Essai", "31500", "Toulouse", "31", "autre", 6, "500k-1m", part_musiques_actuelles=0),
    StructureDemo("pc:patrimoine", "Patrimoine Vivant Conseil (fictif)", "sas", "4 rue des Capitouls-Fictifs", "31000", "Toulouse", "31", "autre", 3, "150-500k", part_musiques_actuelles=0),
    StructureDemo("pc:arts", "École d’Arts du Canal (fictif)", "association", "21 chemin du Canal-Modèle", "31520", "Ramonville-Saint-Agne", "31", "enseignement", 8, "150-500k", part_musiques_actuelles=15),
]
# fmt: on

# --- Personnes-ressources: members of the cluster who lead the workshops and coach ---------------
PERSONNES_RESSOURCES = [
    PersonneRessourceDemo(
        "pc:margaux",
        "Margaux",
        "Réseau",
        "pc:sphere",
        "Directrice d’une agence de communication culturelle",
        "Vingt ans de communication pour des lieux et des festivals ; anime des formations au pitch et à la prise de parole.",
        "departement",
        ("autre", "media", "collectif"),
        ("lt50k", "50-150k"),
        12,
        (("Stratégie de communication", 3), ("Communication digitale et réseaux sociaux", 3), ("Relations presse et médias", 2)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "pc:antoine",
        "Antoine",
        "Bilan",
        "pc:patrimoine",
        "Consultant en modèle économique des entreprises culturelles",
        "Accompagne depuis dix ans de petites entreprises culturelles sur leur modèle économique et leurs financements.",
        "region",
        ("autre", "production", "label"),
        ("lt50k", "50-150k", "150-500k"),
        12,
        (("Modèle économique", 3), ("Stratégie économique et financière", 3), ("Mécénat et partenariats privés", 2)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "pc:sofia",
        "Sofia",
        "Contrat",
        "pc:bobine",
        "Productrice audiovisuelle",
        "Productrice de documentaires ; connaît les contrats de cession, les droits d’auteur et les aides du CNC.",
        "departement",
        ("production", "media"),
        ("50-150k", "150-500k"),
        6,
        (
            ("Production de spectacles et tournées", 2),
            ("Subventions publiques et dossiers de demande", 3),
            ("Management d’équipe", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "pc:theo",
        "Théo",
        "Équipe",
        "pc:arts",
        "Directeur d’une école d’arts",
        "Dirige une équipe de huit salarié·es ; référent conditions de travail avec l’Aract Occitanie.",
        "departement",
        ("enseignement", "collectif"),
        ("lt50k", "150-500k"),
        14,
        (("Conditions de travail et prévention", 3), ("Management d’équipe", 3), ("Paie et obligations sociales", 2)),
        compte=True,
    ),
]


@dataclass(frozen=True)
class CoachingDemo:
    """An applicant retained for individual coaching: the diagnostic's needs and hours."""

    candidature: CandidatureDemo
    heures: int  # within the coaching format's 14–28 h (the format's limits are checked by the services)
    besoins: tuple[tuple[str, int], ...]
    notes: str


def _candidature(
    key: str, prenom: str, nom: str, structure: str, fonction: str, *texts: str, competences: tuple[str, ...]
) -> CandidatureDemo:
    presentation, situation, problematique, objectifs = texts
    return CandidatureDemo(
        key,
        prenom,
        nom,
        structure,
        "salarie",
        fonction,
        presentation,
        situation,
        problematique,
        objectifs,
        competences,
        "selectionnee",
        cree=-62,
        email=f"membre.peer@{DOMAINE}" if key == LOGIN_MEMBRE else None,
    )


# The five beneficiaries of individual coaching (seed 004: « 5 accompagnements personnalisés »).
COACHINGS = [
    CoachingDemo(
        _candidature(
            "pc:lou",
            "Lou",
            "Adhérente",
            "pc:treteaux",
            "Administratrice de compagnie",
            "Administratrice de la compagnie depuis 2022 ; je porte la diffusion et les demandes de subvention.",
            "La compagnie tourne deux spectacles jeune public ; une salariée à mi-temps, une équipe artistique intermittente.",
            "Nos recettes dépendent de trois subventions ; nous ne savons pas vendre nos spectacles aux programmateurs.",
            "Construire un modèle économique moins dépendant des subventions et un argumentaire de diffusion.",
            competences=("Modèle économique", "Stratégie de communication"),
        ),
        20,
        (("Modèle économique", 3), ("Stratégie de communication", 2)),
        "Deux personnes-ressources en succession : modèle économique d’abord, puis diffusion.",
    ),
    CoachingDemo(
        _candidature(
            "pc:malo",
            "Malo",
            "Rushes",
            "pc:bobine",
            "Gérant",
            "Gérant d’une société de production audiovisuelle de quatre salarié·es.",
            "Deux documentaires par an, des prestations pour des institutions ; une croissance rapide depuis deux ans.",
            "L’équipe a doublé et l’organisation du travail n’a pas suivi.",
            "Structurer l’organisation du travail et le management d’une équipe en croissance.",
            competences=("Management d’équipe", "Conditions de travail et prévention"),
        ),
        28,
        (("Management d’équipe", 3), ("Conditions de travail et prévention", 2)),
        "Situation à renseigner dans Objectif Reprise avant l’appui de l’Aract Occitanie.",
    ),
    CoachingDemo(
        _candidature(
            "pc:nina",
            "Nina",
            "Marges",
            "pc:encre",
            "Éditrice",
            "Cofondatrice d’une petite maison d’édition de poésie illustrée.",
            "Six titres par an, une diffusion en librairie encore fragile.",
            "Nos coûts de fabrication augmentent et notre trésorerie est tendue en fin d’année.",
            "Bâtir un budget prévisionnel et un plan de trésorerie, diversifier les ressources (mécénat).",
            competences=("Stratégie économique et financière", "Mécénat et partenariats privés"),
        ),
        14,
        (("Stratégie économique et financière", 3), ("Mécénat et partenariats privés", 1)),
        "",
    ),
    CoachingDemo(
        _candidature(
            "pc:oscar",
            "Oscar",
            "Antenne",
            "pc:ondes",
            "Coordinateur",
            "Coordinateur salarié d’une radio associative locale.",
            "Trois salarié·es, quarante bénévoles ; une audience qui se déplace vers le podcast.",
            "Notre communication numérique est faite au coup par coup, sans ligne éditoriale.",
            "Définir une stratégie de communication numérique et des partenariats médias.",
            competences=("Communication digitale et réseaux sociaux", "Relations presse et médias"),
        ),
        16,
        (("Communication digitale et réseaux sociaux", 3), ("Relations presse et médias", 2)),
        "",
    ),
    CoachingDemo(
        _candidature(
            "pc:prune",
            "Prune",
            "Pigment",
            "pc:fresque",
            "Artiste plasticienne, entrepreneuse individuelle",
            "Fresquiste ; je réponds à des commandes publiques et privées.",
            "Une activité qui grandit ; je prépare un premier emploi d’assistant·e.",
            "Je ne sais pas chiffrer mes prestations ni préparer une embauche.",
            "Fixer mes tarifs, préparer la création d’un premier emploi.",
            competences=("Modèle économique", "Création d’un premier emploi"),
        ),
        24,
        (("Modèle économique", 2), ("Création d’un premier emploi", 3)),
        "",
    ),
]


@dataclass(frozen=True)
class AtelierDemo:
    titre: str
    theme: str
    jour: int  # days from today (negative: already held; attendance recorded the day after)
    heure: int
    animateur: str  # key of PERSONNES_RESSOURCES
    inscrits: tuple[str, ...]  # who registers, in this order (beyond the places: waiting list)
    lieu: str = "MA Sphère, Toulouse (fictif)"
    lien_visio: str = ""
    impayee: str = ""  # a non-member of a held workshop who has not paid yet


# What the participants present at a held workshop answer to its evaluation (the programme's default
# questionnaire, by question code), in turn; one in three of them has not answered yet.
AVIS_ATELIERS: tuple[dict[str, str], ...] = (
    {
        "satisfaction": "5",
        "utilite": "Très utile",
        "mise_en_pratique": "Préparer une version courte de ma présentation pour les rendez-vous avec les partenaires.",
        "commentaire": "Les retours des autres participant·es étaient précieux.",
    },
    {
        "satisfaction": "4",
        "utilite": "Plutôt utile",
        "mise_en_pratique": "Revoir mes supports avant la prochaine rencontre professionnelle.",
        "commentaire": "",
    },
    {
        "satisfaction": "4",
        "utilite": "Très utile",
        "mise_en_pratique": "Tenir un tableau de suivi mensuel de mes recettes.",
        "commentaire": "Un peu court pour tout aborder : une seconde séance serait bienvenue.",
    },
    {
        "satisfaction": "3",
        "utilite": "Peu utile",
        "mise_en_pratique": "",
        "commentaire": "J’en savais déjà une bonne partie ; des cas plus avancés m’auraient davantage servi.",
    },
)
EVALUATION_SANS_REPONSE = 3  # every third participant present has not evaluated yet

MEMBRES_ACTIFS = tuple(c.candidature.key for c in COACHINGS)
COOPERANTS = tuple(p.key for p in PARTICIPANTS if p.adhesion)
NON_MEMBRES = tuple(p.key for p in PARTICIPANTS if not p.adhesion)

# The workshops' calendar for the whole session, validated by the comité (seed 004: « 8 ateliers collectifs »).
ATELIERS = [
    AtelierDemo(
        "Pitch et présentation orale",
        "Présenter son projet en cinq minutes devant des pairs : structure, supports, questions difficiles.",
        -21,
        14,
        "pc:margaux",
        ("pc:lou", "pc:malo", "pc:m1", "pc:m2", "pc:m3", "pc:n1", "pc:n2", "pc:oscar", "pc:m4"),
    ),
    AtelierDemo(
        "Modèle économique d’une structure culturelle",
        "Lire ses comptes, diversifier ses recettes, chiffrer ses prestations.",
        -7,
        9,
        "pc:antoine",
        ("pc:nina", "pc:prune", "pc:m5", "pc:m6", "pc:n3", "pc:n4", "pc:m7", "pc:n1"),
        impayee="pc:n4",
    ),
    AtelierDemo(
        "Communication digitale : ligne éditoriale et réseaux sociaux",
        "Une ligne éditoriale, un calendrier de publication, mesurer ce qui marche.",
        9,
        14,
        "pc:margaux",
        (
            "pc:lou",
            "pc:oscar",
            "pc:m1",
            "pc:m2",
            "pc:m3",
            "pc:m4",
            "pc:m5",
            "pc:m6",
            "pc:n1",
            "pc:n2",
            "pc:n3",
            "pc:malo",
            "pc:m7",
            "pc:n4",
        ),
    ),
    AtelierDemo(
        "Diversifier ses ressources : mécénat et financement participatif",
        "Trouver des mécènes locaux, préparer une campagne de financement participatif.",
        23,
        9,
        "pc:antoine",
        ("pc:nina", "pc:prune", "pc:m1", "pc:m2", "pc:m3", "pc:m4", "pc:m5", "pc:m6", "pc:m7", "pc:n1", "pc:n2"),
        lieu="",
        lien_visio=f"{VISIO}atelier-ressources",
    ),
    AtelierDemo(
        "Droits d’auteur et contrats de cession",
        "Les contrats de l’audiovisuel, de l’édition et des arts visuels : ce qu’il faut vérifier avant de signer.",
        44,
        14,
        "pc:sofia",
        ("pc:malo", "pc:nina", "pc:n3", "pc:n5"),
    ),
    AtelierDemo(
        "Conditions de travail et organisation (avec l’Aract Occitanie)",
        "Charge de travail, rôles et prévention dans une petite équipe culturelle.",
        72,
        9,
        "pc:theo",
        ("pc:malo", "pc:m6"),
    ),
    AtelierDemo(
        "Budget prévisionnel et trésorerie",
        "Construire un budget prévisionnel, anticiper les creux de trésorerie.",
        100,
        14,
        "pc:antoine",
        (),
    ),
    AtelierDemo(
        "Manager une petite équipe",
        "Déléguer, conduire un entretien annuel, accueillir un premier emploi.",
        135,
        9,
        "pc:theo",
        (),
    ),
]
# The full workshop of the story (12 places taken, a waiting list).
ATELIER_COMPLET = ATELIERS[2].titre

# The comité's meeting: it chooses the five beneficiaries and validates the workshops' calendar.
REUNION_COMITE: dict[str, Any] = {
    "jour": -36,
    "planifiee": -50,
    "lieu": "MA Sphère, Toulouse (fictif)",
    "ordre_du_jour": "1. Choix des cinq bénéficiaires de l’accompagnement individuel.\n2. Validation du calendrier des ateliers collectifs.",
    "compte_rendu": (
        "Présents : les trois membres du comité de pilotage et la chargée de développement.\n"
        "1. Le comité retient cinq bénéficiaires pour l’accompagnement individuel (14 à 28 heures chacun) "
        "au vu des diagnostics partagés.\n"
        "2. Le comité valide le calendrier des huit ateliers collectifs, choisis à partir des besoins exprimés "
        "dans les candidatures."
    ),
}
# The applicants' dates: questionnaire, deposit, admissibility, pre-diagnostic interview, decision.
CANDIDATURE_JOURS: dict[str, int] = {
    "cree": -62,
    "soumise": -58,
    "recevable": -55,
    "planifie": -54,
    "entretien": -45,
    "decision": -35,
}
# The calendar is announced the day after the comité validated it.
ANNONCE_ATELIERS = -34


# --- The coachings' follow-up (load_coachings) --------------------------------------------------
@dataclass(frozen=True)
class SuiviDemo:
    """How one coaching of COACHINGS runs: its personnes-ressources in sequence (key, number of sessions),
    its objectives, its sessions' hours (one every `ecart` days from `premiere`; those already past are held
    and reported) and an extension (hours added, by an avenant signed by the three parties)."""

    mentors: tuple[tuple[str, int], ...]
    objectifs: tuple[ObjectifDemo, ...]
    heures: tuple[int, ...]
    premiere: int  # day of the first session (from today)
    sujets: tuple[str, ...]
    ecart: int = 14
    prolongation: tuple[int, ...] = ()  # the extension's sessions (hours), planned once the avenant is signed
    motif_prolongation: str = ""


def _objectif(intitule: str, critere: str, qualitatif: str, quantitatif: tuple[str, str, int, int]) -> ObjectifDemo:
    libelle, unite, initiale, cible = quantitatif
    return ObjectifDemo(intitule, critere, qualitatif, (libelle, unite, Decimal(initiale), Decimal(cible)))


# By candidature key. The proposition goes to the first personne-ressource (for two in sequence, the
# coordination adds the second one to the accepted accompagnement).
SUIVIS: dict[str, SuiviDemo] = {
    "pc:lou": SuiviDemo(
        (("pc:antoine", 3), ("pc:margaux", 2)),
        (
            _objectif(
                "Réduire la dépendance de la compagnie aux subventions",
                "Un budget où les ventes de spectacles pèsent au moins un tiers des recettes.",
                "Maîtrise du modèle économique de la compagnie (auto-évaluation)",
                ("Part des ventes dans les recettes", "%", 15, 33),
            ),
            _objectif(
                "Construire un argumentaire de diffusion",
                "Un dossier de diffusion envoyé à vingt programmateurs.",
                "Aisance dans la présentation des spectacles aux programmateurs",
                ("Programmateurs contactés", "programmateurs", 0, 20),
            ),
        ),
        (4, 4, 4, 4, 4),
        -21,
        (
            "Lecture des comptes des trois dernières saisons",
            "Coûts de cession et prix de vente des deux spectacles",
            "Budget prévisionnel de la saison prochaine",
            "Cibles de diffusion et argumentaire",
            "Dossier de diffusion et relances des programmateurs",
        ),
    ),
    "pc:malo": SuiviDemo(
        (("pc:theo", 7),),
        (
            _objectif(
                "Organiser le travail d’une équipe qui a doublé",
                "Des rôles écrits pour chaque poste et un entretien annuel par salarié·e.",
                "Clarté des rôles dans l’équipe (auto-évaluation)",
                ("Fiches de poste rédigées", "fiches", 0, 4),
            ),
        ),
        (4, 4, 4, 4, 4, 4, 4),
        -18,
        (
            "État des lieux de l’organisation du travail",
            "Rôles et délégations",
            "Préparer les entretiens annuels",
            "Charge de travail et prévention (avec l’Aract Occitanie)",
            "Réunions d’équipe et outils partagés",
            "Recrutement d’un·e chargé·e de production",
            "Bilan et suites",
        ),
    ),
    "pc:nina": SuiviDemo(
        (("pc:antoine", 6),),
        (
            _objectif(
                "Bâtir un budget prévisionnel et un plan de trésorerie",
                "Un plan de trésorerie sur douze mois, mis à jour chaque mois.",
                "Capacité à anticiper les creux de trésorerie (auto-évaluation)",
                ("Mois couverts par le plan de trésorerie", "mois", 0, 12),
            ),
        ),
        (4, 4, 3, 3),
        -15,
        (
            "Coûts de fabrication par titre",
            "Budget prévisionnel de l’année",
            "Plan de trésorerie",
            "Suivi mensuel",
            "Mécénat : cibles et dossier",
            "Rencontre d’un mécène potentiel : préparation",
        ),
        prolongation=(3, 3),
        motif_prolongation="Le diagnostic a sous-estimé le volet mécénat : six heures de plus, sans dépasser le maximum du format.",
    ),
    "pc:oscar": SuiviDemo(
        (("pc:margaux", 4),),
        (
            _objectif(
                "Définir une ligne éditoriale numérique",
                "Une ligne éditoriale écrite et un calendrier de publication tenu trois mois.",
                "Cohérence des publications de la radio (auto-évaluation)",
                ("Publications planifiées par mois", "publications", 2, 12),
            ),
        ),
        (4, 4, 4, 4),
        -12,
        (
            "Audit des réseaux sociaux de la radio",
            "Ligne éditoriale et publics",
            "Calendrier de publication et podcasts",
            "Partenariats médias",
        ),
    ),
    "pc:prune": SuiviDemo(
        (("pc:theo", 6),),
        (
            _objectif(
                "Chiffrer ses prestations",
                "Une grille tarifaire appliquée à tous les devis.",
                "Confiance dans la fixation de ses prix (auto-évaluation)",
                ("Devis établis avec la grille", "devis", 0, 6),
            ),
            _objectif(
                "Préparer la création d’un premier emploi",
                "Une fiche de poste et un plan de financement du poste.",
                "Connaissance des obligations d’un employeur (auto-évaluation)",
                ("Étapes du recrutement préparées", "étapes", 0, 5),
            ),
        ),
        (4, 4, 4, 4, 4, 4),
        -9,
        (
            "Coût de revient d’une fresque",
            "Grille tarifaire et devis",
            "Premier emploi : besoins et fiche de poste",
            "Paie et obligations de l’employeur",
            "Aides à l’embauche et plan de financement",
            "Recrutement et accueil",
        ),
    ),
}
# The coaching sessions' place (the mentors' structures are in Toulouse too).
LIEU_COACHING = "MA Sphère, Toulouse (fictif)"
COMPTE_RENDU_COACHING = (
    "Prochaine étape préparée ensemble ; documents de travail partagés après la séance.",
    "Tableur partagé, trame de MA Sphère (fictif)",
)
# The programme's funders (fictitious): the envelope that the coachings' conventions commit.
FINANCEURS_PEER: list[dict[str, Any]] = [
    {"nom": "Région Occitanie", "montant": Decimal("6000.00"), "reference": "REG-OCC-PEER-2026-031"},
    {"nom": "MA Sphère — fonds propres (fictif)", "montant": Decimal("3000.00"), "reference": "MAS-CA-2026-11"},
]


# --- The co-development group and the immersion days ---------------------------------------------
CODEV: dict[str, Any] = {
    "nom": "Groupe de co-développement « Entreprendre en culture » (fictif)",
    "animateur": "pc:sofia",
    "membres": ("pc:m1", "pc:m2", "pc:m3", "pc:m4", "pc:m5", "pc:m6"),
    "constitue": -30,
    # day, hour, client (key of a member), problem; the past ones are held (attendance: all but `absent`)
    "seances": [
        (-16, 14, "pc:m2", "Comment fixer le prix d’une prestation de tournage pour une collectivité ?", "pc:m6"),
        (12, 14, "pc:m4", "Faut-il créer une seconde structure pour l’activité d’enseignement ?", ""),
        (40, 14, "pc:m1", "Comment déléguer la communication sans perdre la ligne artistique ?", ""),
    ],
}


@dataclass(frozen=True)
class ImmersionDemo:
    mentore: str  # key of COACHINGS' candidatures
    mentor: str  # key of PERSONNES_RESSOURCES
    jour: int
    lieu: str
    objectifs: str
    objectifs_jour: int
    rapports: tuple[str, str] = ("", "")  # the mentee's, the mentor's (after the day)


IMMERSIONS = [
    ImmersionDemo(
        "pc:prune",
        "pc:margaux",
        -10,
        "Agence Plan Large, Toulouse (fictif)",
        "Voir comment une agence chiffre et présente un devis ; observer une réunion client.",
        -17,
        (
            "Une journée très concrète : j’ai vu trois devis construits de bout en bout et je repars avec une trame.",
            "Prune a posé les bonnes questions ; nous avons échangé sur le coût d’un premier emploi.",
        ),
    ),
    ImmersionDemo(
        "pc:oscar",
        "pc:sofia",
        24,
        "Bobine & Cie, Toulouse (fictif)",
        "Comprendre comment une société de production fait vivre ses contenus sur les réseaux et en podcast.",
        -2,
    ),
]


def programme_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Twelve months from a November, as in the seeds, when the story fits in them: the last November
    at least four weeks ago whose session still has five months to run. Otherwise (a load between June
    and late November) twelve months from the first of the month four weeks ago, so that the story's
    past workshops and its coming ones stay inside the period."""
    recent = today - datetime.timedelta(days=28)
    novembre = datetime.date(recent.year if recent.month >= 11 else recent.year - 1, 11, 1)
    debut = novembre
    if novembre + relativedelta(years=1) - datetime.timedelta(days=1) < today + datetime.timedelta(days=150):
        debut = recent.replace(day=1)
    return debut, debut + relativedelta(years=1) - datetime.timedelta(days=1)


class PeerCultureLoader:
    """Tells PEER CULTURE's story with the TSF loader's clock, outbox and account helpers."""

    def __init__(self, loader: DemoLoader) -> None:
        self.loader = loader
        self.formats: dict[str, Format] = {}
        self.structures: dict[str, Structure] = {}
        self.prs: dict[str, PersonneRessource] = {}
        self.users: dict[str, User] = {}
        self.candidatures: dict[str, Candidature] = {}
        self.ateliers: dict[str, Atelier] = {}

    @property
    def coordination(self) -> User:
        return self.users[COORDINATION.key]

    def act(self, day: int, hour: int, service: Any, /, **kwargs: Any) -> Any:
        return self.loader.act(self.loader.near(day, hour), service, **kwargs)

    # --- reference data (written directly, as the TSF's) -------------------------------------------
    def load_programme(self) -> Programme:
        debut, fin = programme_period(self.loader.today)
        programme, _created = Programme.objects.get_or_create(
            slug=PROGRAMME["slug"],
            defaults={k: v for k, v in PROGRAMME.items() if k != "slug"} | {"date_debut": debut, "date_fin": fin},
        )
        for spec in FORMATS:
            self.formats[spec["code"]], _created = Format.objects.get_or_create(
                programme=programme, code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
            )
        return programme

    def load_accounts(self) -> None:
        for compte in (COORDINATION, *COMITE):
            self.users[compte.key] = self.loader.user(
                key=compte.key, email=compte.email, prenom=compte.prenom, nom=compte.nom, role_names=compte.roles
            )
        for p in PARTICIPANTS:
            self.users[p.key] = self.loader.user(
                key=p.key, email=email_for(p.prenom, p.nom), prenom=p.prenom, nom=p.nom, role_names=(roles.CANDIDAT,)
            )
        # The applicants have their accounts as members before they apply (the programme takes members only).
        for coaching in COACHINGS:
            spec = coaching.candidature
            self.users[spec.key] = self.loader.user(
                key=spec.key,
                email=spec.email or email_for(spec.prenom, spec.nom),
                prenom=spec.prenom,
                nom=spec.nom,
                role_names=(roles.CANDIDAT,),
            )

    def load_sieges_comite(self, programme: Programme) -> None:
        """The three members sit on PEER CULTURE's comité de pilotage only: they read none of the TSF's files."""
        for compte in COMITE:
            comite.membre_comite_set(
                programme=programme, user=self.users[compte.key], by=self.coordination, qualite=compte.libelle
            )

    def load_structures(self) -> None:
        # The TSF loader's own writer (SIRET, validation); then kept under their PEER keys.
        for spec in STRUCTURES:
            self.loader.structures[spec.key] = self.structures[spec.key] = structure_demo(spec, by=self.coordination)

    def load_pilote(self, programme: Programme) -> None:
        """The pilot's identity (MA Sphère, fictitious in the demo): PEER CULTURE is its programme and its
        coordinator sees that programme only; the TSF's coordination keeps the TSF (issue 16)."""
        if programme.pilote.nom == PILOTE["nom"]:
            return
        structure_pilote_creer(**PILOTE, programmes=[programme], coordinateurs=[self.users[COORDINATION.key]])

    # --- people ------------------------------------------------------------------------------------
    def load_personnes_ressources(self) -> None:
        """The cluster's personnes-ressources apply to the directory; the coordination validates them."""
        for index, spec in enumerate(PERSONNES_RESSOURCES, start=1):
            email = spec.email or email_for(spec.prenom, spec.nom)
            user = self.loader.user(
                key=spec.key, email=email, prenom=spec.prenom, nom=spec.nom, role_names=(roles.PERSONNE_RESSOURCE,)
            )
            structure = self.structures[spec.structure]
            day = -80 + 3 * index
            pr = self.act(
                day,
                11,
                annuaire.personne_ressource_apply,
                **candidature_personne_ressource(
                    spec,
                    structure=structure,
                    user=user,
                    email=email,
                    telephone=f"06 39 98 31 {index:02d}",
                    competences={self.loader.competence(nom).pk: niveau for nom, niveau in spec.competences},
                ),
            )
            self.prs[spec.key] = self.act(
                day + 2,
                10,
                annuaire.personne_ressource_validate,
                personne_ressource=pr,
                by=self.coordination,
                reason="Membre actif du cluster, retenu·e lors de l’appel à compétences interne.",
            )
            self.loader.prs[spec.key] = self.prs[spec.key]

    def load_candidatures(self, programme: Programme) -> None:
        """The five applicants fill the questionnaire and deposit it; the coordination declares them
        admissible, holds the pre-diagnostic and retains them with their hours."""
        jours = CANDIDATURE_JOURS
        for rang, coaching in enumerate(COACHINGS):
            spec = coaching.candidature
            user = self.loader.user(
                key=spec.key,
                email=spec.email or email_for(spec.prenom, spec.nom),
                prenom=spec.prenom,
                nom=spec.nom,
                role_names=(roles.CANDIDAT,),
            )
            self.users[spec.key] = user
            created = self.loader.near(jours["cree"] + rang, 20)
            candidature = self.loader.act(created, candidatures.candidature_start, programme=programme, candidat=user)
            steps = [*self.loader.questionnaire(spec), ("consentement", {"consentement_donnees": True})]
            for minutes, (etape, donnees) in enumerate(steps, start=1):
                self.loader.step(
                    created + datetime.timedelta(minutes=4 * minutes),
                    candidatures.candidature_save_step,
                    candidature,
                    by=user,
                    etape=etape,
                    saisie=self.loader.saisie(donnees),
                    donnees=donnees,
                )
            coord = self.coordination
            self.loader.step(
                self.loader.near(jours["soumise"] + rang, 21), candidatures.candidature_deposit, candidature, by=user
            )
            self.loader.step(
                self.loader.near(jours["recevable"] + rang, 10), candidatures.candidature_declare_eligible, candidature, by=coord
            )
            debut = self.loader.at(jours["entretien"] + rang, 10)
            self.loader.step(
                self.loader.near(jours["planifie"] + rang, 9),
                candidatures.entretien_diagnostic_schedule,
                candidature,
                by=coord,
                debut=debut,
                duree_minutes=60,
                modalite="distance",
                lieu="",
                lien_visio=f"{VISIO}pre-diagnostic-{rang + 1}",
            )
            fmt = self.formats["coaching"]
            self.loader.step(
                debut + datetime.timedelta(minutes=60),
                candidatures.entretien_diagnostic_record,
                candidature,
                by=coord,
                besoins=[(self.loader.competence(nom), priorite, "") for nom, priorite in coaching.besoins],
                format_recommande=fmt,
                demi_journees=coaching.heures,
                notes=coaching.notes or f"Diagnostic partagé avec {spec.prenom} : {spec.objectifs}",
            )
            self.loader.step(
                self.loader.near(jours["decision"], 11 + rang % 3),
                candidatures.candidature_select,
                candidature,
                by=coord,
                format=fmt,
                demi_journees=coaching.heures,
                reason="Retenu·e par le comité de pilotage.",
            )
            self.candidatures[spec.key] = candidature

    def load_comite(self, programme: Programme) -> None:
        """The comité de pilotage meets: it chooses the five beneficiaries and validates the workshops."""
        spec = REUNION_COMITE
        reunion = self.act(
            spec["planifiee"],
            10,
            comite.reunion_comite_save,
            programme=programme,
            by=self.coordination,
            date=self.loader.at(spec["jour"], 14),
            lieu=spec["lieu"],
            ordre_du_jour=spec["ordre_du_jour"],
        )
        self.act(
            spec["jour"] + 1,
            10,
            comite.reunion_comite_record_minutes,
            reunion=reunion,
            by=self.coordination,
            compte_rendu=spec["compte_rendu"],
        )

    def load_eligibilite(self, programme: Programme) -> None:
        """Seed 004: registered structures around Toulouse, in the cultural fields, members of the cluster."""
        questionnaires.eligibilite_enregistrer(programme=programme, donnees=ELIGIBILITE)

    def load_adhesions(self, programme: Programme) -> None:
        """Active members (the coached applicants, the personnes-ressources, the comité) and cooperating members."""
        notes = dict.fromkeys(
            (*MEMBRES_ACTIFS, *(pr.key for pr in PERSONNES_RESSOURCES), *(c.key for c in COMITE)), ADHESION_ACTIF
        )
        notes |= {p.key: p.adhesion for p in PARTICIPANTS if p.adhesion}
        for rang, (key, note) in enumerate(notes.items()):
            self.act(
                -75 + rang % 5,
                15,
                ateliers.adhesion_record,
                programme=programme,
                personne=self.users.get(key) or self.loader.users[key],
                by=self.coordination,
                note=note,
            )

    def load_ateliers(self, programme: Programme) -> None:
        """The calendar of the session, announced after the comité; people register themselves (the full
        one has a waiting list); the held ones' attendance is recorded by their leader and the
        non-members' fees by the coordination."""
        for rang, spec in enumerate(ATELIERS):
            animateur = self.prs[spec.animateur]
            atelier = self.act(
                ANNONCE_ATELIERS,
                9,
                ateliers.atelier_create,
                programme=programme,
                format=self.formats["atelier"],
                titre=spec.titre,
                theme=spec.theme,
                debut=self.loader.at(spec.jour, spec.heure),
                duree=1,
                lieu=spec.lieu,
                lien_visio=spec.lien_visio,
                personne_ressource=animateur,
                by=self.coordination,
            )
            self.ateliers[spec.titre] = atelier
            inscriptions = []
            for i, key in enumerate(spec.inscrits):
                participant = self.users[key]
                when = self.loader.at(ANNONCE_ATELIERS + 1 + rang, 9) + datetime.timedelta(hours=i // 2, minutes=7 * i)
                inscriptions.append(
                    self.loader.act(when, ateliers.inscription_create, atelier=atelier, participant=participant, by=participant)
                )
            if spec.jour >= 0:
                continue
            pointage = self.loader.at(spec.jour + 1, 10)
            for i, inscription in enumerate(inscriptions):
                self.loader.act(
                    pointage + datetime.timedelta(minutes=i),
                    ateliers.presence_record,
                    inscription=inscription,
                    presente=i % 5 != 4,
                    by=animateur.user,
                )
                impayee = spec.impayee and self.users[spec.impayee].pk == inscription.participant_id
                if inscription.participation_due and not impayee:
                    self.loader.act(
                        pointage + datetime.timedelta(hours=2, minutes=i),
                        ateliers.participation_mark_paid,
                        inscription=inscription,
                        by=self.coordination,
                    )
            # The coordination closes the attendance list: the workshop is held, its animation committed,
            # and those present get its evaluation to fill from their space.
            self.loader.act(pointage + datetime.timedelta(hours=4), ateliers.atelier_clore, atelier=atelier, by=self.coordination)
            self.evaluer_atelier(programme, inscriptions, jour=spec.jour, rang=rang)

    def evaluer_atelier(self, programme: Programme, inscriptions: list[Any], *, jour: int, rang: int) -> None:
        """Most of those present answer the workshop's evaluation over the following days."""
        version = questionnaires.questionnaire_version_courante(programme=programme, nature=Nature.EVALUATION_ATELIER)
        presentes = [inscription for inscription in inscriptions if inscription.etat == EtatInscription.PRESENTE]
        for i, inscription in enumerate(presentes):
            if i % EVALUATION_SANS_REPONSE == EVALUATION_SANS_REPONSE - 1:
                continue
            self.loader.act(
                self.loader.at(jour + 2 + i // EVALUATION_SANS_REPONSE, 18, i),
                ateliers.evaluation_atelier_repondre,
                evaluation=inscription.evaluation,
                questionnaire_version=version,
                reponses=AVIS_ATELIERS[(i + rang) % len(AVIS_ATELIERS)],
                by=inscription.participant,
            )

    def load_facture_atelier(self, programme: Programme) -> None:
        """The first held workshop's animation is invoiced by its animator's structure, checked (its
        committed amount), approved and paid by the coordination: the payment settles its engagement."""
        spec = ATELIERS[0]
        atelier = Atelier.objects.get(pk=self.ateliers[spec.titre].pk)
        animateur = self.prs[spec.animateur]
        montant = budget_selectors.montant_attendu(
            (), budget_selectors.ateliers_a_facturer(structure_ids=[animateur.structure_id]).filter(pk=atelier.pk)
        )
        facture = self.act(
            spec.jour + 3,
            11,
            budget.facture_deposer,
            structure=animateur.structure,
            seances=[],
            ateliers=[atelier],
            numero="PC-ANIM-001",
            montant=montant,
            checked=check_upload(SimpleUploadedFile("facture-animation.pdf", FACTURE_PDF)),
            by=animateur.user,
        )
        self.act(spec.jour + 4, 10, budget.facture_approuver, facture=facture, by=self.coordination)
        self.act(
            spec.jour + 6,
            15,
            budget.facture_payer,
            facture=facture,
            date_paiement=self.loader.at(spec.jour + 6, 15).date(),
            reference="VIR-PC-ANIM-001",
            mode=ModePaiement.VIREMENT,
            by=self.coordination,
        )

    # --- the budget, the coachings, the co-development group and the immersion days ---------------
    def load_budget(self, programme: Programme) -> None:
        """The funders' contributions make the envelope the coachings' conventions commit (shared pro rata)."""
        self.loader.move_to(self.loader.at(-40, 16))
        for ordre, spec in enumerate(FINANCEURS_PEER, start=1):
            financeur = Financeur.objects.filter(nom=spec["nom"]).first() or budget.financeur_create(
                nom=spec["nom"], ordre=10 + ordre, by=self.coordination
            )
            budget.contribution_create(
                programme=programme,
                financeur=financeur,
                termes=budget.TermesContribution(
                    montant=spec["montant"],
                    date_debut=programme.date_debut,
                    date_fin=programme.date_fin,
                    reference_convention=spec["reference"],
                    priorite=ordre,
                ),
                by=self.coordination,
            )
        budget.regle_repartition_set(programme=programme, regle=RegleRepartition.PRORATA, by=self.coordination)

    def load_coachings(self, programme: Programme) -> None:
        """The five individual coachings in hours (COACHINGS, SUIVIS): the coordination opens each accompagnement
        with its personne-ressource (Lou's with two in sequence: modèle économique, then diffusion), the grid is written and validated, the convention signed by the three parties; sessions of a few hours
        about two weeks apart, the November ones held and reported; Nina's coaching extended by an avenant."""
        for rang, coaching in enumerate(COACHINGS):
            key = coaching.candidature.key
            suivi = SUIVIS[key]
            candidature = self.candidatures[key]
            beneficiaire = self.users[key]
            mentors = [self.prs[pr_key] for pr_key, _seances in suivi.mentors]
            premier = mentors[0]
            # The matching proposes the first personne-ressource (their availability in half-days against
            # the coaching's hours, at the programme's hours per half-day), who accepts; a second one in
            # sequence is added by the coordination.
            proposition = self.loader.propose(
                candidature,
                premier,
                etat=EtatProposition.ENVOYEE,
                when=self.loader.at(-33, 10 + rang),
                by=self.coordination,
            )
            accompagnement = self.act(-32, 10 + rang, annuaire.proposition_accept, proposition=proposition)
            for suivant in mentors[1:]:
                self.act(
                    -32,
                    11 + rang,
                    accompagnements.personne_ressource_ajouter,
                    accompagnement=accompagnement,
                    personne_ressource=suivant,
                    motif="Relais prévu au diagnostic : la diffusion après le modèle économique.",
                    by=self.coordination,
                )
            assert premier.user is not None  # nosec B101 # the demo's personnes-ressources have accounts
            objectifs = self.loader.load_objectifs(
                accompagnement, suivi.objectifs, writer=premier.user, when=self.loader.near(-31, 14)
            )
            self.act(-30, 19, accompagnements.objectifs_valider, accompagnement=accompagnement, by=beneficiaire)
            self.act(-29, 12, accompagnements.objectifs_valider, accompagnement=accompagnement, by=premier.user)
            started = self.loader.sign_convention(
                accompagnement, (-28, -27, -26), beneficiaire=beneficiaire, mentor=premier, coordination=self.coordination
            )
            assert started is not None  # nosec B101 # three signature days given
            self.load_seances(accompagnement, suivi, objectifs, started=started, beneficiaire=beneficiaire)

    def load_seances(
        self,
        accompagnement: Accompagnement,
        suivi: SuiviDemo,
        objectifs: list[tuple[Objectif, ObjectifDemo]],
        *,
        started: datetime.datetime,
        beneficiaire: User,
    ) -> None:
        """Each session planned by its personne-ressource twelve days ahead (never before the convention),
        held and reported when past; the extension, its avenant's signatures, then its sessions."""
        par_seance = [self.prs[pr_key] for pr_key, n in suivi.mentors for _ in range(n)]
        heures = [*suivi.heures, *suivi.prolongation]
        timeline: list[tuple[datetime.datetime, Callable[[], Any]]] = []
        avenant_signe = started
        if suivi.prolongation:
            prolongee = self.loader.near(-6, 10)
            avenant_signe = self.loader.at(-3, 16)
            timeline.append(
                (
                    prolongee,
                    lambda: conventions.accompagnement_prolonger(
                        accompagnement=accompagnement,
                        duree=accompagnement.demi_journees_prevues + sum(suivi.prolongation),
                        motif=suivi.motif_prolongation,
                        by=self.coordination,
                    ),
                )
            )
            timeline.append(
                (
                    prolongee + datetime.timedelta(minutes=5),
                    lambda: self.loader.sign_convention(
                        accompagnement,
                        (-5, -4, -3),
                        beneficiaire=beneficiaire,
                        mentor=par_seance[-1],
                        coordination=self.coordination,
                    ),
                )
            )
        seances: dict[int, Seance] = {}
        for index, (duree, mentor) in enumerate(zip(heures, par_seance, strict=True)):
            jour = suivi.premiere + suivi.ecart * index
            debut = self.loader.at(jour, 9 if index % 2 else 14)
            fin = debut + datetime.timedelta(hours=duree)
            apres = avenant_signe if index >= len(suivi.heures) else started
            planned = max(self.loader.at(jour - 12, 11), apres + datetime.timedelta(hours=2))
            user = mentor.user
            assert user is not None  # nosec B101 # the demo's personnes-ressources have accounts
            timeline.append((planned, partial(self.plan_seance, seances, index, accompagnement, suivi, debut, duree, user)))
            if fin >= self.loader.now:
                continue
            timeline.append((fin, partial(self.mark_held, seances, index, user)))
            soumis = fin + datetime.timedelta(days=2)
            if soumis < self.loader.now:
                progres = {str(objectif.pk): PROGRESSION[min(index, len(PROGRESSION) - 1)] for objectif, _spec in objectifs}
                timeline.append((soumis, partial(self.report, seances, index, suivi, progres, user)))
        for when, event in sorted(timeline, key=lambda item: item[0]):
            # The services check the state of what they are given: read it again before each event.
            accompagnement.refresh_from_db()
            self.loader.act(when, event)

    @staticmethod
    def plan_seance(
        seances: dict[int, Seance],
        index: int,
        accompagnement: Accompagnement,
        suivi: SuiviDemo,
        debut: datetime.datetime,
        duree: int,
        by: User,
    ) -> None:
        seances[index] = accompagnements.seance_plan(
            accompagnement=accompagnement,
            debut=debut,
            demi_journees=duree,
            modalite="presentiel",
            lieu=LIEU_COACHING,
            sujet=suivi.sujets[index],
            by=by,
        )

    @staticmethod
    def mark_held(seances: dict[int, Seance], index: int, by: User) -> None:
        accompagnements.seance_mark_held(seance=seances[index], by=by)

    @staticmethod
    def report(seances: dict[int, Seance], index: int, suivi: SuiviDemo, progres: dict[str, str], by: User) -> None:
        """The personne-ressource's report two days after the session (within the 7 days)."""
        travaux, outils = COMPTE_RENDU_COACHING
        accompagnements.compte_rendu_submit(
            seance=seances[index],
            travaux=f"{suivi.sujets[index]}. {travaux}",
            outils=outils,
            progres=progres,
            prochaines_etapes=suivi.sujets[index + 1] if index + 1 < len(suivi.sujets) else "",
            by=by,
        )

    def load_codeveloppement(self, programme: Programme) -> None:
        """The co-development group (format « codev »): the coordination constitutes it with six cooperating
        members, led by a personne-ressource; three meetings, each on one member's problem; attendance of the
        held one recorded by its leader."""
        animateur = self.prs[CODEV["animateur"]]
        groupe = self.act(
            CODEV["constitue"],
            10,
            ateliers.groupe_create,
            programme=programme,
            format=self.formats["codev"],
            nom=CODEV["nom"],
            animateur=animateur,
            by=self.coordination,
        )
        membres = {
            key: self.loader.act(
                self.loader.at(CODEV["constitue"], 10, 10 + i),
                ateliers.groupe_membre_ajouter,
                groupe=groupe,
                personne=self.users[key],
                by=self.coordination,
            )
            for i, key in enumerate(CODEV["membres"])
        }
        assert animateur.user is not None  # nosec B101 # the demo's personnes-ressources have accounts
        for rang, (jour, heure, client, problematique, absent) in enumerate(CODEV["seances"]):
            seance = self.act(
                CODEV["constitue"] + 1,
                11 + rang,
                ateliers.seance_groupe_planifier,
                groupe=groupe,
                debut=self.loader.at(jour, heure),
                duree=1,
                client=membres[client],
                problematique=problematique,
                lieu=LIEU_COACHING,
                by=animateur.user,
            )
            if jour < 0:
                self.act(
                    jour,
                    18,
                    ateliers.seance_groupe_presences,
                    seance=seance,
                    presents=[m for key, m in membres.items() if key != absent],
                    by=animateur.user,
                )

    def load_immersions(self, programme: Programme) -> None:
        """The two immersion days (format « immersion », unpaid): the coordination pairs a mentee with a volunteer
        mentor, the mentee fills the objectives before; after the held day each writes a report (closed)."""
        for spec in IMMERSIONS:
            mentore = self.users[spec.mentore]
            mentor = self.prs[spec.mentor]
            immersion = self.act(
                spec.objectifs_jour - 5,
                10,
                ateliers.immersion_create,
                programme=programme,
                format=self.formats["immersion"],
                mentore=mentore,
                mentor=mentor,
                jour=self.loader.today + datetime.timedelta(days=spec.jour),
                lieu=spec.lieu,
                by=self.coordination,
            )
            immersion = self.act(
                spec.objectifs_jour,
                20,
                ateliers.immersion_objectifs_remplir,
                immersion=immersion,
                objectifs=spec.objectifs,
                by=mentore,
            )
            for rang, (texte, auteur) in enumerate(zip(spec.rapports, (mentore, mentor.user), strict=True)):
                if texte and auteur is not None:
                    immersion = self.act(
                        spec.jour + 1 + rang, 18, ateliers.immersion_rapport_remettre, immersion=immersion, texte=texte, by=auteur
                    )

    # --- entry point -------------------------------------------------------------------------------
    def run(self) -> Programme:
        programme = self.load_programme()
        self.load_accounts()
        self.load_sieges_comite(programme)
        if programme.candidatures.exists():
            return programme
        self.load_pilote(programme)
        self.load_structures()
        self.load_eligibilite(programme)
        self.load_personnes_ressources()
        # Members join before they apply: the programme takes its members only (its eligibility rules).
        self.load_adhesions(programme)
        self.load_candidatures(programme)
        self.load_comite(programme)
        # The funders' contributions come before the first commitment (a held workshop's animation).
        self.load_budget(programme)
        self.load_ateliers(programme)
        self.load_facture_atelier(programme)
        self.load_coachings(programme)
        self.load_codeveloppement(programme)
        self.load_immersions(programme)
        return programme


def email_for(prenom: str, nom: str) -> str:
    return f"{slugify(prenom)}.{slugify(nom)}@{DOMAINE}"


def load(loader: DemoLoader) -> Programme:
    """Load PEER CULTURE inside the TSF loader's run (its clock is travelling, its outbox is watched)."""
    return PeerCultureLoader(loader).run()


def logins() -> list[tuple[str, str, str]]:
    """The PEER CULTURE demo logins (role, e-mail, what one sees), for the command's table."""
    membre = next(c.candidature for c in COACHINGS if c.candidature.key == LOGIN_MEMBRE)
    rows = [
        (COORDINATION.libelle, COORDINATION.email, COORDINATION.usage),
        ("Comité de pilotage PEER CULTURE", COMITE[0].email, "un des trois membres (réunion de choix des bénéficiaires)"),
        ("Membre PEER CULTURE", membre.email or email_for(membre.prenom, membre.nom), LOGIN_MEMBRE_USAGE),
    ]
    return [row for row in rows if User.objects.filter(email=row[1]).exists()]
