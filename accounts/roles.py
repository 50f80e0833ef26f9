"""The four roles of the platform, as Django groups."""

from __future__ import annotations

import functools
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext_lazy as _

CANDIDAT = "candidat"
PERSONNE_RESSOURCE = "personne_ressource"
COORDINATION = "coordination"
COMITE = "comite_technique"

ROLE_LABELS = {
    CANDIDAT: _("Candidat·e / bénéficiaire"),
    PERSONNE_RESSOURCE: _("Personne-ressource"),
    COORDINATION: _("Coordination (structure pilote)"),
    COMITE: _("Membre du comité technique"),
}


def role_names(user: Any) -> set[str]:
    """Group names of `user`, cached on the instance so a page asks the database once."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = _group_names(user)
        user._role_names = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return role in role_names(user)


def is_coordination(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, COORDINATION)


def is_comite(user: Any) -> bool:
    return has_role(user, COMITE)


def programmes_comite(user: Any) -> frozenset[int]:
    """Ids of the programmes on whose committee `user` sits (comite.MembreComite, active seats), cached on
    the instance like the roles. The comité role opens the committee's pages; the seats scope them."""
    if not is_comite(user):
        return frozenset()
    cached = getattr(user, "_programmes_comite", None)
    if cached is None:
        cached = frozenset(user.sieges_comite.filter(actif=True).values_list("programme_id", flat=True))
        user._programmes_comite = cached
    return cached


def siege_comite(user: Any, programme_id: int | None) -> bool:
    """Whether `user` sits on the committee of programme `programme_id`."""
    return programme_id is not None and programme_id in programmes_comite(user)


def is_personne_ressource(user: Any) -> bool:
    return has_role(user, PERSONNE_RESSOURCE)


def is_candidat(user: Any) -> bool:
    return has_role(user, CANDIDAT)


def _group_names(user: Any) -> set[str]:
    """`set(user.groups.values_list("name", flat=True))` in plain SQL: every page asks it (menu, badges,
    middleware), and building the ORM query cost three times the query itself (issue 14)."""
    # `__class__`, not type(): request.user is a lazy proxy.
    alias = user._state.db or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute(_group_names_sql(user.__class__, alias), [user.pk])
        return {name for (name,) in cursor.fetchall()}


@functools.cache
def _group_names_sql(user_model: Any, alias: str) -> str:
    """The query, its table and column names read from the models (built once per process)."""
    quote = connections[alias].ops.quote_name
    through = user_model.groups.through
    user_column = through._meta.get_field(user_model._meta.model_name).column
    group_field = through._meta.get_field("group")
    group = group_field.related_model
    table, through_table = quote(group._meta.db_table), quote(through._meta.db_table)
    name, group_pk = quote(group._meta.get_field("name").column), quote(group._meta.pk.column)
    group_column, user_column = quote(group_field.column), quote(user_column)
    # Names from the models, quoted; the value is a parameter.
    join = f"INNER JOIN {through_table} ug ON ug.{group_column} = g.{group_pk}"
    return f"SELECT g.{name} FROM {table} g {join} WHERE ug.{user_column} = %s"  # noqa: S608  # nosec B608
