"""Fixtures of the directory and matching tests: a selected file with diagnosed needs, mentors."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annuaire.models import Competence
from candidatures.models import Besoin, EntretienDiagnostic, Etat
from tests.factories import CandidatureFactory, PersonneRessourceFactory, StructureFactory


def dossier_retenu(programme, *, besoins=(), demi_journees=2, **kwargs):
    """A selected file (TSF, `demi_journees`) whose diagnostic recorded `besoins` [(competence, priority)]."""
    candidature = CandidatureFactory(
        programme=programme,
        etat=Etat.SELECTIONNEE,
        format_retenu=programme.formats.get(code="tsf"),
        demi_journees_retenues=demi_journees,
        **kwargs,
    )
    diagnostic = EntretienDiagnostic.objects.create(candidature=candidature, debut=timezone.now(), realise_le=timezone.now())
    for competence, priorite in besoins:
        Besoin.objects.create(diagnostic=diagnostic, competence=competence, priorite=priorite)
    return candidature


@pytest.fixture
def competences(db):
    return list(Competence.objects.order_by("pk")[:4])


@pytest.fixture
def dossier(programme, competences):
    return dossier_retenu(
        programme,
        besoins=[(competences[0], 3), (competences[1], 1)],
        structure=StructureFactory(departement="34", type_structure="festival", nombre_salaries=4),
    )


@pytest.fixture
def mentor_parfait(competences):
    return PersonneRessourceFactory(
        prenom="Parfaite",
        nom="Adéquation",
        competences=[(competences[0], 3), (competences[1], 3)],
        departement="34",
        mobilite="voisins",
        types_projets=["festival"],
        tailles_projets=["3-9"],
        disponibilite_demi_journees=10,
    )


@pytest.fixture
def mentor_moyen(competences):
    return PersonneRessourceFactory(
        prenom="Moyen",
        nom="Profil",
        competences=[(competences[1], 2)],
        departement="31",
        mobilite="departement",
        types_projets=["scene"],
        disponibilite_demi_journees=4,
    )


@pytest.fixture
def emails(db, monkeypatch):
    """E-mails queued with transaction.on_commit go out at once (the test's transaction never commits)."""
    from django.core import mail
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    return mail.outbox
