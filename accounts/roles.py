"""The four roles of the platform, as Django groups."""

from __future__ import annotations

from typing import Any

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
        cached = set(user.groups.values_list("name", flat=True))
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
