"""The antivirus hook: with a scanner configured, a document is unavailable until it has been scanned."""

from __future__ import annotations

import socket
import struct
import threading

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidatures.models import Candidature, PieceJointe
from core import antivirus
from core.models import TacheDifferee

from .conftest import MINIMAL_PDF, pdf_upload, step_url

pytestmark = pytest.mark.django_db
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
calls: list[str] = []


def eicar_scanner(content: bytes, *, name: str) -> str:
    """A scanner for the tests: the EICAR test string is what every antivirus flags."""
    calls.append(name)
    return antivirus.INFECTE if EICAR in content else antivirus.SAIN


def unavailable_scanner(content: bytes, *, name: str) -> str:
    raise antivirus.ScanImpossible("clamd unreachable")


@pytest.fixture
def brouillon(candidat_client, candidat, programme, settings):
    settings.UPLOAD_SCANNER = "tests.candidatures.test_antivirus.eicar_scanner"
    calls.clear()
    candidat_client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    return Candidature.objects.get(candidat=candidat)


def upload(client, candidature, fichier):
    return client.post(step_url(candidature, "pieces"), {"type_piece": "statuts", "fichier": fichier, "action": "ajouter"})


def download(client, piece):
    return client.get(reverse("candidatures:piece_telecharger", args=[piece.candidature_id, piece.pk]))


def test_a_document_waits_for_the_scan_then_can_be_downloaded(candidat_client, brouillon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(candidat_client, brouillon, pdf_upload())
    piece = PieceJointe.objects.get()
    assert piece.scan == "en_attente"
    page = candidat_client.get(step_url(brouillon, "pieces")).content.decode()
    assert "analyse antivirus en cours" in page
    response = download(candidat_client, piece)
    assert response.status_code == 409 and "en cours d’analyse par l’antivirus" in response.content.decode()

    for callback in callbacks:  # the commit: the job goes to the worker (eager here)
        callback()
    piece.refresh_from_db()
    assert piece.scan == "sain" and calls == ["statuts.pdf"]
    response = download(candidat_client, piece)
    assert response.status_code == 200 and b"".join(response.streaming_content) == MINIMAL_PDF


def test_an_infected_document_is_deleted_and_the_applicant_told(
    candidat_client, brouillon, coordinateur, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(candidat_client, brouillon, SimpleUploadedFile("facture.pdf", MINIMAL_PDF + EICAR))
    piece = PieceJointe.objects.get()
    assert piece.scan == "infecte"
    assert not default_storage.exists(piece.fichier.name)
    (email,) = [m for m in mail.outbox if "n’a pas pu être accepté" in m.subject]
    assert email.to == [brouillon.candidat.email] and "facture.pdf" in email.body
    assert "refusé par l’antivirus" in candidat_client.get(step_url(brouillon, "pieces")).content.decode()
    assert download(candidat_client, piece).status_code == 410
    event = brouillon.evenements.filter(details__antivirus="infecte").get()
    assert "refusé par l’antivirus" in event.reason


def test_when_the_scanner_cannot_answer_the_document_stays_unavailable_and_the_scan_is_retried(
    candidat_client, brouillon, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_SCANNER = "tests.candidatures.test_antivirus.unavailable_scanner"
    with django_capture_on_commit_callbacks(execute=True):
        upload(candidat_client, brouillon, pdf_upload())
    piece = PieceJointe.objects.get()
    assert piece.scan == "en_attente" and download(candidat_client, piece).status_code == 409
    job = TacheDifferee.objects.get(tache="piece_analyser")
    assert job.etat == TacheDifferee.Etat.EN_ATTENTE and "clamd unreachable" in job.derniere_erreur


def test_without_a_scanner_documents_are_served_at_once(candidat_client, candidat, programme, settings):
    settings.UPLOAD_SCANNER = ""
    candidat_client.post(reverse("candidatures:deposer"), {"programme": programme.pk})
    candidature = Candidature.objects.get(candidat=candidat)
    upload(candidat_client, candidature, pdf_upload())
    piece = PieceJointe.objects.get()
    assert piece.scan == "non_configure" and download(candidat_client, piece).status_code == 200
    assert not TacheDifferee.objects.filter(tache="piece_analyser").exists()


# --- The ClamAV adapter, against a server speaking clamd's INSTREAM protocol -------------------


@pytest.fixture
def clamd_like():
    """A TCP server answering as clamd does: "stream: OK", "stream: <name> FOUND" or an error."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def serve():
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.startswith(b"zINSTREAM\0") or not data.endswith(struct.pack("!L", 0)):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                payload, rest = b"", data[len(b"zINSTREAM\0") :]
                while len(rest) >= 4:
                    (size,) = struct.unpack("!L", rest[:4])
                    if size == 0:
                        break
                    payload, rest = payload + rest[4 : 4 + size], rest[4 + size :]
                received.append(payload)
                if b"ERREUR" in payload:
                    conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                elif EICAR in payload:
                    conn.sendall(b"stream: Win.Test.EICAR_HDB-1 FOUND\0")
                else:
                    conn.sendall(b"stream: OK\0")

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp:127.0.0.1:{server.getsockname()[1]}", received
    server.close()


def test_clamd_adapter_sends_the_whole_file_and_reads_the_verdict(clamd_like):
    address, received = clamd_like
    big = MINIMAL_PDF + b"0" * (3 * antivirus.CHUNK)  # several chunks
    assert antivirus.clamd_scan(big, address=address) == "sain"
    assert received[-1] == big
    assert antivirus.clamd_scan(MINIMAL_PDF + EICAR, address=address) == "infecte"
    with pytest.raises(antivirus.ScanImpossible):
        antivirus.clamd_scan(b"ERREUR", address=address)


def test_clamd_adapter_says_when_the_daemon_is_down():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(antivirus.ScanImpossible, match="unreachable"):
        antivirus.clamd_scan(MINIMAL_PDF, address=f"tcp:127.0.0.1:{port}", timeout=2)
