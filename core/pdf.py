"""PDF documents from HTML templates (templates/pdf/), rendered by WeasyPrint.

Every document is a tagged PDF (WeasyPrint's PDF/UA-1 variant): a structure tree (H1 > H2 > H3, P,
L, Table with TH headers) that screen readers follow, the language of <html lang>, alt text on
images, and the document title (the <h1 class="titre-document"> of pdf/base.html) as the PDF's Title,
displayed by viewers instead of the file name.

The URL fetcher only serves the project's own static files, and of the uploads only those the renderer
names for this document (the pilot's logo, read through the storage API): a field that contains
`<img src="file:///etc/passwd">`, a remote URL or another upload's /media/ path fetches nothing. WeasyPrint is imported on
first use, in the Celery worker or a warm process, never per request.
"""

from __future__ import annotations

import html as html_module
import re
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, NumberObject

from .pilote import pilot_of

BASE_URL = "https://tsf-pdf.invalid/"
PDF_VARIANT = "pdf/ua-1"
_TITLE = re.compile(r'<h1 class="titre-document">(.*?)</h1>', re.DOTALL)


class BlockedFetch(ValueError):
    pass


# The uploads (storage names) the document being rendered may embed: its pilot's logo, nothing else. An
# upload is personal data; a /media/ path typed into a field must not pull another file into the PDF.
_MEDIA_AUTORISES: ContextVar[frozenset[str]] = ContextVar("pdf_media_autorises", default=frozenset())


def _media(url: str, path: str) -> bytes:
    name = unquote(path[len(settings.MEDIA_URL) :])
    if ".." in name.split("/") or name.startswith("/") or name not in _MEDIA_AUTORISES.get():
        raise BlockedFetch(f"blocked: {url}")
    # Through the storage (its own checks keep a local file under MEDIA_ROOT); no URL is ever fetched.
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def static_only_fetcher(url: str, *args: Any, **kwargs: Any):
    """Resolve /static/… to the project's static files, /media/… to the uploads this document may embed;
    refuse every other URL."""
    # Imported here, as weasyprint below: WeasyPrint loads Pango and its fonts at import, which only
    # the processes that render a PDF should pay (every page and worker imports this module).
    from weasyprint.urls import URLFetcherResponse

    parsed = urlparse(url)
    if parsed.scheme == "data":
        raise BlockedFetch("data: URLs are not fetched")
    if f"{parsed.scheme}://{parsed.netloc}/" != BASE_URL:
        raise BlockedFetch(f"blocked: {url}")
    if parsed.path.startswith(settings.MEDIA_URL):
        return URLFetcherResponse(url=url, body=_media(url, parsed.path))
    if not parsed.path.startswith(settings.STATIC_URL):
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


def document_title(html: str) -> str:
    """The plain text of the document's <h1 class="titre-document"> (empty when there is none)."""
    match = _TITLE.search(html)
    if match is None:
        return ""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def render_pdf(template: str, context: dict[str, Any], *, tagged: bool = True) -> bytes:
    """The PDF of `template`; `tagged=False` only for an overlay stamped onto another PDF's pages."""
    import weasyprint  # imported here: see static_only_fetcher

    pilot = pilot_of(context)
    html = render_to_string(template, {**context, "pilot": pilot})
    autorises = _MEDIA_AUTORISES.set(frozenset(filter(None, [pilot.get("logo_media", "")])))
    try:
        document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).render()
    finally:
        _MEDIA_AUTORISES.reset(autorises)
    if title := document_title(html):
        document.metadata.title = title
    return document.write_pdf(pdf_variant=PDF_VARIANT if tagged else None)


def stamp_as_artifact(page: PageObject) -> PageObject:
    """The page of an untagged overlay, its content marked /Artifact: once stamped onto a tagged page
    (pypdf merge_page) it is neither untagged content nor mistaken for part of the structure tree."""
    contents = page.get_contents()
    stream = DecodedStreamObject()
    stream.set_data(b"/Artifact BMC\n" + (contents.get_data() if contents is not None else b"") + b"\nEMC\n")
    page[NameObject("/Contents")] = stream
    return page


def append_tagged(writer: PdfWriter, reader: PdfReader) -> None:
    """Append the pages of the tagged PDF `reader` to the tagged PDF being written, structure included.

    pypdf's append copies pages only: their marked content would point into a parent tree the
    written file does not have. The appended document's top-level structure elements become children
    of the written document's /Document element and each appended page gets its own parent-tree entry.
    """
    first = len(writer.pages)
    writer.append(reader)
    # pypdf types its objects as PdfObject: the structure tree's dictionaries are walked as Any.
    root: Any = writer.root_object["/StructTreeRoot"].get_object()
    catalog: Any = reader.trailer["/Root"].get_object()
    source_root: Any = catalog["/StructTreeRoot"].get_object()
    document = root["/K"][0].get_object()
    nums = root["/ParentTree"].get_object()["/Nums"]
    source_nums = source_root["/ParentTree"].get_object()["/Nums"]
    next_key = max(int(nums[i]) for i in range(0, len(nums), 2)) + 1

    def reparent(element: Any, parent_ref: Any) -> None:
        element[NameObject("/P")] = parent_ref
        for kid in element.get("/K", []):
            kid_object = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid_object, dict) and kid_object.get("/Type") == "/StructElem":
                reparent(kid_object, element.indirect_reference)

    for kid in source_root["/K"][0].get_object()["/K"]:
        clone = kid.get_object().clone(writer, ignore_fields=("/P",))
        reparent(clone, document.indirect_reference)
        document["/K"].append(clone.indirect_reference)
    source_entries = {int(source_nums[i]): source_nums[i + 1] for i in range(0, len(source_nums), 2)}
    for index, source_page in enumerate(reader.pages):
        page = writer.pages[first + index]
        key = source_page.get("/StructParents")
        if key is None or int(key) not in source_entries:
            continue
        entries = source_entries[int(key)].get_object()
        nums.extend(
            [
                NumberObject(next_key),
                ArrayObject(entry.get_object().clone(writer, ignore_fields=("/P",)).indirect_reference for entry in entries),
            ]
        )
        page[NameObject("/StructParents")] = NumberObject(next_key)
        next_key += 1
