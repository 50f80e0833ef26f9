"""`{% lien "core:faq" %}` (or `{% lien "core:faq" as faq_url %}`): `{% url %}` for a URL without
arguments, reversed once per process instead of on every page.

The header and the footer of base.html reverse about twenty such URLs on every page, a tenth of the
page's base cost (issue 14). Their result depends only on the name, the URLconf, the script prefix and
the language, which are the memo's key; a change of ROOT_URLCONF (tests) empties it. Only for names
of a single instance (it ignores `current_app`): every name of this project, the admin's included;
not inside `{% language %}` (the language is read once per template rendered).
"""

from __future__ import annotations

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()
# Where a rendering keeps the memo's key (see `lien`).
_KEY = "core.templatetags.liens.key"


@register.simple_tag(name="lien", takes_context=True)
def lien(context: template.Context, name: str) -> str:
    # The memo's key is read once per template rendered (three context-local lookups cost more than the
    # memo's): the render context lives as long as one template's rendering.
    key = context.render_context.get(_KEY)
    if key is None:
        key = context.render_context[_KEY] = (get_urlconf(), get_script_prefix(), get_language())
    return _reverse(name, *key)


@functools.lru_cache(maxsize=512)
def _reverse(name: str, urlconf: str | None, _prefix: str, _language: str | None) -> str:
    # The prefix and the language are read by `reverse` itself: they are here as the memo's key.
    return reverse(name, urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
