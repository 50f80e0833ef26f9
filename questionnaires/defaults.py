"""The default application questionnaire: today's TSF steps, each a built-in block (default data).

Used by the data migration (existing programmes) and by the services when a programme has no
application questionnaire yet: the coordination then edits it in the admin.
"""

from __future__ import annotations

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
