"""Objectives grid: the mentor and the beneficiary write it together; the coordination comments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.concurrency import lock_unchanged
from core.exceptions import RuleViolation
from core.models import EventKind, recorded_actor
from core.permissions import require

from ..models import Accompagnement, AccompagnementEvenement, EtatAccompagnement, Indicateur, Objectif, TypeIndicateur
from ..permissions import MENTOR as MENTOR_ROLE
from ..permissions import role_in
from ..signals import grille_rouverte, grille_validee
from .accompagnement import accompagnement_transition

# --- Objectives grid ---
# The mentor and the beneficiary write the grid together; the coordination comments. Every change
# goes through `_grille_modifiee`, which re-opens a validated grid for both (and cancels a convention
# not yet fully signed, whose text would no longer match).


def _partie_de_la_grille(accompagnement: Accompagnement, by: User) -> str:
    """The writer's part (mentor or beneficiary); the coordination and others cannot write the grid."""
    require(by, "accompagnement.rediger_grille", accompagnement)
    return role_in(accompagnement, by)  # type: ignore[return-value]


def _grille_modifiee(*, accompagnement: Accompagnement, by: User, action: str, details: dict[str, Any]) -> Accompagnement:
    """Lock the accompagnement, check the grid may change, re-open it if it was validated, log the change."""
    locked = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if locked.etat not in (EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION):
        raise RuleViolation(
            _("La grille d’objectifs ne se modifie plus une fois la convention signée : demandez un avenant à la coordination.")
        )
    if locked.etat == EtatAccompagnement.CONVENTION:
        grille_rouverte.send(
            sender=Accompagnement, accompagnement=locked, by=by, motif=_("La grille d’objectifs a été modifiée.")
        )
        accompagnement_transition(
            accompagnement=locked, name="rouvrir_objectifs", by=by, reason=_("La grille d’objectifs a été modifiée.")
        )
        locked.refresh_from_db()
    reouverte = bool(locked.grille_validee_beneficiaire_le or locked.grille_validee_mentor_le)
    if reouverte:
        Accompagnement.objects.filter(pk=locked.pk).update(grille_validee_beneficiaire_le=None, grille_validee_mentor_le=None)
        locked.grille_validee_beneficiaire_le = locked.grille_validee_mentor_le = None
    AccompagnementEvenement.objects.create(
        accompagnement=locked,
        kind=EventKind.AUTRE,
        transition=action,
        reason=_("Grille modifiée : les validations sont effacées, la grille doit être revalidée par les deux parties.")
        if reouverte
        else "",
        details=details,
        actor=recorded_actor(by),
    )
    accompagnement.etat = locked.etat
    accompagnement.grille_validee_beneficiaire_le = locked.grille_validee_beneficiaire_le
    accompagnement.grille_validee_mentor_le = locked.grille_validee_mentor_le
    return locked


@transaction.atomic
def objectif_create(*, accompagnement: Accompagnement, intitule: str, critere_reussite: str, by: User) -> Objectif:
    """Add an objective at the end of the grid."""
    _partie_de_la_grille(accompagnement, by)
    _grille_modifiee(accompagnement=accompagnement, by=by, action="objectif_ajoute", details={"intitule": intitule})
    ordre = (accompagnement.objectifs.aggregate(m=Max("ordre"))["m"] or 0) + 1
    return Objectif.objects.create(
        accompagnement=accompagnement, ordre=ordre, intitule=intitule.strip(), critere_reussite=critere_reussite.strip()
    )


@transaction.atomic
def objectif_update(
    *, objectif: Objectif, intitule: str, critere_reussite: str, by: User, version: str | None = None
) -> Objectif:
    """`version`: that of the objective the form was filled from; one saved since raises EditConflict."""
    _partie_de_la_grille(objectif.accompagnement, by)
    objectif = lock_unchanged(Objectif.objects.select_related("accompagnement"), pk=objectif.pk, version=version)
    if objectif.intitule == intitule.strip() and objectif.critere_reussite == critere_reussite.strip():
        return objectif  # nothing changed: the validations stay
    _grille_modifiee(accompagnement=objectif.accompagnement, by=by, action="objectif_modifie", details={"objectif": objectif.pk})
    objectif.intitule = intitule.strip()
    objectif.critere_reussite = critere_reussite.strip()
    objectif.save(update_fields=["intitule", "critere_reussite", "updated_at"])
    return objectif


@transaction.atomic
def objectif_delete(*, objectif: Objectif, by: User) -> None:
    _partie_de_la_grille(objectif.accompagnement, by)
    _grille_modifiee(
        accompagnement=objectif.accompagnement, by=by, action="objectif_supprime", details={"intitule": objectif.intitule}
    )
    objectif.delete()


def _valeurs_indicateur(
    type_indicateur: str,
    libelle: str,
    description: str,
    unite: str,
    valeur_initiale: Decimal | None,
    cible: Decimal | None,
) -> dict[str, Any]:
    """An indicator's fields as saved, once checked: a quantitative one needs a unit and a target; a
    qualitative one keeps no unit, baseline nor target."""
    quantitatif = type_indicateur == TypeIndicateur.QUANTITATIF
    if quantitatif:
        if not unite.strip():
            raise RuleViolation(_("Un indicateur quantitatif a besoin d’une unité (dossiers, euros, dates…)."), field="unite")
        if cible is None:
            raise RuleViolation(_("Un indicateur quantitatif a besoin d’une valeur cible."), field="cible")
    return {
        "type_indicateur": type_indicateur,
        "libelle": libelle.strip(),
        "description": description.strip(),
        "unite": unite.strip() if quantitatif else "",
        "valeur_initiale": valeur_initiale if quantitatif else None,
        "cible": cible if quantitatif else None,
    }


