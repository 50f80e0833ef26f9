"""Which programmes a member of the coordination works on: the one rule every coordination queryset uses.

A superuser sees every programme. Any other member of the coordination sees the programmes of the
pilot structures they belong to (`StructurePilote.coordinateurs`), and only those: a file of another
pilot's programme is out of their querysets, so its pages answer 404. On an instance with a single
pilot, a new member of the coordination joins it (accounts.services.user_set_roles); once there are
several, someone adds them to theirs in the admin.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import Programme, ProgrammeQuerySet, StructurePilote


def voit_tout(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def programmes_de(user: Any) -> ProgrammeQuerySet:
    """The programmes of `user`'s pilot structures (all of them for a superuser)."""
    programmes = ProgrammeQuerySet(Programme)
    if voit_tout(user):
        return programmes.all()
    if not getattr(user, "is_authenticated", False):
        return programmes.none()
    return programmes.filter(pilote__coordinateurs=user)


def pilotes_de(user: Any) -> QuerySet[StructurePilote]:
    if voit_tout(user):
        return StructurePilote.objects.all()
    if not getattr(user, "is_authenticated", False):
        return StructurePilote.objects.none()
    return StructurePilote.objects.filter(coordinateurs=user)


def filtre_programmes(user: Any, champ: str = "programme") -> Q:
    """`Q` keeping the rows whose `champ` (a path to a Programme) is one of `user`'s programmes; an
    empty Q (everything) for a superuser, so that their querysets stay as they were."""
    if voit_tout(user):
        return Q()
    return Q(**{f"{champ}__in": programmes_de(user).values("pk")})


def programme_ids_de(user: Any) -> frozenset[int]:
    """The ids of `user`'s pilots' programmes, cached on the instance so that a page asks once."""
    cached = getattr(user, "_programme_ids", None)
    if cached is None:
        cached = frozenset(programmes_de(user).values_list("pk", flat=True))
        user._programme_ids = cached
    return cached


def programme_de(user: Any, programme_id: int | None) -> bool:
    """Whether the programme `programme_id` is one of `user`'s (an object's rule checks it with this)."""
    if programme_id is None:
        return False
    return voit_tout(user) or programme_id in programme_ids_de(user)


def appels_ouverts() -> QuerySet[Programme]:
    """The open calls, with their pilot, for the public site."""
    return Programme.objects.filter(appel_ouvert=True).select_related("pilote").order_by("-date_debut", "nom")
