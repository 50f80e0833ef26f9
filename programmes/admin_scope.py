"""The admin's rows for a member of the coordination: those of their pilots' programmes (issue 16).

Each model's path to its programme is found once by following its foreign keys (at most four); a model
with no such path (people, structures, the directory, funders) is the instance's, shared by every pilot.
A row whose path ends empty (no programme) stays visible: it belongs to no pilot.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import HttpRequest

from .models import Programme, StructurePilote
from .selectors import pilotes_de, programmes_de, voit_tout

PROFONDEUR_MAX = 4


@cache
def chemin_vers_programme(model: type[models.Model]) -> str | None:
    """The shortest path of forward foreign keys from `model` to Programme ("pk" for Programme itself)."""
    if model is Programme:
        return "pk"
    niveau: list[tuple[type[models.Model], str]] = [(model, "")]
    vus = {model}
    for _profondeur in range(PROFONDEUR_MAX):
        suivant: list[tuple[type[models.Model], str]] = []
        for courant, chemin in niveau:
            for field in courant._meta.get_fields():
                if not (field.concrete and (field.many_to_one or field.one_to_one)):
                    continue
                cible = field.related_model
                if not (isinstance(cible, type) and issubclass(cible, models.Model)):
                    continue
                if cible._meta.label == settings.AUTH_USER_MODEL:
                    continue
                nom = f"{chemin}__{field.name}" if chemin else field.name
                if cible is Programme:
                    return nom
                if cible not in vus:
                    vus.add(cible)
                    suivant.append((cible, nom))
        niveau = suivant
    return None


def perimetre_admin(request: HttpRequest, queryset: Any) -> Any:
    user = getattr(request, "user", None)
    if user is None or voit_tout(user):
        return queryset
    model = queryset.model
    if model is StructurePilote:
        return queryset.filter(pk__in=pilotes_de(user).values("pk"))
    chemin = chemin_vers_programme(model)
    if chemin is None:
        return queryset
    dans_ses_programmes = Q(**{f"{chemin}__in": programmes_de(user).values("pk")})
    if chemin == "pk":
        return queryset.filter(dans_ses_programmes)
    return queryset.filter(dans_ses_programmes | Q(**{f"{chemin}__isnull": True}))
