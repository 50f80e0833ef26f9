"""Helpers shared by the coordination desk tests (no fixtures here: tests/conftest.py stays untouched)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from candidatures import services
from candidatures.models import Etat, Modalite
from tests.factories import CandidatureFactory, CompetenceFactory, ProgrammeFactory


def soumise(programme, **kwargs):
    return CandidatureFactory(programme=programme, etat=Etat.SOUMISE, **kwargs)


def planifiee(programme, coordinateur, **kwargs):
    candidature = CandidatureFactory(programme=programme, etat=Etat.RECEVABLE, **kwargs)
    services.entretien_diagnostic_schedule(
        candidature=candidature,
        by=coordinateur,
        debut=timezone.now() + datetime.timedelta(days=3),
        modalite=Modalite.PRESENTIEL,
        lieu="Le Bikini, Ramonville",
    )
    return candidature


def diagnostiquee(programme, coordinateur, *, demi_journees=3, **kwargs):
    candidature = planifiee(programme, coordinateur, **kwargs)
    services.entretien_diagnostic_record(
        candidature=candidature,
        by=coordinateur,
        besoins=[(competence(), 3, "Stratégie de mécénat")],
        format_recommande=ProgrammeFactory.tsf(programme),
        demi_journees=demi_journees,
    )
    return candidature


def competence(**kwargs):
    """A competence of the référentiel; creates a domain when the seeded référentiel was flushed
    (transactional and browser tests empty the tables between tests)."""
    from annuaire.models import Domaine

    domaine = Domaine.objects.order_by("ordre").first() or Domaine.objects.create(nom="Gestion et administration", slug="gestion")
    return CompetenceFactory(domaine=domaine, **kwargs)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def piece(candidature, name="statuts.pdf"):
    from django.core.files.base import ContentFile

    from candidatures.models import PieceJointe

    return PieceJointe.objects.create(
        candidature=candidature,
        type_piece="statuts",
        fichier=ContentFile(PDF, name="f.pdf"),
        nom_original=name,
        taille=len(PDF),
        type_mime="application/pdf",
        sha256="0" * 64,
    )
