import http.server
import io
import threading
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from core import pdf as pdf_module
from core.pdf import render_pdf
from tests.tagged_pdf import assert_tagged, pdftotext


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pdf_is_rendered_from_a_template_and_reads_back():
    pdf = render_pdf("pdf/test_document.html", {"titre": "Convention tripartite", "texte": "Montant : 1 000,00 €"})
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Convention tripartite" in text and "1 000,00 €" in text


def test_every_pdf_is_tagged_in_french_with_its_title_headings_and_table_headers():
    table = "<table><thead><tr><th>Poste</th><th>Montant</th></tr></thead><tbody><tr><td>Frais</td><td>12,00 €</td></tr></tbody></table>"
    pdf = render_pdf("pdf/test_document.html", {"titre": "Section", "texte": table})
    doc = assert_tagged(pdf, title="Document de test", expect=("H1", "H2", "P", "Table", "THead", "TH", "TD"))
    assert doc.headings() == [("H1", "Document de test"), ("H2", "Section")]
    assert "/Headers" in doc.structure  # each data cell names its column header
    assert "Frais 12,00 €" in pdftotext(pdf)


def test_the_logo_has_a_text_alternative(settings, caplog):
    settings.TSF_PILOT = {**settings.TSF_PILOT, "logo": "img/logo-pilote.svg"}
    render_pdf("pdf/test_document.html", {"titre": "Test", "texte": "x"})
    assert not [r for r in caplog.records if "alt description" in r.getMessage()]


@pytest.fixture
def listening_server():
    """A real HTTP server on the machine: the PDF renderer must never reach it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_the_renderer_fetches_nothing_the_template_did_not_name(listening_server, monkeypatch, figure):
    base, hits = listening_server
    hostile = [
        '<img src="file:///etc/passwd">',
        f'<img src="{base}/x.png">',
        f'<link rel="stylesheet" href="{base}/style.css">',
        '<link rel="stylesheet" href="file:///etc/hosts">',
        '<img src="/static/../../../../etc/passwd">',
        f'<div style="background: url({base}/fond.png)">x</div>',
    ]
    asked: list[tuple[str, str]] = []
    real = pdf_module.static_only_fetcher

    def recording(url, *args, **kwargs):
        try:
            response = real(url, *args, **kwargs)
        except pdf_module.BlockedFetch:
            asked.append((url, "refused"))
            raise
        asked.append((url, "served"))
        return response

    monkeypatch.setattr(pdf_module, "static_only_fetcher", recording)
    pdf = render_pdf("pdf/test_document.html", {"titre": "Test", "texte": "".join(hostile)})
    assert pdf.startswith(b"%PDF") and b"root:" not in pdf and b"localhost" not in pdf
    assert hits == [], "the renderer reached a server the template did not name"
    served = [url for url, outcome in asked if outcome == "served"]
    assert all(urlparse(url).path.startswith("/static/") and ".." not in url for url in served)
    refused = [url for url, outcome in asked if outcome == "refused"]
    assert any("passwd" in url for url in refused) and any(base in url for url in refused)
    figure(
        f"{len(hostile)} hostile references in a PDF field: {len(hits)} requests reached a server, {len(refused)} fetches refused"
    )
