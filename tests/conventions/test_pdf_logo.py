"""The pilot's uploaded logo heads its programme's PDFs (issue 16): the renderer reads that one upload through
the storage, no other upload and no network."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from core import pdf as pdf_module
from core.pdf import render_pdf
from tests.conventions.conftest import read
from tests.security.hostile_corpus import _png


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _generate(parties, django_capture_on_commit_callbacks) -> bytes:
    from accompagnements.services import objectifs_valider

    acc = parties["accompagnement"]
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    return read(acc.conventions.get().pdf)


def test_the_convention_carries_its_pilots_uploaded_logo(parties, media, django_capture_on_commit_callbacks):
    pilote = parties["programme"].pilote
    pilote.logo.save("logo.png", ContentFile(_png()))
    pdf = _generate(parties, django_capture_on_commit_callbacks)
    assert _images(pdf) >= 1


def test_a_convention_whose_pilot_has_no_logo_embeds_no_image(parties, media, django_capture_on_commit_callbacks):
    assert not parties["programme"].pilote.logo
    assert _images(_generate(parties, django_capture_on_commit_callbacks)) == 0


def test_the_budget_report_and_the_receipt_carry_the_pilots_logo(parties, media):
    from budget.documents import rapport_pdf
    from candidatures.services.questionnaire import candidature_receipt_generate

    programme = parties["programme"]
    assert _images(rapport_pdf(programme=programme)) == 0
    programme.pilote.logo.save("logo.png", ContentFile(_png()))
    programme.refresh_from_db()
    assert _images(rapport_pdf(programme=programme)) >= 1
    candidature = candidature_receipt_generate(candidature=parties["accompagnement"].candidature)
    assert _images(read(candidature.recu_pdf)) >= 1


def test_no_other_upload_is_embedded_even_when_a_field_names_it(parties, media, monkeypatch):
    """A /media/ path typed into a field is refused: only the document's own pilot logo is served."""
    from django.core.files.storage import default_storage

    secret = default_storage.save("candidatures/1/piece.png", ContentFile(_png()))
    pilote = parties["programme"].pilote
    pilote.logo.save("logo.png", ContentFile(_png()))
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
    hostile = f'<img src="/media-non-public/{secret}"><img src="/media-non-public/pilotes/../{secret}">'
    # A document of no programme: the instance's pilot, no uploaded logo allowed, not even this one.
    pdf = render_pdf(
        "pdf/test_document.html", {"titre": "Test", "texte": hostile + f'<img src="/media-non-public/{pilote.logo.name}">'}
    )
    assert _images(pdf) == 0
    outcomes = [outcome for url, outcome in asked if "/media-non-public/" in url]
    assert outcomes and set(outcomes) == {"refused"}
    # The programme's document: its logo is served, the other upload still refused.
    asked.clear()
    pdf = render_pdf("pdf/test_document.html", {"titre": "Test", "texte": hostile, "programme": parties["programme"]})
    assert _images(pdf) == 1
    media_asked = {url.rsplit("/media-non-public/", 1)[1]: outcome for url, outcome in asked if "/media-non-public/" in url}
    assert media_asked[pilote.logo.name] == "served" and media_asked[secret] == "refused"
