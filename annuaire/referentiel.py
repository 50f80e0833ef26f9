"""The starting référentiel de compétences (SPEC §6, seeds 002–004). The coordination extends it."""

REFERENTIEL_INITIAL = [
    (
        "communication",
        "Communication",
        [
            "Stratégie de communication",
            "Communication digitale et réseaux sociaux",
            "Relations presse et médias",
            "Pitch et présentation orale",
        ],
    ),
    (
        "gestion",
        "Gestion et administration",
        [
            "Gestion administrative et juridique",
            "Comptabilité et contrôle de gestion",
            "Paie et obligations sociales",
        ],
    ),
    (
        "financements",
        "Recherche de financements",
        [
            "Subventions publiques et dossiers de demande",
            "Mécénat et partenariats privés",
            "Financement participatif",
        ],
    ),
    (
        "numerique",
        "Numérique",
        [
            "Outils collaboratifs et organisation numérique",
            "Billetterie et données des publics",
            "Site web et référencement",
        ],
    ),
    (
        "pratiques-artistiques",
        "Accompagnement des pratiques artistiques",
        [
            "Accompagnement d’artistes en développement",
            "Répétition et résidence",
            "Action culturelle et médiation",
        ],
    ),
    (
        "strategie",
        "Stratégie des activités",
        [
            "Projet associatif et stratégie",
            "Modèle économique",
            "Stratégie économique et financière",
        ],
    ),
    (
        "management",
        "Management et organisation du travail",
        [
            "Management d’équipe",
            "Conditions de travail et prévention",
            "Gouvernance et vie associative",
            "Création d’un premier emploi",
        ],
    ),
    (
        "production-diffusion",
        "Production et diffusion",
        [
            "Production de spectacles et tournées",
            "Programmation et diffusion",
            "Production phonographique et édition",
        ],
    ),
]


def referentiel_initialiser() -> int:
    """Load the starting référentiel into an empty database; returns the number of competences created.

    Runs after every migrate (post_migrate): on a new database, and after a test flush. It never
    touches a référentiel that already has domains, so the coordination's edits are kept.
    """
    # Imported here so that the data migration can import REFERENTIEL_INITIAL from this module
    # without loading the current models (a migration must use its historical ones).
    from .models import Competence, Domaine

    if Domaine.objects.exists():
        return 0
    created = 0
    for ordre, (slug, nom, competences) in enumerate(REFERENTIEL_INITIAL):
        domaine = Domaine.objects.create(slug=slug, nom=nom, ordre=ordre)
        Competence.objects.bulk_create([Competence(domaine=domaine, nom=competence) for competence in competences])
        created += len(competences)
    return created
