import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import check_upload, safe_display_name

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000D49444154789C6360000002000154A24F5D0000000049454E44AE426082"
)


def office(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_real_pdf_is_accepted_with_a_generated_name():
    checked = check_upload(upload("statuts.pdf", PDF))
    assert checked.content_type == "application/pdf"
    stored = checked.stored_file()
    assert stored.name.endswith(".pdf") and "statuts" not in stored.name


def test_a_docx_is_accepted():
    content = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert check_upload(upload("budget.docx", content)).extension == ".docx"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("programme.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "contenu"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "contenu"),
        ("script.pdf", b"<?php echo 1; ?>", "contenu"),
        ("vide.pdf", b"", "vide"),
        ("photo.pdf", PNG, "extension"),
        ("image.png", PNG + b"<html><script>alert(1)</script></html>", "cachées"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(name, content, reason):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content))
    assert reason in refused.value.messages[0]


def test_a_file_over_the_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="trop volumineux"):
        check_upload(upload("gros.pdf", PDF + b"0" * 2048))


def test_a_zip_bomb_disguised_as_xlsx_is_refused():
    bomb = office({"[Content_Types].xml": b"<Types/>", "xl/sheet.xml": b"0" * (120 * 1024 * 1024)})
    with pytest.raises(ValidationError, match="anormalement volumineux"):
        check_upload(upload("tableau.xlsx", bomb))


def test_names_lose_paths_and_bidi_tricks():
    assert safe_display_name("../../etc/passwd") == "passwd"
    assert safe_display_name("facture\u202efdp.exe") == "facturefdp.exe"
    assert safe_display_name("C:\\Users\\x\\doc.pdf") == "doc.pdf"