@transaction.atomic
def indicateur_create(
    *,
    objectif: Objectif,
    type_indicateur: str,
    libelle: str,
    description: str = "",
    unite: str = "",
    valeur_initiale: Decimal | None = None,
    cible: Decimal | None = None,
    by: User,
) -> Indicateur:
    """Add an indicator: qualitative (a description) or quantitative (unit, baseline, target)."""
    _partie_de_la_grille(objectif.accompagnement, by)
    values = _valeurs_indicateur(type_indicateur, libelle, description, unite, valeur_initiale, cible)
    _grille_modifiee(accompagnement=objectif.accompagnement, by=by, action="indicateur_ajoute", details={"objectif": objectif.pk})
    return Indicateur.objects.create(objectif=objectif, **values)


@transaction.atomic
def indicateur_update(
    *,
    indicateur: Indicateur,
    type_indicateur: str,
    libelle: str,
    description: str = "",
    unite: str = "",
    valeur_initiale: Decimal | None = None,
    cible: Decimal | None = None,
    by: User,
) -> Indicateur:
    accompagnement = indicateur.objectif.accompagnement
    _partie_de_la_grille(accompagnement, by)
    values = _valeurs_indicateur(type_indicateur, libelle, description, unite, valeur_initiale, cible)
    if all(getattr(indicateur, k) == v for k, v in values.items()):
        return indicateur
    _grille_modifiee(accompagnement=accompagnement, by=by, action="indicateur_modifie", details={"indicateur": indicateur.pk})
    for k, v in values.items():
        setattr(indicateur, k, v)
    indicateur.save()
    return indicateur


@transaction.atomic
def indicateur_delete(*, indicateur: Indicateur, by: User) -> None:
    accompagnement = indicateur.objectif.accompagnement
    _partie_de_la_grille(accompagnement, by)
    _grille_modifiee(accompagnement=accompagnement, by=by, action="indicateur_supprime", details={"libelle": indicateur.libelle})
    indicateur.delete()


@transaction.atomic
def objectifs_valider(*, accompagnement: Accompagnement, by: User) -> Accompagnement:
    """The writer marks the grid validated; when both have, the accompagnement moves to the convention.

    Moving on also prepares the convention (the conventions stage answers `grille_validee`; its PDF is
    rendered by the worker).
    """
    role = _partie_de_la_grille(accompagnement, by)
    locked = Accompagnement.objects.select_for_update().get(pk=accompagnement.pk)
    if locked.etat != EtatAccompagnement.OBJECTIFS:
        raise RuleViolation(_("La grille d’objectifs n’est pas ouverte à la validation."))
    objectifs = list(Objectif.objects.filter(accompagnement=locked).prefetch_related("indicateurs"))
    if not objectifs:
        raise RuleViolation(_("Ajoutez au moins un objectif avant de valider la grille."))
    sans_indicateur = [o.intitule for o in objectifs if not o.indicateurs.all()]
    if sans_indicateur:
        raise RuleViolation(
            _("Chaque objectif a besoin d’au moins un indicateur. Sans indicateur : %(liste)s.")
            % {"liste": ", ".join(sans_indicateur)}
        )
    field = "grille_validee_mentor_le" if role == MENTOR_ROLE else "grille_validee_beneficiaire_le"
    if getattr(locked, field) is None:
        setattr(locked, field, timezone.now())
        locked.save(update_fields=[field, "updated_at"])
        AccompagnementEvenement.objects.create(
            accompagnement=locked,
            kind=EventKind.AUTRE,
            transition="grille_validee",
            details={"partie": role},
            actor=by,
        )
    if locked.grille_validee:
        accompagnement_transition(accompagnement=locked, name="valider_objectifs", by=by)
        locked.refresh_from_db()
        grille_validee.send(sender=Accompagnement, accompagnement=locked, by=by)
    accompagnement.etat = locked.etat
    accompagnement.grille_validee_beneficiaire_le = locked.grille_validee_beneficiaire_le
    accompagnement.grille_validee_mentor_le = locked.grille_validee_mentor_le
    return locked


@transaction.atomic
def objectif_commenter(*, objectif: Objectif, commentaire: str, by: User, version: str | None = None) -> Objectif:
    """The coordination's comment on one objective; it does not re-open the grid.
    `version`: that of the objective the form was filled from; one saved since raises EditConflict."""
    require(by, "accompagnement.commenter_grille", objectif.accompagnement)
    objectif = lock_unchanged(Objectif.objects, pk=objectif.pk, version=version)
    objectif.commentaire_coordination = commentaire.strip()
    objectif.save(update_fields=["commentaire_coordination", "updated_at"])
    AccompagnementEvenement.objects.create(
        accompagnement_id=objectif.accompagnement_id,
        kind=EventKind.NOTE,
        transition="objectif_commente",
        details={"objectif": objectif.pk},
        actor=by,
    )
    return objectif
