import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from budget.models import Engagement, Enveloppe
from conventions import services
from conventions.models import Convention, EtatConvention, Partie, Signature
from conventions.selectors import conventions_en_attente_de_signature, signataires_attendus
from core.exceptions import PermissionRefused, RuleViolation
from tests.conventions.conftest import pdf_text, read
from tests.factories import UserFactory
from tests.tagged_pdf import assert_tagged, pdftotext


def sign(client, convention, user, *, ip="203.0.113.7"):
    client.force_login(user)
    return client.post(
        reverse("conventions:signer", args=[convention.pk]),
        {"accepte": "on", "sha256_document": convention.pdf_sha256},
        REMOTE_ADDR=ip,
    )


def sign_all(client, convention, parties, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for who in ("mentor", "beneficiaire", "coordinateur"):
            assert sign(client, convention, parties[who]).status_code == 302
    convention.refresh_from_db()
    return convention


def test_three_signatures_freeze_the_convention_commit_the_amount_and_start_the_accompagnement(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    convention = convention_en_signature
    convention.refresh_from_db()
    mail.outbox.clear()
    convention = sign_all(client, convention, parties, django_capture_on_commit_callbacks)
    assert convention.etat == EtatConvention.SIGNEE and convention.signee_le
    signatures = {s.partie: s for s in convention.signatures.all()}
    assert set(signatures) == {Partie.STRUCTURE_PILOTE, Partie.PERSONNE_RESSOURCE, Partie.BENEFICIAIRE}
    mentor_signature = signatures[Partie.PERSONNE_RESSOURCE]
    assert mentor_signature.signataire == parties["mentor"]
    assert mentor_signature.adresse_ip == "203.0.113.7"
    assert mentor_signature.sha256_document == convention.pdf_sha256 == hashlib.sha256(read(convention.pdf)).hexdigest()
    engagement = Engagement.objects.get(convention=convention)
    assert engagement.montant == Decimal("750.00")
    assert Enveloppe.objects.get(programme=parties["programme"]).engage == Decimal("750.00")
    accompagnement = convention.accompagnement
    accompagnement.refresh_from_db()
    assert accompagnement.etat == "en_cours"
    # The final PDF: the signed pages stamped with the fingerprint, plus the certification page.
    final = read(convention.pdf_final)
    assert hashlib.sha256(final).hexdigest() == convention.pdf_final_sha256
    reader = PdfReader(io.BytesIO(final))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(read(convention.pdf))).pages) + 1
    last_page = " ".join(reader.pages[-1].extract_text().split())
    assert "Certificat de signature" in last_page and convention.pdf_sha256 in last_page
    assert parties["mentor"].display_name in last_page and "Camille Coordination" in last_page
    assert convention.pdf_sha256 in reader.pages[0].extract_text()
    assert "Martine Mentor" in pdf_text(final)
    assert any("signée par les trois parties" in m.subject for m in mail.outbox)


