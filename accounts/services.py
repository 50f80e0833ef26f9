"""Account operations: role groups and their permissions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from programmes.models import StructurePilote

from . import roles
from .models import User

# The apps whose models the coordination may manage: the installed list of the programme's apps.
DOMAIN_APPS: list[str] = list(settings.TSF_DOMAIN_APPS)

# The committee reads aggregates and the files put to it; it never writes through the admin.
COMITE_VIEW_MODELS = {
    ("programmes", "programme"),
    ("budget", "enveloppe"),
    ("comite", "reunioncomite"),
    ("comite", "avis"),
}


@transaction.atomic
def roles_sync(**_: Any) -> None:
    """Create the four role groups and give coordination every permission on the domain apps."""
    for name in roles.ROLE_LABELS:
        Group.objects.get_or_create(name=name)
    coordination = Group.objects.get(name=roles.COORDINATION)
    coordination.permissions.set(Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS))
    comite = Group.objects.get(name=roles.COMITE)
    comite_perms = [
        perm
        for perm in Permission.objects.filter(codename__startswith="view_").select_related("content_type")
        if (perm.content_type.app_label, perm.content_type.model) in COMITE_VIEW_MODELS
    ]
    comite.permissions.set(comite_perms)


def _rejoindre_le_seul_pilote(user: User) -> None:
    """A new member of the coordination on a one-pilot instance belongs to that pilot; with several
    pilots nobody is added by guess: the admin says which (programmes/selectors.py, the rule)."""
    if user.is_superuser or user.structures_pilotes.exists():
        return
    pilotes = list(StructurePilote.objects.order_by("pk")[:2])
    if len(pilotes) > 1:
        return
    (pilotes[0] if pilotes else StructurePilote.depuis_reglages()).coordinateurs.add(user)


@transaction.atomic
def user_set_roles(*, user: User, role_names: list[str], staff: bool | None = None) -> User:
    """Give `user` exactly these roles; coordination members get the admin (is_staff)."""
    unknown = set(role_names) - set(roles.ROLE_LABELS)
    if unknown:
        raise ValueError(f"Unknown roles: {unknown}")
    user.groups.set(Group.objects.filter(name__in=role_names))
    # Coordination works in the admin; a superuser keeps it whatever their roles.
    user.is_staff = user.is_superuser or (roles.COORDINATION in role_names if staff is None else staff)
    user.save(update_fields=["is_staff"])
    if roles.COORDINATION in role_names:
        _rejoindre_le_seul_pilote(user)
    if hasattr(user, "_role_names"):
        del user._role_names
    return user
