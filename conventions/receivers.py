"""How the conventions stage answers the accompagnement's signals (connected in ConventionsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accompagnements.models import Accompagnement
from accompagnements.signals import grille_rouverte, grille_validee

from .services import convention_create, conventions_annuler_en_cours


@receiver(grille_validee, sender=Accompagnement, dispatch_uid="convention_depuis_grille")
def convention_depuis_grille(sender: type, *, accompagnement: Accompagnement, by: Any, **kwargs: Any) -> None:
    convention_create(accompagnement=accompagnement, by=by)


@receiver(grille_rouverte, sender=Accompagnement, dispatch_uid="conventions_annulees_par_grille")
def conventions_annulees_par_grille(sender: type, *, accompagnement: Accompagnement, by: Any, motif: str, **kwargs: Any) -> None:
    conventions_annuler_en_cours(accompagnement=accompagnement, by=by, motif=motif)
