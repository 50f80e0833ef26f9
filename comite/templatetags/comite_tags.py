"""The comité's blocks on other stages' pages.

The coordinator's dashboard belongs to candidatures, a stage below the comité: it cannot import the
comité's rule. The comité contributes its block instead, `{% regle_reunions programme %}`, rendered
from its own selectors and template.
"""

from __future__ import annotations

from typing import Any

from django import template

from comite.selectors import reunions_minimum
from programmes.models import Programme

register = template.Library()


@register.inclusion_tag("comite/includes/regle_reunions.html")
def regle_reunions(programme: Programme) -> dict[str, Any]:
    """Whether the committee met often enough this year (Programme.reunions_comite_minimum)."""
    return {"reunions": reunions_minimum(programme=programme)}
