"""Serving stored personal files: only through permission-checked views, always as attachments."""

from __future__ import annotations

from django.http import FileResponse, Http404


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
