"""Data of the demonstration programme loaded by `manage.py load_demo`.

Every person and structure here is made up (names end in « (fictif) » or are obviously
invented); the e-mail domain is reserved for examples and telephone numbers use the range
that ARCEP keeps for fiction (06 39 98 …). Dates are offsets in days from the day the command
runs, so that the demo always looks current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DOMAINE = "demo.tsf-occitanie.example"
MOT_DE_PASSE = "demo-tsf-2026"

PROGRAMME: dict[str, Any] = {
    "slug": "tsf-occitanie-2026",
    "nom": "TSF Occitanie 2026",
    "description": (
        "Programme de démonstration (données fictives) : transfert de savoir-faire et mentorat entre pairs "
        "des musiques actuelles en Occitanie, financé par l’État, le CNM et la Région."
    ),
    "taux_journalier": Decimal("500.00"),
    "jours_minimum": 30,
}
FORMATS = [
    # code, libellé, description, demi-journées min, max, ordre
    (
        "tsf",
        "Transfert de savoir-faire",
        "Partage horizontal d’outils et d’expériences pour lancer ou développer un projet.",
        1,
        4,
        1,
    ),
    ("mentorat", "Mentorat", "Mentorat-compagnonnage : prise de recul sur les pratiques avec un·e pair·e expert·e.", 1, 8, 2),
]
ENVELOPPE = Decimal("30000.00")
# The envelope is the sum of the funders' contributions (issue 17): name, amount, funding agreement,
# whether it pays for essaimage and for other costs (all three pay for half-days), priority.
FINANCEURS: list[dict[str, Any]] = [
    {"nom": "État – DRAC Occitanie", "montant": Decimal("10000.00"), "reference": "DRAC-OCC-2026-017", "essaimage": True},
    {"nom": "CNM", "montant": Decimal("10000.00"), "reference": "CNM-AAP-2026-0423", "essaimage": False},
    {"nom": "Région Occitanie", "montant": Decimal("10000.00"), "reference": "REG-OCC-2026-112", "essaimage": True},
]
ESSAIMAGE: dict[str, Any] = {
    "libelle": "Essaimage – accompagnement par l’association Co",
    "montant": Decimal("2500.00"),
    "jour": -270,
    "note": "Appui à la mise en place du programme par la structure de Nouvelle-Aquitaine (facture fictive).",
}


# --- Logins -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CompteDemo:
    key: str
    email: str
    prenom: str
    nom: str
    roles: tuple[str, ...]
    libelle: str  # the role, as printed in the table
    usage: str  # what one sees with this login
    superuser: bool = False


COMPTES = [
    CompteDemo(
        "admin",
        f"admin@{DOMAINE}",
        "Admin",
        "Démo",
        (),
        "Super-administrateur·rice",
        "l’administration Django complète",
        superuser=True,
    ),
    CompteDemo(
        "coordination",
        f"coordination@{DOMAINE}",
        "Morgan",
        "Pilote",
        ("coordination",),
        "Coordination (structure pilote)",
        "tous les dossiers, l’appariement, le budget, l’admin",
    ),
    CompteDemo(
        "comite",
        f"comite@{DOMAINE}",
        "Andréa",
        "Comité",
        ("comite_technique",),
        "Comité technique",
        "tableaux de bord et 2 dossiers soumis au comité (un avis à donner)",
    ),
    CompteDemo(
        "comite2", f"helene.quorum@{DOMAINE}", "Hélène", "Quorum", ("comite_technique",), "Comité technique", "second membre"
    ),
]
# The personne-ressource and the candidat logins are people of the data below.
LOGIN_PERSONNE_RESSOURCE = "camille"
LOGIN_CANDIDAT = "c13"


# --- Structures -------------------------------------------------------------------------
@dataclass(frozen=True)
class StructureDemo:
    key: str
    raison_sociale: str
    forme_juridique: str
    adresse: str
    code_postal: str
    commune: str
    departement: str
    type_structure: str
    nombre_salaries: int
    tranche_budget: str
    part_musiques_actuelles: int = 100
    employeuse: bool = True
    projet_premier_emploi: bool = False


# One structure a line reads better than the formatter’s one field a line.
# fmt: off
STRUCTURES = [
    StructureDemo("forge", "La Forge des Sons (fictif)", "association", "4 rue des Forges-Imaginaires", "09000", "Foix", "09", "amateur", 1, "lt50k"),
    StructureDemo("chaudron", "Le Chaudron Sonore (fictif)", "association", "12 avenue de l’Exemple", "11000", "Carcassonne", "11", "scene", 12, "500k-1m"),
    StructureDemo("ventdautan", "Festival Vent d’Autan Imaginaire (fictif)", "association", "2 quai du Prototype", "11100", "Narbonne", "11", "festival", 3, "150-500k"),
    StructureDemo("causses", "Studio des Causses (fictif)", "sarl", "8 chemin de la Maquette", "12000", "Rodez", "12", "studio", 2, "50-150k"),
    StructureDemo("arenes", "Les Arènes Électriques (fictif)", "regie", "1 boulevard du Spécimen", "30000", "Nîmes", "30", "scene", 18, "gt1m"),
    StructureDemo(
        "cevennes", "Collectif Cévennes Groove (fictif)", "association", "5 rue de l’Essai", "30100", "Alès", "30", "collectif", 0, "lt50k",
        employeuse=False, projet_premier_emploi=True,
    ),
    StructureDemo("garonne", "Garonne Productions Démo (fictif)", "sas", "27 allée du Canevas", "31000", "Toulouse", "31", "production", 6, "500k-1m"),
    StructureDemo("polyphonie", "Réseau Polyphonie Démo (fictif)", "association", "9 place de l’Ébauche", "31500", "Toulouse", "31", "reseau", 4, "150-500k"),
    StructureDemo("rythmes", "École Rythmes & Cie (fictif)", "association", "14 rue du Brouillon", "31600", "Muret", "31", "enseignement", 5, "150-500k", part_musiques_actuelles=60),
    StructureDemo("gascogne", "Gascogne Live Démo (fictif)", "association", "3 place de la Fable", "32000", "Auch", "32", "festival", 2, "150-500k"),
    StructureDemo("garrigue", "Label Garrigue Records (fictif)", "sarl", "21 rue du Pastiche", "34000", "Montpellier", "34", "label", 3, "50-150k"),
    StructureDemo("etangbleu", "Radio Étang Bleu (fictif)", "association", "6 quai de la Chimère", "34200", "Sète", "34", "media", 4, "50-150k", part_musiques_actuelles=70),
    StructureDemo("cave", "La Cave à Décibels (fictif)", "association", "11 rue du Mirage", "46000", "Cahors", "46", "scene", 3, "150-500k"),
    StructureDemo("margeride", "Margeride Musiques (fictif)", "association", "2 rue de l’Échantillon", "48000", "Mende", "48", "amateur", 1, "lt50k"),
    StructureDemo("bigorre", "Bigorre Management Démo (fictif)", "sas", "18 avenue du Gabarit", "65000", "Tarbes", "65", "management", 2, "50-150k"),
    StructureDemo("phare", "Le Phare Catalan (fictif)", "scic", "40 avenue de la Fiction", "66000", "Perpignan", "66", "scene", 9, "500k-1m"),
    StructureDemo("cerisiers", "Festival des Cerisiers Sonores (fictif)", "association", "1 place du Songe", "66400", "Céret", "66", "festival", 1, "50-150k"),
    StructureDemo("tarntempo", "Tarn Tempo (fictif)", "regie", "7 rue de la Légende", "81000", "Albi", "81", "enseignement", 8, "150-500k", part_musiques_actuelles=80),
    StructureDemo(
        "oreilles", "Collectif Les Oreilles Rouges (fictif)", "association", "10 impasse de l’Utopie", "81100", "Castres", "81", "collectif", 0, "lt50k",
        part_musiques_actuelles=30, employeuse=False,
    ),
    StructureDemo("quercy", "Quercy Sound System (fictif)", "scop", "33 faubourg du Conte", "82000", "Montauban", "82", "production", 4, "150-500k"),
]
# fmt: on


# --- Personnes-ressources ---------------------------------------------------------------
@dataclass(frozen=True)
class PersonneRessourceDemo:
    key: str
    prenom: str
    nom: str
    structure: str
    fonction: str
    presentation: str
    mobilite: str
    types_projets: tuple[str, ...]
    tailles_projets: tuple[str, ...]
    disponibilite: int
    competences: tuple[tuple[str, int], ...]  # (compétence, niveau 1–3)
    etat: str = "validee"
    compte: bool = False
    email: str | None = None


PERSONNES_RESSOURCES = [
    PersonneRessourceDemo(
        "camille",
        "Camille",
        "Démo",
        "chaudron",
        "Directrice administrative et financière",
        "Quinze ans d’administration de lieux de musiques actuelles ; a monté une dizaine de dossiers régionaux et européens.",
        "region",
        ("scene", "festival", "amateur"),
        ("lt50k", "50-150k", "150-500k"),
        10,
        (
            ("Subventions publiques et dossiers de demande", 3),
            ("Gouvernance et vie associative", 3),
            ("Comptabilité et contrôle de gestion", 2),
            ("Mécénat et partenariats privés", 2),
        ),
        compte=True,
        email=f"personne-ressource@{DOMAINE}",
    ),
    PersonneRessourceDemo(
        "sacha",
        "Sacha",
        "Fictif",
        "garonne",
        "Chargé de diffusion",
        "Tourneur depuis 2012, a financé trois albums par des campagnes participatives réussies.",
        "region",
        ("production", "label", "management"),
        ("50-150k", "150-500k"),
        6,
        (
            ("Production de spectacles et tournées", 3),
            ("Programmation et diffusion", 2),
            ("Financement participatif", 3),
            ("Communication digitale et réseaux sociaux", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "dominique",
        "Dominique",
        "Modèle",
        "arenes",
        "Directeur",
        "Dirige une SMAC depuis dix ans après avoir redressé les comptes d’un festival.",
        "voisins",
        ("scene", "festival"),
        ("150-500k", "500k-1m", "gt1m"),
        6,
        (
            ("Management d’équipe", 3),
            ("Stratégie économique et financière", 3),
            ("Conditions de travail et prévention", 2),
            ("Projet associatif et stratégie", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "lou",
        "Lou",
        "Maquette",
        "phare",
        "Chargée d’action culturelle",
        "Conçoit des projets d’éducation artistique en milieu scolaire, hospitalier et pénitentiaire.",
        "region",
        ("scene", "enseignement", "collectif"),
        ("150-500k", "500k-1m", "gt1m"),
        12,
        (
            ("Action culturelle et médiation", 3),
            ("Accompagnement d’artistes en développement", 2),
            ("Répétition et résidence", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "noa",
        "Noa",
        "Prototype",
        "garrigue",
        "Label manager",
        "Gère un catalogue d’une quarantaine de références et les relations avec les distributeurs.",
        "distance",
        ("label", "studio", "scene"),
        ("lt50k", "50-150k"),
        6,
        (("Production phonographique et édition", 3), ("Relations presse et médias", 2), ("Site web et référencement", 1)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "charlie",
        "Charlie",
        "Exemplaire",
        "polyphonie",
        "Coordinatrice du réseau",
        "Accompagne depuis six ans les associations du réseau dans la création de leur premier emploi.",
        "region",
        ("collectif", "amateur", "festival", "reseau"),
        ("lt50k", "50-150k"),
        14,
        (
            ("Gouvernance et vie associative", 3),
            ("Projet associatif et stratégie", 3),
            ("Création d’un premier emploi", 3),
            ("Paie et obligations sociales", 2),
            ("Gestion administrative et juridique", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "maxime",
        "Maxime",
        "Illustratif",
        "tarntempo",
        "Directeur pédagogique",
        "Ancien régisseur de tournée, aujourd’hui référent santé et sécurité au travail de son établissement.",
        "voisins",
        ("enseignement", "production", "scene"),
        ("150-500k", "500k-1m"),
        8,
        (("Action culturelle et médiation", 2), ("Management d’équipe", 2), ("Conditions de travail et prévention", 3)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "morgan",
        "Morgane",
        "Gabarit",
        "quercy",
        "Administratrice",
        "Administratrice d’une coopérative de production, spécialiste de la paie des intermittent·es.",
        "voisins",
        ("production", "management", "collectif"),
        ("50-150k", "150-500k"),
        8,
        (
            ("Paie et obligations sociales", 3),
            ("Gestion administrative et juridique", 3),
            ("Comptabilité et contrôle de gestion", 2),
        ),
    ),
    PersonneRessourceDemo(
        "eden",
        "Eden",
        "Calque",
        "causses",
        "Ingénieur du son, cogérant",
        "Enregistre et accompagne des groupes en résidence depuis vingt ans.",
        "departement",
        ("studio", "collectif", "amateur"),
        ("lt50k", "50-150k"),
        4,
        (("Répétition et résidence", 3), ("Production phonographique et édition", 2)),
        etat="candidate",
    ),
    PersonneRessourceDemo(
        "yannick",
        "Yannick",
        "Scénario",
        "etangbleu",
        "Responsable d’antenne",
        "Journaliste musical, anime la communication de plusieurs festivals du littoral.",
        "region",
        ("media", "festival", "scene"),
        ("lt50k", "50-150k", "150-500k"),
        10,
        (("Communication digitale et réseaux sociaux", 3), ("Relations presse et médias", 3), ("Pitch et présentation orale", 2)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "gaby",
        "Gaby",
        "Tutoriel",
        "cave",
        "Programmatrice",
        "Programme une salle de 300 places et coordonne un circuit de diffusion rurale dans le Lot.",
        "voisins",
        ("scene", "reseau", "festival"),
        ("50-150k", "150-500k"),
        8,
        (
            ("Programmation et diffusion", 3),
            ("Billetterie et données des publics", 2),
            ("Accompagnement d’artistes en développement", 2),
        ),
        compte=True,
    ),
    PersonneRessourceDemo(
        "ariane",
        "Ariane",
        "Croquis",
        "gascogne",
        "Directrice",
        "A fait passer un festival rural d’un budget bénévole à trois salarié·es en cinq ans.",
        "voisins",
        ("festival", "amateur"),
        ("lt50k", "50-150k", "150-500k"),
        6,
        (("Modèle économique", 3), ("Mécénat et partenariats privés", 3), ("Financement participatif", 2)),
    ),
    PersonneRessourceDemo(
        "basile",
        "Basile",
        "Pochoir",
        "rythmes",
        "Chargé des outils numériques",
        "Propose de partager son expérience du passage d’une école de musique aux outils collaboratifs.",
        "distance",
        ("enseignement", "amateur"),
        ("lt50k", "50-150k"),
        6,
        (("Outils collaboratifs et organisation numérique", 2), ("Site web et référencement", 2)),
        compte=True,
    ),
    PersonneRessourceDemo(
        "solene",
        "Solène",
        "Vignette",
        "bigorre",
        "Manageuse d’artistes",
        "Ancienne bénéficiaire du programme, accompagne des artistes jusqu’à leurs premières tournées à l’étranger.",
        "region",
        ("management", "label", "production"),
        ("lt50k", "50-150k"),
        6,
        (
            ("Accompagnement d’artistes en développement", 3),
            ("Pitch et présentation orale", 3),
            ("Stratégie de communication", 2),
        ),
    ),
    PersonneRessourceDemo(
        "tom",
        "Tom",
        "Silhouette",
        "ventdautan",
        "Responsable billetterie",
        "Propose son aide sur la billetterie et l’organisation numérique d’un festival.",
        "voisins",
        ("festival", "scene"),
        ("150-500k",),
        4,
        (("Billetterie et données des publics", 3), ("Outils collaboratifs et organisation numérique", 2)),
        etat="candidate",
    ),
]


# --- Accompagnements --------------------------------------------------------------------
# A progress note per report, by rank of the session among the held ones.
PROGRESSION = ["Démarré", "En bonne voie", "Bien avancé", "Atteint"]


@dataclass(frozen=True)
class ObjectifDemo:
    intitule: str
    critere: str
    qualitatif: str
    quantitatif: tuple[str, str, Decimal, Decimal]  # libellé, unité, valeur de départ, cible
    niveaux: tuple[int, ...] = (2,)  # qualitative score at start, exit, 6 months
    valeurs: tuple[Decimal, ...] = ()  # quantitative value at exit, 6 months


@dataclass(frozen=True)
class CompteRenduDemo:
    travaux: str
    outils: str
    prochaines_etapes: str
    delai_jours: int = 3
    commentaire: str = ""


@dataclass(frozen=True)
class SeanceDemo:
    jour: int
    heure: int
    demi_journees: int
    modalite: str
    sujet: str
    etat: str = "realisee"
    lieu: str = ""
    compte_rendu: CompteRenduDemo | None = None
    annulation: tuple[str, bool, int] | None = None  # motif, motif valable, heures avant la séance
    question: str = ""
    support: str = ""


@dataclass(frozen=True)
class EvaluationDemo:
    moment: str
    repondant: str
    ouverture: int
    reponse: int | None = None  # None: still to fill
    satisfaction: tuple[int, int] = (5, 5)
    recommande_suite: bool = False
    reponses: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AccompagnementDemo:
    etat: str
    mentor: str
    format: str
    demi_journees: int
    cree: int
    objectifs: tuple[ObjectifDemo, ...]
    grille: tuple[int | None, int | None] = (None, None)  # validated by beneficiary, by mentor
    signatures: tuple[int, ...] = ()  # structure pilote, bénéficiaire, personne-ressource (fewer: still in signature)
    demarrage: int | None = None
    fin: int | None = None
    cloture: int | None = None
    seances: tuple[SeanceDemo, ...] = ()
    evaluations: tuple[EvaluationDemo, ...] = ()
    paiement: tuple[int, str] | None = None  # day, invoice reference
    suite: AccompagnementDemo | None = None


# --- Candidatures -----------------------------------------------------------------------
@dataclass(frozen=True)
class DiagnosticDemo:
    planifie: int  # day the interview was scheduled
    entretien: int  # day of the interview
    modalite: str = "distance"
    realise: bool = True
    besoins: tuple[tuple[str, int], ...] = ()
    format: str = ""
    demi_journees: int | None = None
    format_suite: str = ""
    demi_journees_suite: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class CandidatureDemo:
    key: str
    prenom: str
    nom: str
    structure: str
    statut: str
    fonction: str
    presentation: str
    situation: str
    problematique: str
    objectifs: str
    competences: tuple[str, ...]
    etat: str
    cree: int
    soumise: int | None = None
    retour: int | None = None
    recevable: int | None = None
    diagnostic: DiagnosticDemo | None = None
    attente: int | None = None
    decision: int | None = None  # day of the final decision (irrecevable, sélection, refus…)
    motif: str = ""
    pressentie: str = ""
    pressentie_texte: str = ""
    accompagnement: AccompagnementDemo | None = None
    propositions: tuple[tuple[str, str, int], ...] = ()  # personne-ressource, état, jour
    messages: tuple[tuple[bool, str, int], ...] = ()  # from the coordination?, text, day
    demande_piece: tuple[str, str] | None = None
    note_interne: str = ""
    email: str | None = None


CANDIDATURES = [
    CandidatureDemo(
        "c01",
        "Jade",
        "Esquisse",
        "forge",
        "benevole",
        "Présidente bénévole",
        "Présidente bénévole de La Forge des Sons depuis 2021, j’anime les ateliers de pratique collective et la scène ouverte mensuelle.",
        "L’association compte 140 adhérent·es et une salariée à mi-temps ; le local de répétition est saturé le week-end.",
        "",
        "",
        (),
        "brouillon",
        cree=-20,
    ),
    CandidatureDemo(
        "c02",
        "Hugo",
        "Ébauche",
        "etangbleu",
        "salarie",
        "Chargé de développement",
        "Chargé de développement à Radio Étang Bleu, je coordonne les partenariats avec les salles et les festivals du bassin de Thau.",
        "La radio associative diffuse chaque jour une émission sur la scène locale et vient de lancer un podcast ; quatre salarié·es, une trentaine de bénévoles.",
        "Nos contenus numériques touchent peu les 18-30 ans et nous ne savons pas mesurer leur audience.",
        "Construire une ligne éditoriale pour les réseaux sociaux et quelques indicateurs d’audience simples à suivre.",
        ("Communication digitale et réseaux sociaux", "Site web et référencement"),
        "brouillon",
        cree=-3,
    ),
    CandidatureDemo(
        "c03",
        "Léa",
        "Spécimen",
        "causses",
        "salarie",
        "Cogérante et ingénieure du son",
        "Ingénieure du son et cogérante du Studio des Causses, j’enregistre chaque année une vingtaine de groupes aveyronnais.",
        "Le studio veut créer une activité d’édition et de production phonographique pour suivre les artistes au-delà de l’enregistrement.",
        "Nous ne maîtrisons ni les contrats d’édition ni la gestion des droits, et craignons de fragiliser l’équilibre de la SARL.",
        "Comprendre le modèle économique d’un petit label et sécuriser nos premiers contrats d’artistes.",
        ("Production phonographique et édition", "Modèle économique"),
        "soumise",
        cree=-9,
        soumise=-2,
        pressentie="noa",
    ),
    CandidatureDemo(
        "c04",
        "Nathan",
        "Canevas",
        "cerisiers",
        "benevole",
        "Président bénévole",
        "Président bénévole du Festival des Cerisiers Sonores depuis sa création, je coordonne une équipe de soixante bénévoles.",
        "Après un premier accompagnement en communication, le festival veut pérenniser le poste de sa chargée de production, aujourd’hui en contrat aidé.",
        "Le bureau manque de repères pour porter la fonction employeur : fiche de poste, paie, convention collective, financement du poste.",
        "Construire le budget du poste sur trois ans et organiser la fonction employeur au sein du bureau.",
        ("Création d’un premier emploi", "Paie et obligations sociales", "Gouvernance et vie associative"),
        "soumise",
        cree=-14,
        soumise=-6,
    ),
    CandidatureDemo(
        "c05",
        "Zoé",
        "Pastiche",
        "bigorre",
        "salarie",
        "Manageuse d’artistes",
        "Manageuse de quatre artistes émergent·es des Hautes-Pyrénées, j’ai rejoint Bigorre Management en 2023.",
        "L’agence veut structurer le développement international de deux de ses artistes, en Espagne et au Québec.",
        "Nous avançons au cas par cas, sans stratégie de ciblage ni budget prévisionnel de développement.",
        "Élaborer une feuille de route export sur dix-huit mois et identifier les aides mobilisables.",
        ("Accompagnement d’artistes en développement", "Subventions publiques et dossiers de demande"),
        "a_corriger",
        cree=-22,
        soumise=-19,
        retour=-15,
        motif="Merci de joindre l’avis de situation INSEE de la structure et de préciser votre rôle dans le développement des deux artistes concernés.",
        demande_piece=("insee", "Avis de situation INSEE de moins de trois mois."),
        messages=(
            (False, "Bonjour, je vous envoie l’avis INSEE dès que notre expert-comptable me le transmet. Bonne journée !", -13),
        ),
    ),
    CandidatureDemo(
        "c06",
        "Malik",
        "Postiche",
        "cave",
        "salarie",
        "Chargé de billetterie et des publics",
        "Chargé de la billetterie et des relations avec les publics à La Cave à Décibels, salle de 300 places à Cahors.",
        "La salle a changé de logiciel de billetterie en début d’année et dispose désormais de données sur 9 000 spectateur·rices.",
        "Nous ne savons pas exploiter ces données pour fidéliser les publics ni pour adapter notre politique tarifaire.",
        "Mettre en place des tableaux de suivi de la fréquentation et une première campagne de fidélisation.",
        ("Billetterie et données des publics", "Stratégie de communication"),
        "recevable",
        cree=-15,
        soumise=-12,
        recevable=-5,
    ),
    CandidatureDemo(
        "c07",
        "Rose",
        "Factice",
        "oreilles",
        "benevole",
        "Membre bénévole du collectif",
        "Membre bénévole du collectif Les Oreilles Rouges, qui organise des expositions sonores et quelques concerts par an.",
        "Le collectif n’a pas de salarié·e et ne prévoit pas d’embauche ; la musique représente environ un tiers de ses activités.",
        "Nous cherchons des conseils pour obtenir un local partagé avec d’autres collectifs.",
        "Trouver un lieu et des partenaires pour nos installations sonores.",
        ("Projet associatif et stratégie",),
        "irrecevable",
        cree=-40,
        soumise=-37,
        decision=-33,
        motif=(
            "La structure n’emploie pas de salarié·e, n’a pas de projet de premier emploi et les musiques actuelles ne représentent "
            "qu’une part minoritaire de son activité : la candidature ne remplit pas les conditions de l’appel."
        ),
    ),
    CandidatureDemo(
        "c08",
        "Théo",
        "Placebo",
        "rythmes",
        "salarie",
        "Coordinateur pédagogique",
        "Coordinateur pédagogique de l’école Rythmes & Cie (320 élèves), je développe les ateliers de musiques actuelles hors les murs.",
        "L’école vient de signer une convention avec trois collèges du Muretain pour des ateliers de création.",
        "Nos intervenant·es sont musicien·nes mais peu formé·es à la médiation avec des adolescent·es éloigné·es des pratiques.",
        "Concevoir un parcours d’action culturelle et une méthode d’évaluation partagée avec les établissements.",
        ("Action culturelle et médiation", "Subventions publiques et dossiers de demande"),
        "diagnostic_planifie",
        cree=-20,
        soumise=-18,
        recevable=-12,
        diagnostic=DiagnosticDemo(planifie=-10, entretien=4, realise=False),
    ),
    CandidatureDemo(
        "c09",
        "Manon",
        "Simulé",
        "phare",
        "salarie",
        "Responsable de la communication",
        "Responsable de la communication du Phare Catalan depuis deux ans, après un parcours en agence.",
        "La salle prépare ses dix ans et une saison transfrontalière avec des lieux catalans.",
        "Nos relations presse restent locales ; nous n’avons pas de méthode pour toucher la presse nationale et espagnole.",
        "Construire un plan de relations presse bilingue pour la saison anniversaire.",
        ("Relations presse et médias", "Stratégie de communication"),
        "diagnostic_planifie",
        cree=-25,
        soumise=-21,
        recevable=-16,
        diagnostic=DiagnosticDemo(planifie=-7, entretien=9, modalite="presentiel", realise=False),
    ),
    CandidatureDemo(
        "c10",
        "Lucas",
        "Témoin",
        "tarntempo",
        "salarie",
        "Directeur",
        "Directeur de Tarn Tempo depuis septembre, j’encadre huit salarié·es et une vingtaine d’intervenant·es.",
        "La structure sort d’une période de tensions internes et d’un fort renouvellement de l’équipe.",
        "C’est mon premier poste de direction et je dois reconstruire une organisation du travail partagée.",
        "Me doter d’outils de management, mettre en place les entretiens annuels et un plan de prévention des risques psychosociaux.",
        ("Management d’équipe", "Conditions de travail et prévention"),
        "diagnostic_realise",
        cree=-30,
        soumise=-27,
        recevable=-24,
        diagnostic=DiagnosticDemo(
            planifie=-22,
            entretien=-9,
            modalite="presentiel",
            besoins=(
                ("Management d’équipe", 3),
                ("Conditions de travail et prévention", 3),
                ("Gouvernance et vie associative", 1),
            ),
            format="mentorat",
            demi_journees=6,
            notes="Besoin clair et urgent ; la gouvernance (régie) limite les marges de manœuvre. Un mentorat avec un·e directeur·rice expérimenté·e paraît adapté.",
        ),
    ),
    CandidatureDemo(
        "c11",
        "Chloé",
        "Échantillon",
        "ventdautan",
        "salarie",
        "Administratrice",
        "Administratrice du festival Vent d’Autan Imaginaire, je gère le budget, la paie et les dossiers de subvention.",
        "Le festival a perdu une subvention municipale importante et doit revoir son modèle pour la prochaine édition.",
        "Nous devons diversifier nos recettes sans renoncer à la gratuité d’une partie des concerts.",
        "Construire deux scénarios de modèle économique et un plan de recherche de mécènes locaux.",
        ("Modèle économique", "Mécénat et partenariats privés", "Stratégie économique et financière"),
        "en_attente_decision",
        cree=-50,
        soumise=-48,
        recevable=-45,
        diagnostic=DiagnosticDemo(
            planifie=-40,
            entretien=-34,
            besoins=(("Modèle économique", 3), ("Mécénat et partenariats privés", 2), ("Stratégie économique et financière", 2)),
            format="mentorat",
            demi_journees=8,
            notes="Situation financière fragile ; un mentorat long est envisageable si la structure présente un budget de redressement.",
        ),
        attente=-30,
        motif="Le besoin porte sur le modèle économique d’un festival fragilisé : l’avis du comité technique est sollicité avant décision.",
        pressentie_texte="Une directrice de festival gersois rencontrée aux rencontres régionales (nom à retrouver).",
        note_interne="Vérifier avec la Région si un plan de redressement est déjà suivi avant le comité.",
    ),
    CandidatureDemo(
        "c12",
        "Yanis",
        "Imaginaire",
        "quercy",
        "salarie",
        "Chargé de diffusion",
        "Chargé de diffusion chez Quercy Sound System, je construis les tournées de cinq groupes de reggae et de dub.",
        "La coopérative vise les festivals européens mais ses tournées restent déficitaires.",
        "Nos budgets de tournée sont construits sans outil commun et nous sous-estimons les coûts de transport.",
        "Fiabiliser les budgets prévisionnels de tournée et négocier de meilleures conditions avec les programmateur·rices.",
        ("Production de spectacles et tournées", "Comptabilité et contrôle de gestion"),
        "en_attente_decision",
        cree=-28,
        soumise=-26,
        recevable=-23,
        diagnostic=DiagnosticDemo(
            planifie=-21,
            entretien=-14,
            besoins=(("Production de spectacles et tournées", 3), ("Comptabilité et contrôle de gestion", 2)),
            format="tsf",
            demi_journees=4,
        ),
        attente=-13,
        motif="Besoin confirmé ; en attente de la disponibilité d’une personne-ressource spécialisée dans les tournées internationales.",
    ),
    # The demo applicant: a file retained, with an accompagnement in progress.
    CandidatureDemo(
        "c13",
        "Alex",
        "Exemple",
        "margeride",
        "salarie",
        "Coordinateur·rice de l’association",
        "Seul·e salarié·e de Margeride Musiques, je coordonne les ateliers de pratique, la scène ouverte et les relations avec les partenaires.",
        "L’association rayonne sur le nord de la Lozère mais dépend à 70 % d’une seule subvention départementale.",
        "Je manque de méthode pour monter des dossiers de financement et pour associer le conseil d’administration aux choix stratégiques.",
        "Diversifier nos financements et clarifier la répartition des rôles entre le bureau et le poste salarié.",
        ("Subventions publiques et dossiers de demande", "Gouvernance et vie associative", "Mécénat et partenariats privés"),
        "selectionnee",
        cree=-75,
        soumise=-70,
        recevable=-66,
        diagnostic=DiagnosticDemo(
            planifie=-64,
            entretien=-58,
            besoins=(
                ("Subventions publiques et dossiers de demande", 3),
                ("Gouvernance et vie associative", 2),
                ("Mécénat et partenariats privés", 1),
            ),
            format="mentorat",
            demi_journees=6,
            notes="Structure isolée géographiquement ; séances à distance à privilégier, avec au moins une séance sur place avec le bureau.",
        ),
        decision=-55,
        pressentie="camille",
        email=f"candidat@{DOMAINE}",
        messages=(
            (
                True,
                "Bonjour Alex, votre mentorat avec Camille Démo est confirmé. La convention vous sera envoyée pour signature.",
                -48,
            ),
            (False, "Merci beaucoup ! Le bureau est ravi et se rendra disponible pour la séance à Mende.", -47),
        ),
        accompagnement=AccompagnementDemo(
            "en_cours",
            "camille",
            "mentorat",
            6,
            cree=-50,
            grille=(-42, -40),
            signatures=(-35, -34, -33),
            demarrage=-33,
            objectifs=(
                ObjectifDemo(
                    "Diversifier les sources de financement de l’association",
                    "Au moins deux nouveaux financeurs sollicités avant la fin de l’accompagnement.",
                    "Aisance dans la rédaction d’un dossier de subvention (auto-évaluation)",
                    ("Dossiers de financement déposés", "dossiers", Decimal("0"), Decimal("3")),
                ),
                ObjectifDemo(
                    "Clarifier la répartition des rôles entre le bureau et le poste salarié",
                    "Une fiche de délégation adoptée par le conseil d’administration.",
                    "Qualité du dialogue entre le bureau et le poste salarié",
                    ("Réunions de bureau avec un ordre du jour partagé", "réunions par trimestre", Decimal("1"), Decimal("3")),
                ),
            ),
            seances=(
                SeanceDemo(
                    -20,
                    14,
                    1,
                    "distance",
                    "Panorama des financements publics et privés accessibles",
                    compte_rendu=CompteRenduDemo(
                        "Tour d’horizon des financeurs (Département, Région, CNM, fondations) et de leurs calendriers.",
                        "Tableau de veille des appels à projets ; modèle de budget prévisionnel.",
                        "Alex repère trois appels à projets pertinents ; Camille relit la note d’intention.",
                        delai_jours=3,
                        commentaire="Très clair, le tableau de veille nous sert déjà.",
                    ),
                ),
                SeanceDemo(
                    -6,
                    9,
                    2,
                    "presentiel",
                    "Atelier avec le bureau : répartition des rôles",
                    lieu="Locaux de Margeride Musiques, Mende",
                ),
                SeanceDemo(
                    2,
                    14,
                    1,
                    "distance",
                    "Relecture du dossier de demande au Département",
                    etat="planifiee",
                    question="Pourriez-vous regarder notre projet de budget 2027 avant la séance ? Je l’ai envoyé par e-mail.",
                ),
                SeanceDemo(16, 9, 1, "distance", "Préparer la rencontre avec les mécènes locaux", etat="planifiee"),
            ),
        ),
    ),
    CandidatureDemo(
        "c14",
        "Emma",
        "Fantaisie",
        "garrigue",
        "salarie",
        "Chargée de projets",
        "Chargée de projets chez Label Garrigue Records, je m’occupe des sorties d’albums et de la communication des artistes.",
        "Le label prépare un album collectif et souhaite le financer en partie par une campagne participative.",
        "Nous n’avons jamais mené de campagne de financement participatif et notre communauté en ligne reste modeste.",
        "Préparer et lancer une campagne de 8 000 € avec un plan de communication digitale.",
        ("Financement participatif", "Communication digitale et réseaux sociaux"),
        "selectionnee",
        cree=-95,
        soumise=-92,
        recevable=-88,
        diagnostic=DiagnosticDemo(
            planifie=-86,
            entretien=-80,
            besoins=(("Financement participatif", 3), ("Communication digitale et réseaux sociaux", 2)),
            format="tsf",
            demi_journees=4,
        ),
        decision=-76,
        accompagnement=AccompagnementDemo(
            "en_cours",
            "sacha",
            "tsf",
            4,
            cree=-72,
            grille=(-62, -60),
            signatures=(-52, -51, -50),
            demarrage=-50,
            objectifs=(
                ObjectifDemo(
                    "Préparer une campagne de financement participatif",
                    "Campagne en ligne avec des contreparties chiffrées et un calendrier.",
                    "Cohérence du récit de campagne et des contreparties",
                    ("Montant collecté", "€", Decimal("0"), Decimal("8000")),
                ),
                ObjectifDemo(
                    "Développer la communauté en ligne du label",
                    "Une publication par semaine pendant la campagne.",
                    "Régularité et qualité des publications",
                    ("Abonné·es sur les réseaux sociaux", "abonné·es", Decimal("1200"), Decimal("2000")),
                ),
            ),
            seances=(
                SeanceDemo(
                    -30,
                    9,
                    2,
                    "presentiel",
                    "Construire le récit de campagne et les contreparties",
                    lieu="Label Garrigue Records, Montpellier",
                    compte_rendu=CompteRenduDemo(
                        "Récit de campagne, paliers et contreparties ; estimation des coûts de fabrication et d’envoi.",
                        "Exemples de campagnes réussies, grille de calcul des contreparties.",
                        "Emma rédige la page de campagne ; Sacha propose un calendrier de publications.",
                        delai_jours=4,
                    ),
                ),
                SeanceDemo(
                    -10,
                    14,
                    1,
                    "distance",
                    "Calendrier éditorial de la campagne",
                    etat="annulee",
                    annulation=("Annulation la veille au soir, sans motif communiqué.", False, 18),
                ),
                SeanceDemo(5, 14, 1, "distance", "Lancement de la campagne : derniers réglages", etat="planifiee"),
            ),
        ),
    ),
    CandidatureDemo(
        "c15",
        "Louis",
        "Chimère",
        "arenes",
        "salarie",
        "Responsable de l’action culturelle",
        "Responsable de l’action culturelle aux Arènes Électriques, je construis les projets avec les écoles, l’hôpital et le centre pénitentiaire.",
        "La salle a obtenu de nouveaux financements pour l’éducation artistique et doit tripler ses interventions en deux ans.",
        "Les projets se multiplient sans cadre commun : les artistes intervenant·es manquent de préparation et les bilans sont hétérogènes.",
        "Formaliser une méthode de conception et d’évaluation des projets et mieux préparer les artistes intervenant·es.",
        ("Action culturelle et médiation", "Accompagnement d’artistes en développement"),
        "selectionnee",
        cree=-130,
        soumise=-125,
        recevable=-120,
        diagnostic=DiagnosticDemo(
            planifie=-118,
            entretien=-110,
            modalite="presentiel",
            besoins=(("Action culturelle et médiation", 3), ("Accompagnement d’artistes en développement", 2)),
            format="mentorat",
            demi_journees=8,
        ),
        decision=-104,
        accompagnement=AccompagnementDemo(
            "en_cours",
            "lou",
            "mentorat",
            8,
            cree=-100,
            grille=(-92, -90),
            signatures=(-85, -84, -83),
            demarrage=-83,
            objectifs=(
                ObjectifDemo(
                    "Formaliser une méthode de conception des projets d’action culturelle",
                    "Une trame commune utilisée pour tous les nouveaux projets.",
                    "Appropriation de la méthode par l’équipe",
                    ("Projets conçus avec la nouvelle trame", "projets", Decimal("0"), Decimal("6")),
                ),
                ObjectifDemo(
                    "Préparer les artistes intervenant·es",
                    "Chaque artiste suit un temps de préparation avant d’intervenir.",
                    "Retour des artistes sur leur préparation",
                    ("Artistes ayant suivi le temps de préparation", "artistes", Decimal("0"), Decimal("10")),
                ),
                ObjectifDemo(
                    "Harmoniser les bilans des projets",
                    "Les partenaires reçoivent un bilan lisible et comparable d’un projet à l’autre.",
                    "Lisibilité des bilans pour les partenaires",
                    ("Bilans rédigés avec la grille commune", "bilans", Decimal("0"), Decimal("8")),
                ),
            ),
            seances=(
                SeanceDemo(
                    -70,
                    9,
                    2,
                    "presentiel",
                    "Diagnostic des projets d’action culturelle en cours",
                    lieu="Les Arènes Électriques, Nîmes",
                    compte_rendu=CompteRenduDemo(
                        "Revue des douze projets en cours, de leurs partenaires et de leurs modes d’évaluation.",
                        "Cartographie des projets ; trame de fiche projet du Phare Catalan.",
                        "Louis teste la fiche projet sur deux projets scolaires.",
                        delai_jours=3,
                        commentaire="Merci, la cartographie a été partagée avec toute l’équipe.",
                    ),
                ),
                SeanceDemo(
                    -45,
                    9,
                    2,
                    "presentiel",
                    "« Vis ma vie » : observation d’un atelier en milieu scolaire",
                    lieu="Le Phare Catalan, Perpignan",
                    compte_rendu=CompteRenduDemo(
                        "Observation d’un atelier de création en collège puis débriefing sur la posture des artistes.",
                        "Grille d’observation d’atelier ; charte de l’artiste intervenant·e.",
                        "Adapter la charte aux Arènes et la présenter aux artistes de la saison.",
                        delai_jours=5,
                    ),
                    support="Grille d’observation de l’atelier en collège",
                ),
                SeanceDemo(
                    -25,
                    14,
                    1,
                    "distance",
                    "Trame commune de bilan",
                    etat="annulee",
                    annulation=("Personne-ressource malade ; séance reportée d’un commun accord.", True, 50),
                ),
                SeanceDemo(
                    -12,
                    14,
                    1,
                    "distance",
                    "Trame commune de bilan (séance reportée)",
                    compte_rendu=CompteRenduDemo(
                        "Construction de la grille commune de bilan et des indicateurs partagés avec les établissements.",
                        "Modèle de bilan en deux pages.",
                        "Tester la grille sur les trois projets qui se terminent en décembre.",
                        delai_jours=6,
                    ),
                ),
                SeanceDemo(7, 9, 1, "distance", "Préparation des artistes intervenant·es", etat="planifiee"),
                SeanceDemo(
                    21,
                    9,
                    2,
                    "presentiel",
                    "Restitution et plan d’action 2027",
                    etat="planifiee",
                    lieu="Les Arènes Électriques, Nîmes",
                ),
            ),
        ),
    ),
    CandidatureDemo(
        "c16",
        "Sarah",
        "Mirage",
        "gascogne",
        "salarie",
        "Directrice adjointe",
        "Directrice adjointe de Gascogne Live, festival rural de trois jours dans le Gers.",
        "Le festival, financé jusqu’ici par la billetterie et la commune, veut déposer ses premiers dossiers régionaux et européens.",
        "L’équipe ne connaît ni les attendus des financeurs publics ni leurs calendriers de dépôt.",
        "Déposer deux dossiers de subvention solides puis revoir la stratégie financière du festival.",
        ("Subventions publiques et dossiers de demande", "Stratégie économique et financière"),
        "selectionnee",
        cree=-200,
        soumise=-196,
        recevable=-190,
        diagnostic=DiagnosticDemo(
            planifie=-188,
            entretien=-180,
            besoins=(("Subventions publiques et dossiers de demande", 3), ("Stratégie économique et financière", 2)),
            format="tsf",
            demi_journees=4,
            format_suite="mentorat",
            demi_journees_suite=4,
            notes="Recommandation : un TSF sur les dossiers de subvention, puis un mentorat sur la stratégie financière.",
        ),
        decision=-176,
        accompagnement=AccompagnementDemo(
            "termine",
            "camille",
            "tsf",
            4,
            cree=-170,
            grille=(-162, -160),
            signatures=(-150, -149, -148),
            demarrage=-148,
            fin=-20,
            objectifs=(
                ObjectifDemo(
                    "Identifier les financements publics mobilisables",
                    "Un calendrier annuel des dépôts partagé par l’équipe.",
                    "Connaissance des dispositifs régionaux et européens",
                    ("Dispositifs identifiés et qualifiés", "dispositifs", Decimal("1"), Decimal("5")),
                    niveaux=(1, 4),
                    valeurs=(Decimal("6"),),
                ),
                ObjectifDemo(
                    "Déposer deux dossiers de subvention",
                    "Deux dossiers complets déposés dans les délais.",
                    "Qualité des dossiers selon les retours des financeurs",
                    ("Dossiers déposés", "dossiers", Decimal("0"), Decimal("2")),
                    niveaux=(2, 4),
                    valeurs=(Decimal("2"),),
                ),
            ),
            seances=(
                SeanceDemo(
                    -80,
                    9,
                    2,
                    "presentiel",
                    "Cartographie des financements régionaux et européens",
                    lieu="Gascogne Live, Auch",
                    compte_rendu=CompteRenduDemo(
                        "Cartographie des dispositifs et choix des deux dossiers prioritaires.",
                        "Calendrier des appels à projets ; exemples de dossiers lauréats.",
                        "Sarah rédige les deux dossiers pour une relecture croisée.",
                        delai_jours=4,
                    ),
                ),
                SeanceDemo(
                    -25,
                    9,
                    2,
                    "distance",
                    "Relecture croisée des deux dossiers de subvention",
                    compte_rendu=CompteRenduDemo(
                        "Relecture détaillée des deux dossiers, reprise des budgets et des indicateurs.",
                        "Check-list de dépôt.",
                        "Dépôt des dossiers ; suite en mentorat sur la stratégie financière.",
                        delai_jours=5,
                        commentaire="Les deux dossiers sont déposés, merci !",
                    ),
                ),
            ),
            evaluations=(
                EvaluationDemo(
                    "sortie",
                    "beneficiaire",
                    -20,
                    -12,
                    (5, 5),
                    True,
                    {
                        "points_forts": "Des conseils très concrets et une relecture exigeante.",
                        "a_ameliorer": "Une séance de plus aurait été utile.",
                        "suite": "Nous souhaitons poursuivre en mentorat sur la stratégie financière.",
                    },
                ),
                EvaluationDemo("sortie", "mentor", -20),
            ),
            suite=AccompagnementDemo(
                "objectifs",
                "dominique",
                "mentorat",
                4,
                cree=-15,
                grille=(-5, None),
                objectifs=(
                    ObjectifDemo(
                        "Construire une stratégie financière pluriannuelle",
                        "Un budget prévisionnel sur trois ans présenté au conseil d’administration.",
                        "Partage de la stratégie avec le conseil d’administration",
                        ("Années couvertes par le budget prévisionnel", "années", Decimal("1"), Decimal("3")),
                    ),
                ),
            ),
        ),
    ),
    CandidatureDemo(
        "c17",
        "Paul",
        "Songe",
        "cevennes",
        "benevole",
        "Co-président bénévole",
        "Co-président bénévole du Collectif Cévennes Groove, qui réunit douze musicien·nes et organise une quarantaine de dates par an.",
        "Le collectif a atteint les limites du bénévolat et veut créer son premier poste salarié d’administrateur·rice.",
        "Nous ignorons comment financer un poste durablement, quel contrat proposer et comment l’encadrer.",
        "Construire le plan de financement du poste, la fiche de poste et l’organisation employeur.",
        ("Création d’un premier emploi", "Paie et obligations sociales", "Gouvernance et vie associative"),
        "selectionnee",
        cree=-230,
        soumise=-225,
        recevable=-220,
        diagnostic=DiagnosticDemo(
            planifie=-218,
            entretien=-212,
            modalite="presentiel",
            besoins=(
                ("Création d’un premier emploi", 3),
                ("Paie et obligations sociales", 2),
                ("Gouvernance et vie associative", 2),
            ),
            format="mentorat",
            demi_journees=6,
        ),
        decision=-205,
        accompagnement=AccompagnementDemo(
            "termine",
            "charlie",
            "mentorat",
            6,
            cree=-200,
            grille=(-192, -190),
            signatures=(-182, -181, -180),
            demarrage=-180,
            fin=-100,
            objectifs=(
                ObjectifDemo(
                    "Construire le plan de financement du premier poste",
                    "Un plan de financement sur trois ans validé par le bureau.",
                    "Solidité du plan aux yeux du bureau",
                    ("Financements sécurisés pour le poste", "€", Decimal("0"), Decimal("24000")),
                    niveaux=(1, 4),
                    valeurs=(Decimal("18000"),),
                ),
                ObjectifDemo(
                    "Organiser la fonction employeur",
                    "Fiche de poste, contrat et document unique prêts avant l’embauche.",
                    "Clarté des responsabilités employeur au sein du bureau",
                    ("Documents employeur produits", "documents", Decimal("0"), Decimal("4")),
                    niveaux=(1, 5),
                    valeurs=(Decimal("4"),),
                ),
            ),
            seances=(
                SeanceDemo(
                    -160,
                    14,
                    2,
                    "presentiel",
                    "Besoins et plan de financement du premier poste",
                    lieu="Salle municipale, Alès",
                    compte_rendu=CompteRenduDemo(
                        "Estimation du coût du poste, aides à l’emploi mobilisables et scénarios de financement.",
                        "Simulateur de coût employeur ; liste des aides à l’emploi associatif.",
                        "Le bureau choisit un scénario et prépare les demandes d’aide.",
                        delai_jours=3,
                    ),
                ),
                SeanceDemo(
                    -140,
                    14,
                    2,
                    "distance",
                    "Fiche de poste, convention collective et contrat",
                    compte_rendu=CompteRenduDemo(
                        "Rédaction de la fiche de poste et choix de la convention collective applicable.",
                        "Modèles de fiche de poste et de contrat.",
                        "Publier l’offre d’emploi dans le réseau.",
                        delai_jours=6,
                    ),
                ),
                SeanceDemo(
                    -115,
                    9,
                    2,
                    "presentiel",
                    "Organisation de la fonction employeur au sein du bureau",
                    lieu="Salle municipale, Alès",
                    compte_rendu=CompteRenduDemo(
                        "Répartition des responsabilités employeur entre les co-président·es ; entretien d’accueil du futur salarié.",
                        "Livret d’accueil ; calendrier social de l’employeur.",
                        "Embauche prévue au printemps ; point d’étape à six mois.",
                        delai_jours=4,
                        commentaire="Nous avons recruté notre administratrice, merci pour tout !",
                    ),
                ),
            ),
            evaluations=(
                EvaluationDemo(
                    "sortie",
                    "beneficiaire",
                    -100,
                    -90,
                    (4, 5),
                    False,
                    {
                        "points_forts": "Un accompagnement à l’écoute d’un bureau entièrement bénévole.",
                        "a_ameliorer": "Les séances à distance étaient moins efficaces.",
                    },
                ),
                EvaluationDemo(
                    "sortie",
                    "mentor",
                    -100,
                    -92,
                    (5, 5),
                    False,
                    {
                        "points_forts": "Bureau très impliqué, objectifs atteints.",
                        "a_ameliorer": "Prévoir un point à six mois sur la prise de poste.",
                    },
                ),
                EvaluationDemo("six_mois", "beneficiaire", 82),
            ),
            paiement=(-95, "FAC-DEMO-2026-007"),
        ),
    ),
    CandidatureDemo(
        "c18",
        "Clara",
        "Utopie",
        "cerisiers",
        "benevole",
        "Chargée de communication bénévole",
        "Bénévole au Festival des Cerisiers Sonores, j’ai pris en charge la communication de la première édition.",
        "Le festival a accueilli 1 500 personnes l’an dernier et vise 3 000 festivalier·es sur deux jours.",
        "Notre communication reste artisanale et peu visible au-delà du Vallespir.",
        "Construire un plan de communication et un calendrier éditorial pour l’édition 2026.",
        ("Stratégie de communication", "Communication digitale et réseaux sociaux", "Relations presse et médias"),
        "selectionnee",
        cree=-300,
        soumise=-296,
        recevable=-292,
        diagnostic=DiagnosticDemo(
            planifie=-291,
            entretien=-287,
            besoins=(
                ("Stratégie de communication", 3),
                ("Communication digitale et réseaux sociaux", 2),
                ("Relations presse et médias", 1),
            ),
            format="tsf",
            demi_journees=4,
        ),
        decision=-283,
        accompagnement=AccompagnementDemo(
            "clos",
            "yannick",
            "tsf",
            4,
            cree=-280,
            grille=(-274, -273),
            signatures=(-268, -267, -266),
            demarrage=-266,
            fin=-225,
            cloture=-25,
            objectifs=(
                ObjectifDemo(
                    "Construire un plan de communication pour l’édition 2026",
                    "Un plan de communication et un budget adoptés par le bureau.",
                    "Visibilité du festival au-delà du Vallespir",
                    ("Retombées presse", "articles", Decimal("2"), Decimal("8")),
                    niveaux=(1, 4, 4),
                    valeurs=(Decimal("9"), Decimal("12")),
                ),
                ObjectifDemo(
                    "Animer les réseaux sociaux du festival",
                    "Un calendrier éditorial tenu pendant les trois mois précédant le festival.",
                    "Régularité et qualité des publications",
                    ("Abonné·es cumulé·es", "abonné·es", Decimal("800"), Decimal("2000")),
                    niveaux=(2, 3, 4),
                    valeurs=(Decimal("1500"), Decimal("2300")),
                ),
            ),
            seances=(
                SeanceDemo(
                    -255,
                    9,
                    2,
                    "presentiel",
                    "Diagnostic de la communication du festival",
                    lieu="Mairie de Céret, salle des associations",
                    compte_rendu=CompteRenduDemo(
                        "Analyse des supports de la première édition et des publics visés.",
                        "Grille d’audit de communication.",
                        "Clara prépare une proposition de plan de communication.",
                        delai_jours=2,
                    ),
                ),
                SeanceDemo(
                    -235,
                    9,
                    2,
                    "distance",
                    "Plan de communication et calendrier éditorial 2026",
                    compte_rendu=CompteRenduDemo(
                        "Finalisation du plan, du budget et du calendrier éditorial ; fichier presse régional.",
                        "Calendrier éditorial type ; modèle de communiqué de presse.",
                        "Mise en œuvre par l’équipe bénévole ; bilan après le festival.",
                        delai_jours=6,
                    ),
                ),
            ),
            evaluations=(
                EvaluationDemo(
                    "sortie",
                    "beneficiaire",
                    -225,
                    -215,
                    (5, 4),
                    False,
                    {
                        "points_forts": "Un plan réaliste pour une équipe bénévole.",
                        "a_ameliorer": "Plus d’exemples de festivals comparables.",
                    },
                ),
                EvaluationDemo("sortie", "mentor", -225, -218, (4, 5), False, {"points_forts": "Équipe motivée et réactive."}),
                EvaluationDemo(
                    "six_mois",
                    "beneficiaire",
                    -43,
                    -30,
                    (5, 5),
                    False,
                    {
                        "effets": "Fréquentation en hausse de 60 % et deux articles dans la presse nationale.",
                        "transferabilite": "Clara est prête à témoigner auprès d’autres festivals.",
                    },
                ),
            ),
            paiement=(-210, "FAC-DEMO-2026-002"),
        ),
    ),
    CandidatureDemo(
        "c19",
        "Inès",
        "Fable",
        "chaudron",
        "salarie",
        "Chargée de l’accompagnement artistique",
        "Chargée de l’accompagnement artistique au Chaudron Sonore, je suis une quinzaine de groupes en développement.",
        "La salle veut produire une compilation des groupes accompagnés et l’éditer en vinyle.",
        "Nous ne connaissons pas les étapes d’une production phonographique : droits, pressage, distribution.",
        "Maîtriser le rétroplanning et le budget d’une production phonographique et sécuriser les contrats avec les groupes.",
        ("Production phonographique et édition", "Accompagnement d’artistes en développement"),
        "selectionnee",
        cree=-60,
        soumise=-57,
        recevable=-54,
        diagnostic=DiagnosticDemo(
            planifie=-52,
            entretien=-45,
            besoins=(("Production phonographique et édition", 3),),
            format="tsf",
            demi_journees=3,
        ),
        decision=-42,
        accompagnement=AccompagnementDemo(
            "convention",
            "noa",
            "tsf",
            3,
            cree=-38,
            grille=(-22, -21),
            signatures=(-18, -15),
            objectifs=(
                ObjectifDemo(
                    "Maîtriser les étapes d’une production phonographique",
                    "Un rétroplanning complet validé avec le presseur et le distributeur.",
                    "Autonomie de l’équipe sur la conduite du projet",
                    ("Étapes du rétroplanning validées", "étapes", Decimal("0"), Decimal("10")),
                ),
                ObjectifDemo(
                    "Sécuriser les contrats avec les groupes",
                    "Un contrat type relu et signé par chaque groupe de la compilation.",
                    "Compréhension des droits par les groupes",
                    ("Contrats signés", "contrats", Decimal("0"), Decimal("6")),
                ),
            ),
        ),
    ),
    CandidatureDemo(
        "c20",
        "Adam",
        "Légende",
        "garonne",
        "salarie",
        "Régisseur général",
        "Régisseur général chez Garonne Productions, j’encadre les équipes techniques en tournée.",
        "Les tournées s’enchaînent avec des équipes réduites et de grandes amplitudes horaires.",
        "Nous constatons de la fatigue et deux arrêts longs ; le document unique n’a pas été mis à jour depuis quatre ans.",
        "Mettre à jour le document unique et définir des règles d’organisation des tournées qui préservent la santé des équipes.",
        ("Conditions de travail et prévention", "Management d’équipe"),
        "selectionnee",
        cree=-40,
        soumise=-38,
        recevable=-35,
        diagnostic=DiagnosticDemo(
            planifie=-34,
            entretien=-28,
            besoins=(("Conditions de travail et prévention", 3), ("Management d’équipe", 2)),
            format="mentorat",
            demi_journees=4,
        ),
        decision=-25,
        accompagnement=AccompagnementDemo(
            "objectifs",
            "maxime",
            "mentorat",
            4,
            cree=-21,
            objectifs=(
                ObjectifDemo(
                    "Mettre à jour le document unique",
                    "Document unique révisé et présenté à l’équipe.",
                    "Implication de l’équipe dans l’évaluation des risques",
                    ("Risques évalués", "risques", Decimal("12"), Decimal("30")),
                ),
                ObjectifDemo(
                    "Définir des règles d’organisation des tournées",
                    "Une charte des tournées appliquée sur la saison.",
                    "Ressenti de la charge de travail par les équipes",
                    ("Tournées organisées selon la charte", "tournées", Decimal("0"), Decimal("4")),
                ),
            ),
        ),
    ),
    CandidatureDemo(
        "c21",
        "Nina",
        "Conte",
        "polyphonie",
        "salarie",
        "Chargée de mission diffusion",
        "Chargée de mission diffusion au Réseau Polyphonie, j’anime le dispositif d’aide aux tournées régionales.",
        "Le réseau relance un circuit de diffusion entre petites salles rurales avec huit lieux partenaires.",
        "Les lieux n’ont ni méthode commune de programmation ni partage des risques financiers.",
        "Définir une charte de programmation partagée et un modèle de coréalisation adapté aux petites jauges.",
        ("Programmation et diffusion", "Modèle économique"),
        "selectionnee",
        cree=-35,
        soumise=-33,
        recevable=-30,
        diagnostic=DiagnosticDemo(
            planifie=-29,
            entretien=-22,
            besoins=(("Programmation et diffusion", 3), ("Modèle économique", 2)),
            format="tsf",
            demi_journees=4,
        ),
        decision=-12,
        propositions=(("gaby", "envoyee", -8),),
    ),
    CandidatureDemo(
        "c22",
        "Jeanne",
        "Fiction",
        "rythmes",
        "salarie",
        "Secrétaire générale",
        "Secrétaire générale de Rythmes & Cie, je gère l’administration, les plannings et les outils de l’équipe.",
        "L’équipe travaille sur trois sites et partage ses documents par e-mail et clés USB.",
        "Plannings et inscriptions sont gérés dans des tableurs dispersés, source d’erreurs et de surcharge.",
        "Choisir et déployer des outils collaboratifs adaptés à une petite équipe et à ses bénévoles.",
        ("Outils collaboratifs et organisation numérique", "Site web et référencement"),
        "selectionnee",
        cree=-45,
        soumise=-42,
        recevable=-38,
        diagnostic=DiagnosticDemo(
            planifie=-30,
            entretien=-20,
            besoins=(("Outils collaboratifs et organisation numérique", 3), ("Site web et référencement", 1)),
            format="tsf",
            demi_journees=2,
        ),
        decision=-4,
        propositions=(("noa", "brouillon", -3),),
    ),
    CandidatureDemo(
        "c23",
        "Victor",
        "Hypothèse",
        "causses",
        "salarie",
        "Assistant son",
        "Assistant son au Studio des Causses depuis un an.",
        "Le studio s’équipe d’une nouvelle console et souhaite proposer du mixage immersif.",
        "Je dois me former aux techniques de mixage immersif.",
        "Acquérir la maîtrise technique des outils de mixage immersif.",
        ("Production phonographique et édition",),
        "refusee",
        cree=-80,
        soumise=-77,
        recevable=-73,
        diagnostic=DiagnosticDemo(
            planifie=-72,
            entretien=-64,
            besoins=(("Production phonographique et édition", 2),),
            format="tsf",
            demi_journees=2,
            notes="Le besoin est essentiellement technique ; avis du comité sollicité.",
        ),
        attente=-62,
        decision=-40,
        motif=(
            "Le besoin exprimé relève d’une formation technique qualifiante et non d’un transfert de savoir-faire entre pairs : "
            "nous vous orientons vers les organismes de formation aux métiers du son."
        ),
    ),
    CandidatureDemo(
        "c24",
        "Lina",
        "Essai",
        "etangbleu",
        "salarie",
        "Coordinatrice d’antenne",
        "Coordinatrice d’antenne à Radio Étang Bleu.",
        "La radio doit renouveler son autorisation d’émettre et réviser ses statuts.",
        "Nous avons besoin d’un appui juridique précis sur nos statuts et nos obligations réglementaires.",
        "Sécuriser le renouvellement de l’autorisation et réviser les statuts de l’association.",
        ("Gestion administrative et juridique",),
        "reorientee",
        cree=-65,
        soumise=-62,
        recevable=-58,
        decision=-55,
        motif="Le besoin est un appui juridique individuel : dossier réorienté vers le dispositif local d’accompagnement (DLA) de l’Hérault, plus adapté.",
    ),
    CandidatureDemo(
        "c25",
        "Oscar",
        "Brouillon",
        "tarntempo",
        "salarie",
        "Professeur de guitare, référent musiques actuelles",
        "Professeur de guitare et référent musiques actuelles à Tarn Tempo.",
        "L’école ouvre un département musiques actuelles à la rentrée.",
        "Je dois concevoir les cursus et le fonctionnement des ateliers de groupes.",
        "Construire l’offre pédagogique musiques actuelles avec un·e pair·e expérimenté·e.",
        ("Accompagnement d’artistes en développement", "Répétition et résidence"),
        "retiree",
        cree=-45,
        soumise=-43,
        recevable=-40,
        diagnostic=DiagnosticDemo(planifie=-38, entretien=-25, realise=False),
        decision=-27,
        motif="Je quitte la structure à la fin du mois ; la direction redéposera une demande si besoin.",
    ),
]


# --- Comité technique -------------------------------------------------------------------
REUNIONS_COMITE = [
    # day, hour, place, agenda, minutes
    (
        -160,
        14,
        "Visioconférence",
        "Lancement du programme ; validation du calendrier et des documents types (convention, grille d’objectifs).",
        "Calendrier et documents validés. Le comité demande un point budgétaire à chaque réunion.",
    ),
    (
        -45,
        10,
        "Salle de réunion fictive, Montpellier",
        "Point d’étape : activité, budget, rythme vers les 30 journées ; dossier soumis pour avis.",
        "Le rythme des journées réalisées est jugé insuffisant : relancer l’appel auprès des réseaux départementaux.",
    ),
    (
        18,
        14,
        "Visioconférence",
        "Point budgétaire de fin d’année ; dossiers soumis pour avis ; préparation de l’appel suivant.",
        "",
    ),
]
SAISINES = [
    # candidature, réunion (index), question, day, [(membre, sens, commentaire, day)]
    (
        "c23",
        1,
        "Le besoin relève-t-il du programme ou d’une formation technique ?",
        -60,
        [
            ("comite", "defavorable", "Besoin de formation technique, hors du champ du programme.", -45),
            ("comite2", "defavorable", "À orienter vers la formation professionnelle.", -45),
        ],
    ),
    (
        "c11",
        2,
        "Le comité estime-t-il opportun d’engager un mentorat de 8 demi-journées, compte tenu de la fragilité financière de la structure ?",
        -29,
        [("comite2", "reserve", "Favorable si la Région est associée au suivi du plan de redressement.", -8)],
    ),
]


# --- Availability slots the login personne-ressource publishes (creneaux_publish) --------------------


@dataclass(frozen=True)
class CreneauDemo:
    mentor: str
    jour: int  # days from today of the first slot
    heure: int
    minute: int
    demi_journees: int
    semaines: int  # the same weekday and time for this many weeks
    modalite: str
    lieu: str = ""


CRENEAUX = [
    CreneauDemo(LOGIN_PERSONNE_RESSOURCE, 9, 9, 30, 1, 4, "presentiel", "Le Metronum, Toulouse"),
    CreneauDemo(LOGIN_PERSONNE_RESSOURCE, 11, 14, 0, 1, 2, "distance"),
]


# --- Collective workshops (ateliers, issue 16) ----------------------------------------------------------

# A collective format with PEER CULTURE's rules (seed 004): 12 places, 18 € a half-day for non-members.
FORMAT_ATELIER: dict[str, Any] = {
    "code": "atelier",
    "libelle": "Atelier collectif",
    "description": "Un après-midi en groupe autour d’un thème choisi par le comité, animé par une personne-ressource.",
    "nature": "collectif",
    "unite": "demi_journee",
    "demi_journees_min": 1,
    "demi_journees_max": 1,
    "participants_max": 12,
    "participation_non_membre": Decimal("18.00"),
    "ordre": 3,
}
# Candidates (keys of CANDIDATURES, in this order) who are members of the programme: they pay nothing.
MEMBRES_ATELIERS = ["c13", "c01", "c02"]


@dataclass(frozen=True)
class AtelierDemo:
    titre: str
    theme: str
    jour: int  # days from today (negative: already held, attendance recorded the day after)
    heure: int
    lieu: str
    animateur: str  # key of PERSONNES_RESSOURCES
    inscrits: int  # how many candidates register, in the order of CANDIDATURES (beyond the places: waiting list)
    capacite: int | None = None  # None: the format's participants at most
    desistements: int = 0  # how many of the last confirmed withdraw (the waiting list moves up)
    lien_visio: str = ""


ATELIERS = [
    AtelierDemo(
        "Pitcher son projet en cinq minutes",
        "Construire et tester son pitch devant des pairs : structure, supports, questions difficiles.",
        -12,
        14,
        "Le Metronum, Toulouse",
        LOGIN_PERSONNE_RESSOURCE,
        inscrits=6,
    ),
    AtelierDemo(
        "Modèle économique d’une structure de musiques actuelles",
        "Lire ses comptes, diversifier ses recettes, mécénat et financements participatifs.",
        10,
        14,
        "La Cigalière, Sérignan",
        LOGIN_PERSONNE_RESSOURCE,
        inscrits=8,
        capacite=6,
        desistements=1,
    ),
    AtelierDemo(
        "Communication numérique et réseaux sociaux",
        "Ligne éditoriale, calendrier de publication, mesurer ce qui marche.",
        24,
        9,
        "",
        LOGIN_PERSONNE_RESSOURCE,
        inscrits=3,
        lien_visio="https://visio.example/atelier-communication",
    ),
]
