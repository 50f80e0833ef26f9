"""`{% result_list_rows cl %}` and `{% date_hierarchy_rows cl %}`: Django's `{% result_list cl %}` and
`{% date_hierarchy cl %}`, made cheaper by core.admin_rows (issue 14)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode

from core.admin_rows import date_hierarchy_rows, fast_results

register = template.Library()


def result_list_rows(cl: Any) -> dict[str, Any]:
    """Django's `result_list(cl)` context, its rows from `fast_results`."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(fast_results(cl)),
    }


@register.tag(name="result_list_rows")
def result_list_rows_tag(parser: Any, token: Any) -> InclusionAdminNode:
    # The same template as Django's tag, looked up per app and model in the same way.
    return InclusionAdminNode(parser, token, func=result_list_rows, template_name="change_list_results.html", takes_context=False)


@register.tag(name="date_hierarchy_rows")
def date_hierarchy_rows_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(parser, token, func=date_hierarchy_rows, template_name="date_hierarchy.html", takes_context=False)
