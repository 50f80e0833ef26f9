"""How the accompagnement stage answers the matching's signals (connected in AccompagnementsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from annuaire.models import PersonneRessource, Proposition
from annuaire.signals import proposition_acceptee
from candidatures.models import Candidature

from .models import Accompagnement
from .services import accompagnement_create


@receiver(proposition_acceptee, sender=Proposition, dispatch_uid="accompagnement_depuis_proposition")
def accompagnement_depuis_proposition(
    sender: type, *, proposition: Proposition, candidature: Candidature, mentor: PersonneRessource, **kwargs: Any
) -> Accompagnement:
    """The accepted proposition becomes the accompagnement, with the file's format and half-days."""
    return accompagnement_create(
        candidature=candidature,
        format=candidature.format_retenu,
        demi_journees=candidature.demi_journees_retenues,
        mentors=[mentor],
        by=mentor.user,
    )
