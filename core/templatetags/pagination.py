"""`{% for num in page_obj|pages_affichees %}`: the page numbers a pagination bar shows.

The bar shows the first and last pages, two on each side of the current one and "…" (None) where
pages are skipped. Computed here so that drawing the bar costs the same whatever the number of pages:
a template loop over `paginator.page_range` walks every page of the history (hundreds on a list of
reminders) to show seven of them.
"""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()

# Pages shown on each side of the current one; one more on each side becomes "…".
VOISINES = 2


@register.filter
def pages_affichees(page: Page) -> list[int | None]:
    """The numbers to draw, in order, None standing for "…" (as the bar always showed them)."""
    number, last = page.number, page.paginator.num_pages
    shown: list[int | None] = []
    for num in sorted({1, last, *range(max(1, number - VOISINES - 1), min(last, number + VOISINES + 1) + 1)}):
        near = abs(num - number) <= VOISINES
        shown.append(num if num in (1, last) or near else None)
    return shown
