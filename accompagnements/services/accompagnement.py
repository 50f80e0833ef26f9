"""Business operations on accompagnements."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts import roles
from core.exceptions import PermissionRefused, RuleViolation
from core.models import recorded_actor
from core.workflow import Transition, apply_transition
from programmes.models import Format, Programme, Structure
from programmes.rules import check_demi_journees

from ..models import Accompagnement, AccompagnementEvenement, EtatAccompagnement, Seance
from ..signals import programme_modifie
from ..workflow import WORKFLOW

if TYPE_CHECKING:
    # Named for the types only (no runtime import needed).
    from accounts.models import User
    from annuaire.models import PersonneRessource
    from candidatures.models import Candidature


def accompagnement_transition(*, accompagnement: Accompagnement, name: str, by: User | None, reason: str = "") -> Accompagnement:
    """Apply one move of the accompagnement's workflow (see workflow.py). Call inside a transaction."""
    moved = apply_transition(
        accompagnement,
        workflow=WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        history_model=AccompagnementEvenement,
        history_fk="accompagnement",
    )
    programme_modifie_signaler(accompagnement.programme_id)
    return moved


def seance_historique(
    *, transition_name: str, by: User | None, reason: str, details: dict[str, Any] | None = None
) -> Callable[[Seance, Transition, str], None]:
    """The history callback of a session's tables (its state, its service fait): both write the same row
    on the accompagnement's timeline, so that the pair and the coordination read one history."""

    def history(locked: Seance, transition: Transition, previous: str) -> None:
        AccompagnementEvenement.objects.create(
            accompagnement_id=locked.accompagnement_id,
            kind="transition",
            transition=transition_name,
            from_state=previous,
            to_state=transition.target,
            reason=reason,
            actor=recorded_actor(by),
            details={"seance": locked.pk, "debut": locked.debut.isoformat(), **(details or {})},
        )

    return history


def programme_modifie_signaler(programme_id: int) -> None:
    """The later stages keep figures of the programme (the budget's dashboard summary): they follow every
    accompagnement and session write, in its transaction (see accompagnements/signals.py)."""
    programme_modifie.send(sender=Accompagnement, programme_id=programme_id)


def _next_reference(programme: Programme) -> str:
    prefix = f"ACC-{programme.date_debut.year}-"
    last = Accompagnement.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"] or f"{prefix}0000"
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


@transaction.atomic
def accompagnement_create(
    *,
    candidature: Candidature,
    format: Format,
    demi_journees: int,
    mentors: Iterable[PersonneRessource],
    by: User,
    suite_de: Accompagnement | None = None,
) -> Accompagnement:
    """Open an accompagnement for a selected file, within the per-structure half-day limit."""
    if candidature.structure_id is None:
        raise RuleViolation(_("La candidature n’a pas de structure bénéficiaire."))
    if format.programme_id != candidature.programme_id:
        raise RuleViolation(_("Ce format n’appartient pas au programme de la candidature."), field="format")
    mentors = list(mentors)
    if not mentors:
        raise RuleViolation(_("Un accompagnement a besoin d’au moins une personne-ressource."), field="mentors")
    for mentor in mentors:
        if mentor.structure_id == candidature.structure_id:
            raise RuleViolation(
                _(
                    "%(mentor)s travaille dans la structure bénéficiaire : choisissez une personne-ressource d’une autre structure."
                )
                % {"mentor": mentor}
            )
    # Lock the beneficiary structure so that two accompagnements of one structure are checked in turn.
    structure = Structure.objects.select_for_update().get(pk=candidature.structure_id)
    check_demi_journees(structure=structure, format=format, demi_journees=demi_journees)
    accompagnement = Accompagnement.objects.create(
        reference=_next_reference(candidature.programme),
        programme_id=candidature.programme_id,
        candidature=candidature,
        beneficiaire_id=candidature.candidat_id,
        structure_beneficiaire=structure,
        format=format,
        demi_journees_prevues=demi_journees,
        suite_de=suite_de,
    )
    accompagnement.mentors.set(mentors)
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement,
        transition="creer",
        to_state=accompagnement.etat,
        actor=recorded_actor(by),
        details={"mentors": [m.pk for m in mentors], "demi_journees": demi_journees, "format": format.code},
    )
    programme_modifie_signaler(accompagnement.programme_id)
    return accompagnement


@transaction.atomic
def accompagnement_clore(*, accompagnement: Accompagnement, by: User, reason: str = "") -> Accompagnement:
    """The coordination closes a finished action (terminé → clos) once its evaluations and payment are done."""
    if not roles.is_coordination(by):
        raise PermissionRefused(_("Seule la coordination peut clore un accompagnement."))
    locked = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if locked.etat != EtatAccompagnement.TERMINE:
        raise RuleViolation(_("Seul un accompagnement terminé peut être clos."))
    locked = accompagnement_transition(accompagnement=locked, name="clore", by=by, reason=reason)
    accompagnement.etat = locked.etat
    return locked
