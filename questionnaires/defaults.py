"""The default questionnaires (default data): the application one (today's TSF steps, each a built-in
block), the evaluation of a collective workshop and the end-of-programme evaluation (free questions).

Used by the data migration (existing programmes) and by the services when a programme has no such
questionnaire yet (questionnaires.services.DEFAUTS): the coordination then edits it in the admin.
"""

from __future__ import annotations

from typing import Any

ETAPES_CANDIDATURE_DEFAUT: list[dict[str, str]] = [
    {
        "slug": "demandeur",
        "titre": "Vous et votre statut",
        "intro": "Qui êtes-vous, et quel est votre rôle dans la structure ?",
    },
    {"slug": "structure", "titre": "Votre structure", "intro": "La structure pour laquelle vous travaillez."},
    {"slug": "situation", "titre": "Situation", "intro": "Où en est la structure ou le projet aujourd’hui ?"},
    {
        "slug": "problematique",
        "titre": "Problématique",
        "intro": "Le problème que vous rencontrez et qui fait naître le besoin.",
    },
    {"slug": "objectifs", "titre": "Objectifs", "intro": "Ce que vous attendez du transfert de savoir-faire."},
    {"slug": "besoins", "titre": "Besoins", "intro": "Les compétences que vous voulez développer."},
    {
        "slug": "personne_ressource",
        "titre": "Personne-ressource",
        "intro": "Avez-vous en tête une personne qui pourrait vous transmettre son savoir-faire ? C’est facultatif.",
    },
    {
        "slug": "pieces",
        "titre": "Pièces jointes",
        "intro": "Les documents qui aident la coordination à instruire votre dossier.",
    },
    {"slug": "consentement", "titre": "Consentement", "intro": ""},
]


def creer_defaut(*, version, etape_model) -> None:
    """Create the default steps on `version` (works with the historical models of a migration too)."""
    for ordre, etape in enumerate(ETAPES_CANDIDATURE_DEFAUT, start=1):
        etape_model.objects.create(version=version, ordre=ordre, bloc=etape["slug"], **etape)


# The evaluation of a collective workshop, asked of each participant noted present once the attendance
# list is closed. The answer to `CODE_SATISFACTION` (1 to 5) makes the workshop's average satisfaction:
# its code stays the same across versions (questionnaires.models.Question.code).
CODE_SATISFACTION = "satisfaction"
NOTES_SATISFACTION = "1\n2\n3\n4\n5"

ETAPE_EVALUATION_ATELIER_DEFAUT: dict[str, str] = {
    "slug": "avis",
    "titre": "Votre avis sur l’atelier",
    "intro": "Quelques questions pour améliorer les prochains ateliers. Vos réponses sont lues par la coordination.",
}

QUESTIONS_EVALUATION_ATELIER_DEFAUT: list[dict[str, object]] = [
    {
        "code": CODE_SATISFACTION,
        "libelle": "Dans l’ensemble, êtes-vous satisfait·e de cet atelier ?",
        "aide": "1 : pas du tout satisfait·e – 5 : très satisfait·e",
        "type": "choix",
        "obligatoire": True,
        "choix": NOTES_SATISFACTION,
    },
    {
        "code": "utilite",
        "libelle": "Ce que vous avez appris vous sera-t-il utile dans votre activité ?",
        "type": "choix",
        "obligatoire": True,
        "choix": "Très utile\nPlutôt utile\nPeu utile\nPas utile",
    },
    {
        "code": "mise_en_pratique",
        "libelle": "Qu’allez-vous mettre en pratique dans votre structure ou votre projet ?",
        "type": "texte_long",
        "obligatoire": False,
    },
    {
        "code": "commentaire",
        "libelle": "Un commentaire, une suggestion pour les prochains ateliers ?",
        "type": "texte_long",
        "obligatoire": False,
    },
]

# The default end-of-programme questionnaire (issue 16): one step of free questions, asked to every
# participant of a cohort when the programme's period ends; the coordination edits it in the admin.
ETAPES_EVALUATION_FIN_DEFAUT: list[dict[str, Any]] = [
    {
        "slug": "bilan",
        "titre": "Bilan du programme",
        "intro": "Le programme se termine : dites-nous ce qu’il vous a apporté et ce qu’il faudrait améliorer.",
        "questions": [
            {
                "code": "satisfaction_globale",
                "libelle": "Dans l’ensemble, êtes-vous satisfait·e du programme ?",
                "type": "choix",
                "obligatoire": True,
                "choix": "Très satisfait·e\nSatisfait·e\nPeu satisfait·e\nPas satisfait·e",
            },
            {
                "code": "apports",
                "libelle": "Qu’est-ce que le programme vous a apporté ?",
                "type": "texte_long",
                "obligatoire": True,
            },
            {
                "code": "temps_forts",
                "libelle": "Quels temps forts (accompagnement, ateliers, rencontres) vous ont le plus servi ?",
                "type": "texte_long",
            },
            {
                "code": "ameliorations",
                "libelle": "Que faudrait-il améliorer pour la prochaine promotion ?",
                "type": "texte_long",
            },
            {
                "code": "recommande",
                "libelle": "Recommanderiez-vous le programme à une autre structure ?",
                "type": "choix",
                "obligatoire": True,
                "choix": "Oui\nPeut-être\nNon",
            },
        ],
    },
]


def creer_defaut_evaluation_atelier(*, version, etape_model, question_model) -> None:
    """Create the default workshop evaluation on `version` (one step of free questions)."""
    etape = etape_model.objects.create(version=version, ordre=1, **ETAPE_EVALUATION_ATELIER_DEFAUT)
    for ordre, question in enumerate(QUESTIONS_EVALUATION_ATELIER_DEFAUT, start=1):
        question_model.objects.create(etape=etape, ordre=ordre, **question)


def creer_defaut_evaluation_fin(*, version, etape_model, question_model) -> None:
    """Create the default end-of-programme steps and questions on `version`."""
    for ordre, etape in enumerate(ETAPES_EVALUATION_FIN_DEFAUT, start=1):
        questions = etape["questions"]
        creee = etape_model.objects.create(
            version=version, ordre=ordre, slug=etape["slug"], titre=etape["titre"], intro=etape["intro"]
        )
        question_model.objects.bulk_create(
            [question_model(etape=creee, ordre=rang, **question) for rang, question in enumerate(questions, start=1)]
        )
