"""A corpus of hostile uploads, and one legitimate PDF under hostile names."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b"")
    )


def _zip_bomb(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, b"\0" * (30 * 1024 * 1024))  # 30 MB of zeros, ~30 KB compressed
    return buffer.getvalue()


@dataclass(frozen=True)
class Sample:
    label: str
    name: str
    content: bytes
    expect: str  # "refuse": must be refused; "store": a legitimate document, stored safely; "either"


@functools.cache
def corpus(max_bytes: int) -> list[Sample]:
    return [
        Sample("over the size limit", "gros.pdf", MINIMAL_PDF + b"0" * max_bytes, expect="refuse"),
        Sample("HTML renamed .pdf", "facture.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", expect="refuse"),
        Sample("PHP renamed .pdf", "devis.pdf", b"<?php system($_GET['c']); ?>", expect="refuse"),
        Sample("Windows executable renamed .pdf", "statuts.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, expect="refuse"),
        Sample("PNG followed by HTML", "logo.png", _png() + b"<html><script>alert(1)</script></html>", expect="refuse"),
        Sample("zip bomb as .docx", "projet.docx", _zip_bomb("word/document.xml"), expect="refuse"),
        Sample("zip bomb as .xlsx", "budget.xlsx", _zip_bomb("xl/workbook.xml"), expect="refuse"),
        Sample("empty file", "vide.pdf", b"", expect="refuse"),
        Sample("../ path in the name", "../../../../etc/cron.d/statuts.pdf", MINIMAL_PDF, expect="store"),
        # Shown as "facturexe.pdf", really "facture…fdp.exe": refused (extension) or stored without the control character.
        Sample("right-to-left override in the name", "facture\u202efdp.exe", MINIMAL_PDF, expect="either"),
        Sample("right-to-left override, .pdf at the end", "rapport\u202egnp.pdf", MINIMAL_PDF, expect="store"),
        Sample("legitimate PDF", "statuts.pdf", MINIMAL_PDF, expect="store"),
    ]
