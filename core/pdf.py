"""PDF documents from HTML templates (templates/pdf/), rendered by WeasyPrint.

The URL fetcher only serves the project's own static files: a field that contains
`<img src="file:///etc/passwd">` or a remote URL fetches nothing. WeasyPrint is imported on
first use, in the Celery worker or a warm process, never per request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

BASE_URL = "https://tsf-pdf.invalid/"


class BlockedFetch(ValueError):
    pass


def static_only_fetcher(url: str, *args: Any, **kwargs: Any):
    """Resolve /static/… to the project's static files; refuse every other URL."""
    # Imported here, as weasyprint below: WeasyPrint loads Pango and its fonts at import, which only
    # the processes that render a PDF should pay (every page and worker imports this module).
    from weasyprint.urls import URLFetcherResponse

    parsed = urlparse(url)
    if parsed.scheme == "data":
        raise BlockedFetch("data: URLs are not fetched")
    if f"{parsed.scheme}://{parsed.netloc}/" != BASE_URL or not parsed.path.startswith(settings.STATIC_URL):
        raise BlockedFetch(f"blocked: {url}")
    relative = unquote(parsed.path[len(settings.STATIC_URL) :])
    if ".." in relative.split("/"):
        raise BlockedFetch(f"blocked: {url}")
    path = finders.find(relative)
    if not path:
        raise BlockedFetch(f"not a static file: {url}")
    with open(path, "rb") as handle:
        return URLFetcherResponse(url=url, body=handle.read())


_fetcher = None


def _static_only_fetcher():
    global _fetcher
    if _fetcher is None:
        import weasyprint  # imported here: see static_only_fetcher

        class StaticOnlyFetcher(weasyprint.URLFetcher):
            def fetch(self, url: str, headers: Any = None):
                return static_only_fetcher(url)

        _fetcher = StaticOnlyFetcher(allowed_protocols={"https"}, allow_redirects=False)
    return _fetcher


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    import weasyprint  # imported here: see static_only_fetcher

    html = render_to_string(template, {"pilot": settings.TSF_PILOT, **context})
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher())
    return document.write_pdf()
