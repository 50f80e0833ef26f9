"""How the conventions stage answers the accompagnement's signals (connected in ConventionsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accompagnements.models import Accompagnement
from accompagnements.signals import grille_rouverte, grille_validee, personne_ressource_ajoutee

from .services import convention_create, conventions_annuler_en_cours, conventions_personne_ressource_ajoutee


@receiver(grille_validee, sender=Accompagnement, dispatch_uid="convention_depuis_grille")
def convention_depuis_grille(sender: type, *, accompagnement: Accompagnement, by: Any, **kwargs: Any) -> None:
    convention_create(accompagnement=accompagnement, by=by)


@receiver(grille_rouverte, sender=Accompagnement, dispatch_uid="conventions_annulees_par_grille")
def conventions_annulees_par_grille(sender: type, *, accompagnement: Accompagnement, by: Any, motif: str, **kwargs: Any) -> None:
    conventions_annuler_en_cours(accompagnement=accompagnement, by=by, motif=motif)


@receiver(personne_ressource_ajoutee, sender=Accompagnement, dispatch_uid="conventions_personne_ressource_ajoutee")
def avenant_personne_ressource(
    sender: type, *, accompagnement: Accompagnement, personne_ressource: Any, motif: str, by: Any, **kwargs: Any
) -> None:
    conventions_personne_ressource_ajoutee(
        accompagnement=accompagnement, personne_ressource=personne_ressource, motif=motif, by=by
    )
