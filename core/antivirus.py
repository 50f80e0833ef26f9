"""The antivirus hook for uploaded documents.

`UPLOAD_SCANNER` names a function `scan(content: bytes, *, name: str) -> str` that answers
`"sain"` or `"infecte"` and raises when it cannot tell (the job is then retried later). With a
scanner configured, a new document stays "en attente" (nobody can download it) until the
background job `piece_analyser` has scanned it; without one, documents are marked
"non_configure" and served as before.

`clamd_scan` speaks ClamAV's daemon protocol (INSTREAM) on `CLAMD_ADDRESS`:
`unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

# Values of the `scan` field of uploaded documents (candidatures.models.ScanStatus).
EN_ATTENTE, NON_CONFIGURE, SAIN, INFECTE = "en_attente", "non_configure", "sain", "infecte"
CHUNK = 64 * 1024


class ScanImpossible(RuntimeError):
    """The scanner could not give a verdict (daemon down, file too big for it…): try again later."""


def configured_scanner() -> Callable[..., str] | None:
    path = getattr(settings, "UPLOAD_SCANNER", "")
    return import_string(path) if path else None


def _connect(address: str, timeout: float) -> socket.socket:
    kind, _sep, where = address.partition(":")
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(where)
        return sock
    if kind == "tcp":
        host, _sep, port = where.rpartition(":")
        return socket.create_connection((host, int(port)), timeout=timeout)
    raise ScanImpossible(f"CLAMD_ADDRESS must start with unix: or tcp:, not {address!r}")


def clamd_scan(content: bytes, *, name: str = "", address: str | None = None, timeout: float = 30.0) -> str:
    """Send `content` to clamd with INSTREAM; "sain" on `OK`, "infecte" on `FOUND`, else ScanImpossible."""
    address = address or str(getattr(settings, "CLAMD_ADDRESS", "unix:/run/clamav/clamd.ctl"))
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                received = sock.recv(4096)
                if not received:
                    break
                answer += received
    except OSError as error:
        raise ScanImpossible(f"clamd unreachable at {address}: {error}") from error
    text = answer.rstrip(b"\0").decode(errors="replace").strip()
    if text.endswith("OK"):
        return SAIN
    if text.endswith("FOUND"):
        return INFECTE
    raise ScanImpossible(f"clamd answered {text!r} for {name or 'a document'}")
