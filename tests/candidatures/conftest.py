"""Helpers for the applicant's questionnaire tests."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import valid_siret

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def pdf_upload(name: str = "statuts.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def exe_renamed_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, content_type="application/pdf")


def big_pdf(size: int = 20 * 1024 * 1024) -> SimpleUploadedFile:
    content = io.BytesIO(MINIMAL_PDF + b"0" * (size - len(MINIMAL_PDF)))
    return SimpleUploadedFile("gros.pdf", content.getvalue(), content_type="application/pdf")


def step_data(n: int = 1) -> dict[str, dict[str, str]]:
    return {
        "demandeur": {
            "prenom": "Alex",
            "nom": "Martin",
            "telephone": "",
            "statut_demandeur": "salarie",
            "fonction": "Chargée de développement",
            "presentation": "Je développe le pôle d’accompagnement d’artistes.",
        },
        "structure": {
            "raison_sociale": "Le Bocal sonore",
            "siret": valid_siret(500 + n),
            "forme_juridique": "association",
            "type_structure": "scene",
            "code_postal": "31000",
            "commune": "Toulouse",
            "departement": "31",
            "part_musiques_actuelles": "80",
            "employeuse": "oui",
            "nombre_salaries": "3",
            "tranche_budget": "lt50k",
            "site_web": "",
        },
        "situation": {"situation": "Une salle de 300 places ouverte en 2015."},
        "problematique": {"problematique": "Nous ne savons pas chercher du mécénat."},
        "objectifs": {"objectifs": "Écrire une stratégie de mécénat."},
        "besoins": {"besoins_precisions": "Mécénat et partenariats privés."},
        "personne_ressource": {"personne_ressource_pressentie": "", "personne_ressource_pressentie_texte": ""},
        "consentement": {"consentement_donnees": "on"},
    }


def step_url(candidature, etape: str) -> str:
    return reverse("candidatures:questionnaire", args=[candidature.pk, etape])


def fill_all_steps(client, candidature, n: int = 1) -> None:
    for etape, data in step_data(n).items():
        response = client.post(step_url(candidature, etape), {**data, "action": "suivant"})
        assert response.status_code == 302, (etape, response.content.decode()[:2000])


@pytest.fixture
def candidat_client(client, candidat):
    client.force_login(candidat)
    return client
