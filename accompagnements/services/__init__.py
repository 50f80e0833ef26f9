"""Business operations on accompagnements, by sub-domain: the accompagnement itself, its sessions, its
objectives grid. Re-exported here so that callers import from `accompagnements.services`."""

from .accompagnement import (
    accompagnement_clore,
    accompagnement_create,
    accompagnement_transition,
)
from .creneaux import creneau_book, creneau_withdraw, creneaux_publish
from .historique import accompagnement_historique_importer, historique_verifier
from .objectifs import (
    indicateur_create,
    indicateur_delete,
    indicateur_update,
    objectif_commenter,
    objectif_create,
    objectif_delete,
    objectif_update,
    objectifs_valider,
)
from .relais import personne_ressource_ajouter, personne_ressource_terminer
from .seances import (
    compte_rendu_comment,
    compte_rendu_submit,
    flux_calendrier_regenerate,
    flux_calendrier_revoke,
    question_seance_add,
    seance_cancel,
    seance_cancellation_overrule,
    seance_mark_held,
    seance_plan,
    seance_reschedule,
    support_add_file,
    support_add_grille,
    support_add_link,
)
from .service_fait import (
    confirmations_demander,
    seance_confirmer,
    seance_service_fait_arbitrer,
)

__all__ = [
    "creneaux_publish",
    "creneau_withdraw",
    "creneau_book",
    "accompagnement_transition",
    "accompagnement_create",
    "accompagnement_clore",
    "seance_plan",
    "seance_reschedule",
    "seance_mark_held",
    "seance_cancel",
    "seance_cancellation_overrule",
    "seance_confirmer",
    "seance_service_fait_arbitrer",
    "confirmations_demander",
    "question_seance_add",
    "compte_rendu_submit",
    "compte_rendu_comment",
    "support_add_file",
    "support_add_link",
    "support_add_grille",
    "flux_calendrier_regenerate",
    "flux_calendrier_revoke",
    "objectif_create",
    "objectif_update",
    "objectif_delete",
    "indicateur_create",
    "indicateur_update",
    "indicateur_delete",
    "objectifs_valider",
    "objectif_commenter",
    "accompagnement_historique_importer",
    "historique_verifier",
    "personne_ressource_ajouter",
    "personne_ressource_terminer",
]
