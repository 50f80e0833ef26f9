"""Checking uploaded files by content and size, and storing them under server-generated names.

Every upload field of the platform (application attachments, session records, committee
minutes, budget vouchers) goes through `check_upload`, so the rules are the same everywhere.
"""

from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .antivirus import EN_ATTENTE, NON_CONFIGURE

# What we accept: the detected content type and the extensions that may carry it.
ACCEPTED = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {".xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
    "application/vnd.oasis.opendocument.text": {".odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {".ods"},
    "application/vnd.oasis.opendocument.presentation": {".odp"},
    "application/msword": {".doc"},
    "application/vnd.ms-excel": {".xls"},
}
ACCEPTED_EXTENSIONS = sorted({ext for exts in ACCEPTED.values() for ext in exts})
ACCEPT_ATTRIBUTE = ",".join(ACCEPTED_EXTENSIONS)  # for <input type="file" accept="…">

OFFICE_MAX_UNCOMPRESSED = 100 * 1024 * 1024
OFFICE_MAX_ENTRIES = 2000
OFFICE_MAX_RATIO = 200
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Bidirectional and invisible control characters used to disguise file names (e.g. "fdp.exe" shown as "exe.pdf").
_BIDI_CONTROLS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    size: int
    sha256: str
    display_name: str

    def stored_file(self) -> ContentFile:
        """The content under a server-generated name: nothing of the user's name reaches the disk."""
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}{self.extension}")


def safe_display_name(name: str) -> str:
    """A name fit to show and to offer at download: no path, no control or bidi characters."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(c for c in name if c not in _BIDI_CONTROLS and unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".") or "document"
    return name[:200]


def _office_zip_problem(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if len(infos) > OFFICE_MAX_ENTRIES:
                return _("le document contient trop d’éléments")
            total = sum(info.file_size for info in infos)
            if total > OFFICE_MAX_UNCOMPRESSED or total > OFFICE_MAX_RATIO * max(len(content), 1):
                return _("le document décompressé serait anormalement volumineux (archive piégée)")
            names = {info.filename for info in infos}
            if not ({"[Content_Types].xml", "mimetype"} & names):
                return _("ce n’est pas un document bureautique")
    except (zipfile.BadZipFile, ValueError, NotImplementedError):
        return _("le document est endommagé")
    return None


def _png_has_trailing_data(content: bytes) -> bool:
    position = 8
    while position + 8 <= len(content):
        (length,) = struct.unpack(">I", content[position : position + 4])
        chunk_type = content[position + 4 : position + 8]
        position += 12 + length
        if chunk_type == b"IEND":
            return position < len(content)
    return True


def _detect(content: bytes) -> str | None:
    if content.startswith(OLE_MAGIC):
        return "ole"
    kind = filetype.guess(content)
    if kind is None:
        return None
    mime = kind.mime
    # Office documents are zip archives whatever filetype names them: check them as archives.
    if mime == "application/zip" or mime.startswith(("application/vnd.openxmlformats", "application/vnd.oasis")):
        return "zip"
    return mime


def check_upload(upload: IO[bytes], *, max_bytes: int | None = None) -> CheckedUpload:
    """Read and check an uploaded file; raise ValidationError with a French reason if refused."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    display_name = safe_display_name(getattr(upload, "name", "") or "document")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("« %(name)s » est trop volumineux (%(size)s) : la taille maximale est de %(max)s.")
            % {"name": display_name, "size": filesizeformat(size), "max": filesizeformat(max_bytes)},
            code="too_big",
        )
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ValidationError(
            _("« %(name)s » est trop volumineux : la taille maximale est de %(max)s.")
            % {"name": display_name, "max": filesizeformat(max_bytes)},
            code="too_big",
        )
    if not content:
        raise ValidationError(_("« %(name)s » est vide.") % {"name": display_name}, code="empty")

    extension = PurePath(display_name).suffix.lower()
    detected = _detect(content)
    refused = _(
        "« %(name)s » n’est pas accepté : %(reason)s. Formats acceptés : PDF, images (PNG, JPEG) et documents bureautiques (%(exts)s)."
    )
    exts = ", ".join(ACCEPTED_EXTENSIONS)

    if detected == "zip":
        problem = _office_zip_problem(content)
        if problem:
            raise ValidationError(refused % {"name": display_name, "reason": problem, "exts": exts}, code="bad_office")
        candidates = [mime for mime, allowed in ACCEPTED.items() if extension in allowed and mime.startswith("application/vnd.o")]
        if not candidates:
            raise ValidationError(
                refused % {"name": display_name, "reason": _("son extension ne correspond pas à son contenu"), "exts": exts},
                code="mismatch",
            )
        content_type = candidates[0]
    elif detected == "ole":
        candidates = [mime for mime in ("application/msword", "application/vnd.ms-excel") if extension in ACCEPTED[mime]]
        if not candidates:
            raise ValidationError(
                refused % {"name": display_name, "reason": _("son extension ne correspond pas à son contenu"), "exts": exts},
                code="mismatch",
            )
        content_type = candidates[0]
    elif detected in ACCEPTED:
        content_type = detected
        if extension not in ACCEPTED[content_type]:
            raise ValidationError(
                refused % {"name": display_name, "reason": _("son extension ne correspond pas à son contenu"), "exts": exts},
                code="mismatch",
            )
        if content_type == "image/png" and _png_has_trailing_data(content):
            raise ValidationError(
                refused % {"name": display_name, "reason": _("l’image contient des données cachées après sa fin"), "exts": exts},
                code="trailing",
            )
    else:
        raise ValidationError(
            refused % {"name": display_name, "reason": _("son contenu n’est pas d’un type autorisé"), "exts": exts}, code="type"
        )

    return CheckedUpload(
        content=content,
        content_type=content_type,
        extension=extension if extension in ACCEPTED[content_type] else sorted(ACCEPTED[content_type])[0],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        display_name=display_name,
    )


def initial_scan_status() -> str:
    """'en_attente' when an antivirus is configured (UPLOAD_SCANNER), else 'non_configure'."""
    return EN_ATTENTE if getattr(settings, "UPLOAD_SCANNER", "") else NON_CONFIGURE
