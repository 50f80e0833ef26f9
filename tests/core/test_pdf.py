import io

import pytest
from pypdf import PdfReader

from core.pdf import render_pdf


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pdf_is_rendered_from_a_template_and_reads_back():
    pdf = render_pdf("pdf/test_document.html", {"titre": "Convention tripartite", "texte": "Montant : 1 000,00 €"})
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Convention tripartite" in text and "1 000,00 €" in text


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="file:///etc/passwd">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="file:///etc/hosts">',
    ],
)
def test_the_renderer_fetches_nothing_the_template_did_not_name(hostile, monkeypatch):
    import urllib.request

    def forbidden(*args, **kwargs):
        raise AssertionError("network or file access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", forbidden)
    pdf = render_pdf("pdf/test_document.html", {"titre": "Test", "texte": hostile})
    assert b"root:" not in pdf
