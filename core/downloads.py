"""Serving stored personal files: only through permission-checked views, always as attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from .antivirus import EN_ATTENTE, INFECTE
from .services import Journalisable, acces_journaliser

if TYPE_CHECKING:  # annotations only
    from django.db.models.fields.files import FieldFile


class DocumentAnalyse(Journalisable, Protocol):
    """An uploaded document with its antivirus status (candidatures' Piece); core names no app's model."""

    @property
    def scan(self) -> str: ...

    @property
    def nom_original(self) -> str: ...

    @property
    def type_mime(self) -> str: ...

    @property
    def fichier(self) -> FieldFile: ...


def attachment_response(field_file, *, filename: str, content_type: str = "application/octet-stream") -> FileResponse:
    """A download of `field_file` under `filename`; never rendered inline by the browser."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def scanned_document_response(request: HttpRequest, piece: DocumentAnalyse) -> HttpResponseBase:
    """Download of an uploaded document, unless the antivirus has not cleared it (core/antivirus.py).

    The download is written in the access log of personal data.
    """
    if piece.scan == EN_ATTENTE:
        message = _("Ce document est en cours d’analyse par l’antivirus. Réessayez dans quelques minutes.")
        return render(request, "core/fichier_indisponible.html", {"message": message}, status=409)
    if piece.scan == INFECTE:
        message = _("Ce document a été refusé par l’antivirus et supprimé. Il ne peut pas être téléchargé.")
        return render(request, "core/fichier_indisponible.html", {"message": message}, status=410)
    acces_journaliser(request=request, objet=piece, libelle=piece.nom_original)
    return attachment_response(piece.fichier, filename=piece.nom_original, content_type=piece.type_mime)
