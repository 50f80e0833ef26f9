"""Checks of a tagged PDF (PDF/UA) with poppler's pdfinfo: the structure tree a screen reader follows."""

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass

from pypdf import PdfReader


@dataclass
class TaggedPdf:
    info: dict[str, str]
    structure: str  # `pdfinfo -struct-text`: one element per line, indented, with its text
    lang: str

    def elements(self) -> list[str]:
        """The structure element types, in reading order (Document, H1, P, Table, TH…)."""
        return [m.group(1) for m in re.finditer(r"^\s*([A-Z][A-Za-z0-9]*)\b(?! *\")", self.structure, re.MULTILINE)]

    def headings(self) -> list[tuple[str, str]]:
        """(level, text) of every H1…H6, in reading order."""
        found = []
        for m in re.finditer(r"^(\s*)(H[1-6]) \(block\)\n((?:\1\s+.*\n)*)", self.structure, re.MULTILINE):
            text = " ".join(re.findall(r'"(.*)"', m.group(3)))
            found.append((m.group(2), " ".join(text.split())))
        return found


def tagged(pdf: bytes) -> TaggedPdf:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info_text = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
        structure = subprocess.run(["pdfinfo", "-struct-text", handle.name], capture_output=True, text=True, check=True).stdout
    info = {}
    for line in info_text.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    lang = str(PdfReader(io.BytesIO(pdf)).trailer["/Root"].get("/Lang", ""))
    return TaggedPdf(info=info, structure=structure, lang=lang)


def figure_alternatives(pdf: bytes) -> list[str]:
    """The /Alt text of every Figure structure element (None shown as "")."""
    alts: list[str] = []

    def walk(element) -> None:
        element = element.get_object()
        if not hasattr(element, "get"):
            return
        if element.get("/S") == "/Figure":
            alts.append(str(element.get("/Alt", "")))
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return alts


def pdftotext(pdf: bytes) -> str:
    """The text as poppler reads it back, whitespace collapsed."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(out.replace("\u00a0", " ").replace("\u202f", " ").split())


def assert_tagged(pdf: bytes, *, title: str, h1: str | None = None, expect: tuple[str, ...] = ("P",)) -> TaggedPdf:
    """Tagged: yes, French, the title as PDF Title and first heading H1 (`h1` when it differs), the element types `expect` present,
    no heading level skipped, every table header a TH."""
    doc = tagged(pdf)
    assert doc.info.get("Tagged") == "yes", doc.info
    assert doc.lang == "fr"
    assert doc.info.get("Title") == title
    elements = doc.elements()
    assert elements[0] == "Document", elements[:5]
    for kind in expect:
        assert kind in elements, f"no {kind} in the structure tree"
    headings = doc.headings()
    assert headings and headings[0] == ("H1", h1 or title), headings[:3]
    levels = [int(level[1]) for level, _ in headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), f"a heading level is skipped: {headings}"
    if "Table" in elements:
        assert "TH" in elements, "a table without header cells"
    return doc
