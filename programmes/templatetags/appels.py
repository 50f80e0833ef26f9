"""The public site's list of open calls (issue 16): each programme whose call is open, with its pilot."""

from __future__ import annotations

from typing import Any

from django import template

from programmes.selectors import appels_ouverts as appels_ouverts_qs

register = template.Library()


@register.inclusion_tag("programmes/includes/appels_ouverts.html")
def appels_ouverts() -> dict[str, Any]:
    return {"appels": list(appels_ouverts_qs())}
