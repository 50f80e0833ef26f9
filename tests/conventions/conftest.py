import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tests.factories import (
    AccompagnementFactory,
    IndicateurFactory,
    ObjectifFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    StructureFactory,
    UserFactory,
)


def pdf_text(content: bytes) -> str:
    """The PDF's text as one line: whitespace collapsed (cells wrap, extraction is not consistent about no-break spaces)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def read(field_file) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def parties(db):
    """An accompagnement whose grid is written (2 objectives), in the objectives stage, and its three signatories."""
    programme = ProgrammeFactory()
    mentor = PersonneRessourceFactory(
        prenom="Martine", nom="Mentor", structure=StructureFactory(raison_sociale="Le Bikini Productions")
    )
    accompagnement = AccompagnementFactory(
        etat="objectifs",
        candidature__programme=programme,
        candidature__structure=StructureFactory(raison_sociale="Association Ondes Courtes"),
        candidature__candidat__first_name="Bérénice",
        candidature__candidat__last_name="Bénéficiaire",
        demi_journees_prevues=3,
        mentors=[mentor],
    )
    o1 = ObjectifFactory(accompagnement=accompagnement, intitule="Construire une stratégie de mécénat", ordre=1)
    IndicateurFactory(objectif=o1, libelle="Dossiers de mécénat déposés", unite="dossiers", cible=Decimal("3"))
    o2 = ObjectifFactory(accompagnement=accompagnement, intitule="Structurer la billetterie en ligne", ordre=2)
    IndicateurFactory(
        objectif=o2,
        type_indicateur="qualitatif",
        libelle="Autonomie de l’équipe",
        unite="",
        cible=None,
        valeur_initiale=None,
        description="L’équipe paramètre seule un nouvel événement.",
    )
    coordinateur = UserFactory(first_name="Camille", last_name="Coordination", roles=["coordination"])
    return {
        "programme": programme,
        "accompagnement": accompagnement,
        "mentor": mentor.user,
        "beneficiaire": accompagnement.beneficiaire,
        "coordinateur": coordinateur,
        "objectifs": [o1, o2],
    }


@pytest.fixture
def convention_en_signature(parties, django_capture_on_commit_callbacks):
    """Both writers validated the grid: the convention is generated and open to signature."""
    from accompagnements.services import objectifs_valider

    acc = parties["accompagnement"]
    with django_capture_on_commit_callbacks(execute=True):
        objectifs_valider(accompagnement=acc, by=parties["mentor"])
        objectifs_valider(accompagnement=acc, by=parties["beneficiaire"])
    convention = acc.conventions.get()
    return convention
