"""What a person's role lets them see of the programmes: the coordination its pilots' programmes only
(programmes/selectors.py, the rule), a committee member the programmes of their seats, anyone else
every programme (their own rules narrow further)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404

from programmes.models import Programme, ProgrammeQuerySet
from programmes.selectors import filtre_programmes, pilotes_de, programme_ids_de, programmes_de, voit_tout

from . import roles
from .models import User


def programmes_visibles(user: Any) -> ProgrammeQuerySet:
    """The coordination: its pilots' programmes; a committee member: those whose committee they sit on
    (comite.MembreComite); anyone else every programme (their own rules narrow further)."""
    if roles.is_coordination(user):
        return programmes_de(user)
    if roles.is_comite(user):
        return ProgrammeQuerySet(Programme).filter(pk__in=roles.programmes_comite(user))
    return ProgrammeQuerySet(Programme).all()


def filtre_coordination(user: Any, champ: str = "programme") -> Q:
    """For the coordination, the rows of its pilots' programmes (`champ`: the path to the programme)."""
    return filtre_programmes(user, champ) if roles.is_coordination(user) else Q()


def programme_choisi(user: Any, pk: Any = None) -> Programme | None:
    """The programme a page is about: `pk` among those `user` sees (404 otherwise), else the current one."""
    visibles = programmes_visibles(user)
    if pk not in (None, ""):
        return get_object_or_404(visibles, pk=pk)
    return visibles.courant()


def personnes_visibles(user: Any) -> Any:
    """The people a member of the coordination may open (a person's data export, RGPD): everyone for a
    superuser; otherwise the applicants of their pilots' programmes, the personnes-ressources of the
    directory (the instance's) and the coordinators of their pilots. Lookups by relation name: accounts
    imports none of the stages above it."""
    if not roles.is_coordination(user):
        return User.objects.none()
    if voit_tout(user):
        return User.objects.all()
    siens = (
        Q(candidatures__programme_id__in=programme_ids_de(user))
        | Q(personne_ressource__isnull=False)
        | Q(structures_pilotes__in=pilotes_de(user).values("pk"))
    )
    return User.objects.filter(pk__in=User.objects.filter(siens).values("pk"))
