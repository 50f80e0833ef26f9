"""The programme's clauses make the convention's articles; a signed convention keeps the version it was signed with."""

import pytest

from accompagnements.services import objectifs_valider
from core.exceptions import RuleViolation
from programmes.services import clauses_enregistrer
from tests.conventions.conftest import pdf_text, read
from tests.conventions.test_signatures import sign_all

ARTICLES_V1 = [
    ("Objet de la charte", "Le programme {{ programme.nom }} accompagne les structures culturelles de Toulouse."),
    ("Durée", "[calendrier]"),
    ("Objectifs", "Les objectifs suivants ont été validés.\n[objectifs]"),
    ("Signature", "### Engagements\n- venir aux ateliers ;\n- répondre aux évaluations.\n[signatures]"),
]


def test_a_signed_convention_keeps_the_clauses_it_was_signed_with(client, parties, django_capture_on_commit_callbacks):
    programme = parties["programme"]
    v1 = clauses_enregistrer(programme=programme, articles=ARTICLES_V1, par=parties["coordinateur"])
    acc = parties["accompagnement"]
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    convention = acc.conventions.get()
    assert convention.clauses == v1
    text = pdf_text(read(convention.pdf))
    assert f"Article 1 – Objet de la charte Le programme {programme.nom} accompagne les structures culturelles" in text
    assert "Article 3 – Objectifs" in text and "Construire une stratégie de mécénat" in text
    assert "venir aux ateliers" in text and "Article 5" not in text

    convention = sign_all(client, convention, parties, django_capture_on_commit_callbacks)
    assert convention.est_signee
    v2 = clauses_enregistrer(
        programme=programme, articles=[("Objet", "Un tout autre texte."), *ARTICLES_V1[1:]], par=parties["coordinateur"]
    )
    assert v2.version == 2
    convention.refresh_from_db()
    assert convention.clauses_id == v1.pk
    assert "Un tout autre texte" not in pdf_text(read(convention.pdf))
    assert "accompagne les structures culturelles" in pdf_text(read(convention.pdf_final))
    convention.clauses = v2
    with pytest.raises(RuleViolation):
        convention.save()


def test_a_programme_without_clauses_gets_todays_text_as_version_1(parties, convention_en_signature):
    convention = convention_en_signature
    assert convention.clauses.version == 1 and convention.clauses.programme == parties["programme"]
    text = pdf_text(read(convention.pdf))
    assert "Article 5 – Engagements des parties" in text and "Article 8 – Signature" in text
    assert f"dans les {parties['programme'].delai_compte_rendu_jours} jours qui la suivent" in text