def test_the_signed_pdf_stays_tagged_with_its_certificate_in_the_structure_and_the_stamp_an_artifact(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    convention = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    final = read(convention.pdf_final)
    doc = assert_tagged(
        final,
        title=f"Convention {convention.reference} – signée",
        h1="Convention tripartite de transfert de savoir-faire",
        expect=("H1", "H2", "Table", "TH"),
    )
    # The certificate's heading and its table of signatures are in the one structure tree, after the convention's.
    headings = doc.headings()
    assert ("H1", "Certificat de signature") in headings
    assert headings.index(("H1", "Certificat de signature")) > headings.index(("H2", "Article 8 – Signature"))
    assert '"Camille Coordination"' in doc.structure.split("Certificat de signature", 1)[1]
    # The fingerprint stamped on every page is an artifact: read back, not in the structure tree.
    assert convention.pdf_sha256 in pdftotext(final).split("Certificat de signature")[0]
    assert "Signé par les trois parties" not in doc.structure
    # Every page, the certificate's included, maps its marked content into the structure tree.
    reader = PdfReader(io.BytesIO(final))
    assert all(page.get("/StructParents") is not None for page in reader.pages)
    assert all(b"/Artifact BMC" in page.get_contents().get_data() for page in reader.pages[:-1])


def test_a_signature_is_of_the_exact_pdf_shown(client, convention_en_signature, parties):
    convention = convention_en_signature
    client.force_login(parties["beneficiaire"])
    response = client.post(reverse("conventions:signer", args=[convention.pk]), {"accepte": "on", "sha256_document": "0" * 64})
    assert response.status_code == 200
    assert "Le document a changé depuis que vous l’avez ouvert" in response.content.decode()
    assert not Signature.objects.exists()


def test_the_checkbox_is_required(client, convention_en_signature, parties):
    client.force_login(parties["beneficiaire"])
    response = client.post(
        reverse("conventions:signer", args=[convention_en_signature.pk]), {"sha256_document": convention_en_signature.pdf_sha256}
    )
    assert response.status_code == 200
    assert "Cochez la case" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_party_signs_once(convention_en_signature, parties):
    services.convention_sign(
        convention=convention_en_signature,
        by=parties["mentor"],
        adresse_ip="127.0.0.1",
        sha256_document=convention_en_signature.pdf_sha256,
    )
    with pytest.raises(RuleViolation, match="déjà signé"):
        services.convention_sign(
            convention=convention_en_signature,
            by=parties["mentor"],
            adresse_ip=None,
            sha256_document=convention_en_signature.pdf_sha256,
        )
    with pytest.raises(PermissionRefused):
        services.convention_sign(
            convention=convention_en_signature,
            by=UserFactory(),
            adresse_ip=None,
            sha256_document=convention_en_signature.pdf_sha256,
        )


def test_a_tampered_file_cannot_be_signed_and_the_integrity_check_says_so(client, convention_en_signature, parties):
    convention = convention_en_signature
    client.force_login(parties["beneficiaire"])
    url = reverse("conventions:integrite", args=[convention.pk])
    assert "Conforme" in client.get(url).content.decode()
    with convention.pdf.storage.open(convention.pdf.name, "wb") as handle:
        handle.write(b"%PDF-1.7 falsified")
    assert "Non conforme" in client.get(url).content.decode()
    with pytest.raises(RuleViolation, match="empreinte"):
        services.convention_sign(
            convention=convention, by=parties["mentor"], adresse_ip=None, sha256_document=convention.pdf_sha256
        )


def test_the_final_pdf_integrity_is_checked_against_its_own_fingerprint(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    convention = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    response = client.get(reverse("conventions:integrite", args=[convention.pk]))
    html = response.content.decode()
    assert "Conforme : le document signé" in html and convention.pdf_final_sha256 in html
    download = client.get(reverse("conventions:document_signe", args=[convention.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == convention.pdf_final_sha256


def test_an_envelope_that_cannot_carry_the_amount_leaves_the_last_party_unsigned_and_says_why(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    convention = convention_en_signature
    Enveloppe.objects.filter(programme=parties["programme"]).update(montant=Decimal("500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        sign(client, convention, parties["mentor"])
        sign(client, convention, parties["beneficiaire"])
        response = sign(client, convention, parties["coordinateur"])
    assert response.status_code == 200
    assert "L’enveloppe ne peut pas porter cet engagement de 750,00" in response.content.decode()
    convention.refresh_from_db()
    assert convention.etat == EtatConvention.EN_SIGNATURE
    assert not convention.signatures.filter(partie=Partie.STRUCTURE_PILOTE).exists()
    assert convention.signatures.count() == 2
    assert not Engagement.objects.exists()
    convention.accompagnement.refresh_from_db()
    assert convention.accompagnement.etat == "convention"


def test_a_signed_convention_cannot_be_changed_or_deleted(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    convention = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    stored = Convention.objects.get(pk=convention.pk)
    stored.demi_journees = 8
    with pytest.raises(RuleViolation):
        stored.save()
    stored = Convention.objects.get(pk=convention.pk)
    stored.pdf_final_sha256 = "0" * 64
    with pytest.raises(RuleViolation):
        stored.save()
    with pytest.raises(RuleViolation):
        Convention.objects.get(pk=convention.pk).delete()
    # No view changes it either: regenerate, sign again, upload a scan.
    client.force_login(parties["coordinateur"])
    before = Convention.objects.values().get(pk=convention.pk)
    client.post(reverse("conventions:generer", args=[convention.accompagnement_id]))
    client.post(reverse("conventions:signer", args=[convention.pk]), {"accepte": "on", "sha256_document": convention.pdf_sha256})
    scan = SimpleUploadedFile(
        "scan.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="application/pdf"
    )
    client.post(reverse("conventions:scan", args=[convention.pk]), {"fichier": scan})
    assert Convention.objects.values().get(pk=convention.pk) == before
    assert Convention.objects.filter(accompagnement=convention.accompagnement).count() == 1


def test_an_avenant_is_a_new_version_and_commits_the_difference(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    v1 = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    client.force_login(parties["coordinateur"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("conventions:avenant", args=[v1.pk]),
            {"demi_journees": "4", "motif": "Une demi-journée de plus pour le bilan."},
        )
    assert response.status_code == 302
    v2 = Convention.objects.get(remplace=v1)
    assert v2.version == 2 and v2.demi_journees == 4 and v2.montant == Decimal("1000.00")
    assert v2.etat == EtatConvention.EN_SIGNATURE
    assert "Une demi-journée de plus pour le bilan." in pdf_text(read(v2.pdf))
    v1.refresh_from_db()
    assert v1.etat == EtatConvention.SIGNEE  # still in force until the avenant is signed
    sign_all(client, v2, parties, django_capture_on_commit_callbacks)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.etat == EtatConvention.REMPLACEE and v2.etat == EtatConvention.SIGNEE
    assert Engagement.objects.get(convention=v2).montant == Decimal("250.00")
    assert Enveloppe.objects.get(programme=parties["programme"]).engage == Decimal("1000.00")
    v2.accompagnement.refresh_from_db()
    assert v2.accompagnement.demi_journees_prevues == 4
    # The old version stays readable.
    client.force_login(parties["beneficiaire"])
    assert client.get(reverse("conventions:document_signe", args=[v1.pk])).status_code == 200
    page = client.get(reverse("accompagnements:detail", args=[v1.accompagnement_id])).content.decode()
    assert v1.reference in page and "Remplacée par un avenant" in page


def test_an_avenant_cannot_exceed_the_format_limit(client, convention_en_signature, parties, django_capture_on_commit_callbacks):
    v1 = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    client.force_login(parties["coordinateur"])
    response = client.post(reverse("conventions:avenant", args=[v1.pk]), {"demi_journees": "9", "motif": "Plus"})
    assert response.status_code == 200 and "Limite dépassée" in response.content.decode()
    assert not Convention.objects.filter(remplace=v1).exists()


def test_a_paper_scan_completes_the_signature(client, convention_en_signature, parties):
    convention = convention_en_signature
    client.force_login(parties["coordinateur"])
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, content_type="image/png")
    response = client.post(reverse("conventions:scan", args=[convention.pk]), {"fichier": png})
    assert response.status_code == 200 and "PDF" in response.content.decode()
    content = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        reverse("conventions:scan", args=[convention.pk]), {"fichier": SimpleUploadedFile("scan.pdf", content)}
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.etat == EtatConvention.SIGNEE and convention.scan_papier
    assert read(convention.pdf_final) == content
    assert convention.pdf_final_sha256 == hashlib.sha256(content).hexdigest()
    assert Engagement.objects.get(convention=convention).montant == Decimal("750.00")


def test_access_other_users_get_404_wrong_role_403_anonymous_login(client, convention_en_signature, parties):
    convention = convention_en_signature
    pk = convention.pk
    urls = [
        reverse("conventions:signer", args=[pk]),
        reverse("conventions:document", args=[pk]),
        reverse("conventions:document_signe", args=[pk]),
        reverse("conventions:integrite", args=[pk]),
        reverse("conventions:scan", args=[pk]),
        reverse("conventions:avenant", args=[pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    for outsider in (
        UserFactory(roles=["candidat"]),
        UserFactory(roles=["comite_technique"]),
        UserFactory(roles=["personne_ressource"]),
    ):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("conventions:generer", args=[convention.accompagnement_id])).status_code == 404
    for party in ("mentor", "beneficiaire"):
        client.force_login(parties[party])
        assert client.get(reverse("conventions:scan", args=[pk])).status_code == 403
        assert client.get(reverse("conventions:avenant", args=[pk])).status_code == 403
        assert client.post(reverse("conventions:generer", args=[convention.accompagnement_id])).status_code == 403
        assert client.get(reverse("conventions:document", args=[pk])).status_code == 200


def test_the_space_lists_conventions_waiting_for_my_signature(client, convention_en_signature, parties):
    client.force_login(parties["beneficiaire"])
    assert convention_en_signature.reference in client.get(reverse("accounts:home")).content.decode()
    sign(client, convention_en_signature, parties["beneficiaire"])
    assert convention_en_signature.reference not in client.get(reverse("accounts:home")).content.decode()
    client.force_login(parties["coordinateur"])
    assert convention_en_signature.reference in client.get(reverse("accounts:home")).content.decode()


def test_reminders_find_conventions_waiting_for_a_signature(convention_en_signature, parties):
    import datetime

    from django.utils import timezone

    services.convention_sign(
        convention=convention_en_signature,
        by=parties["mentor"],
        adresse_ip=None,
        sha256_document=convention_en_signature.pdf_sha256,
    )
    assert conventions_en_attente_de_signature(older_than_days=3) == []
    later = timezone.now() + datetime.timedelta(days=4)
    [(convention, manquantes)] = conventions_en_attente_de_signature(older_than_days=3, now=later)
    assert convention == convention_en_signature
    assert manquantes == [Partie.STRUCTURE_PILOTE, Partie.BENEFICIAIRE]
    assert signataires_attendus(convention, Partie.BENEFICIAIRE) == [parties["beneficiaire"]]
    assert parties["coordinateur"] in signataires_attendus(convention, Partie.STRUCTURE_PILOTE)


def test_a_version_someone_signed_is_never_rendered_again(convention_en_signature, parties):
    convention = convention_en_signature
    services.convention_sign(convention=convention, by=parties["mentor"], adresse_ip=None, sha256_document=convention.pdf_sha256)
    before = read(convention.pdf)
    services.convention_render_pdf(convention_id=convention.pk)
    convention.refresh_from_db()
    assert read(convention.pdf) == before
    with pytest.raises(RuleViolation, match="déjà été signée"):
        services.convention_generer(accompagnement=convention.accompagnement, by=parties["coordinateur"])
