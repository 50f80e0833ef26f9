"""How the budget stage answers the earlier stages' signals (connected in BudgetConfig.ready)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.dispatch import receiver

from accompagnements.models import Accompagnement
from accompagnements.signals import programme_modifie
from ateliers.models import Atelier
from ateliers.signals import atelier_tenu
from conventions.models import Convention
from conventions.signals import convention_a_engager
from programmes.models import Programme, Structure
from programmes.signals import references_modifiees, structures_modifiees

from .resume import resume_recalculer, resumes_des_structures
from .services import engagement_atelier_create, engagement_create


@receiver(convention_a_engager, sender=Convention, dispatch_uid="engagement_depuis_convention")
def engagement_depuis_convention(
    sender: type,
    *,
    convention: Convention,
    accompagnement: Accompagnement,
    montant: Decimal,
    libelle: str,
    by: Any,
    **kwargs: Any,
) -> None:
    """The last signature commits the amount on the envelope (refusing, and so undoing the signature, beyond it)."""
    engagement_create(accompagnement=accompagnement, convention=convention, montant=montant, libelle=libelle, by=by)


@receiver(programme_modifie, sender=Accompagnement, dispatch_uid="resume_depuis_accompagnements")
def resume_depuis_accompagnements(sender: type, *, programme_id: int, **kwargs: Any) -> None:
    """The dashboards' summary of the programme follows its accompagnements and sessions, in their transaction."""
    resume_recalculer(programme_id=programme_id)


@receiver(structures_modifiees, sender=Structure, dispatch_uid="resume_depuis_structures")
def resume_depuis_structures(sender: type, *, structure_ids: list[int], **kwargs: Any) -> None:
    """The summaries group delivered days by the beneficiary structure's département and kind: a change of
    either recomputes the summaries of the programmes that structure is a beneficiary in (only those)."""
    resumes_des_structures(structure_ids=structure_ids)


@receiver(references_modifiees, sender=Programme, dispatch_uid="resume_depuis_references")
def resume_depuis_references(sender: type, *, programme_ids: list[int], **kwargs: Any) -> None:
    """A rate, a unit, the competences sought or the référentiel's domains changed: the summaries of the
    programmes named are recomputed (in the order of their ids, as every writer locks them)."""
    for programme_id in sorted(programme_ids):
        resume_recalculer(programme_id=programme_id)


@receiver(atelier_tenu, sender=Atelier, dispatch_uid="engagement_depuis_atelier")
def engagement_depuis_atelier(sender: type, *, atelier: Atelier, by: Any, **kwargs: Any) -> None:
    """A held workshop commits its animation on the envelope (refusing, and so undoing the closing, beyond it)."""
    engagement_atelier_create(atelier=atelier, by=by)
