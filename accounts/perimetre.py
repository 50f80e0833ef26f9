"""What a person's role lets them see of the programmes: the coordination its pilots' programmes only
(programmes/selectors.py, the rule), anyone else every programme (their own rules narrow further)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404

from programmes.models import Programme, ProgrammeQuerySet
from programmes.selectors import filtre_programmes, programmes_de

from . import roles


def programmes_visibles(user: Any) -> ProgrammeQuerySet:
    if roles.is_coordination(user):
        return programmes_de(user)
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
