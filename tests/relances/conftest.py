"""A whole accompagnement ready for the evaluation stage, and helpers to read the reminders sent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accompagnements.models import CompteRendu, Indicateur, Objectif, Seance
from accounts.models import User
from conventions.models import EtatConvention, Partie, Signature
from relances.models import Relance
from tests.factories import AccompagnementFactory, ConventionFactory, PersonneRessourceFactory, UserFactory


@dataclass
class Dossier:
    accompagnement: Any
    beneficiaire: Any
    mentor: Any
    coordinateur: Any
    objectif: Any
    quantitatif: Any
    qualitatif: Any


def build_dossier(*, etat: str = "en_cours", demi_journees: int = 2, programme: Any = None) -> Dossier:
    coordinateur = User.objects.filter(email="coordination@exemple.test").first() or UserFactory(
        email="coordination@exemple.test", roles=["coordination"]
    )
    mentor = PersonneRessourceFactory()
    extra = {"candidature__programme": programme} if programme is not None else {}
    accompagnement = AccompagnementFactory(mentors=[mentor], etat=etat, demi_journees_prevues=demi_journees, **extra)
    now = timezone.now()
    accompagnement.grille_validee_beneficiaire_le = now
    accompagnement.grille_validee_mentor_le = now
    accompagnement.save(update_fields=["grille_validee_beneficiaire_le", "grille_validee_mentor_le"])
    objectif = Objectif.objects.create(accompagnement=accompagnement, intitule="Monter une stratégie de mécénat")
    quantitatif = Indicateur.objects.create(
        objectif=objectif,
        type_indicateur="quantitatif",
        libelle="Dossiers de mécénat déposés",
        unite="dossiers",
        valeur_initiale=Decimal("0"),
        cible=Decimal("3"),
    )
    qualitatif = Indicateur.objects.create(objectif=objectif, type_indicateur="qualitatif", libelle="Aisance à l’oral")
    return Dossier(accompagnement, accompagnement.beneficiaire, mentor.user, coordinateur, objectif, quantitatif, qualitatif)


@pytest.fixture
def dossier(db) -> Dossier:
    return build_dossier()


def sign(convention, partie: str, user, when) -> None:
    Signature.objects.create(
        convention=convention, partie=partie, signataire=user, nom_signataire=str(user), signee_le=when, sha256_document="0" * 64
    )


def convention_en_signature(dossier: Dossier, when):
    convention = ConventionFactory(accompagnement=dossier.accompagnement, etat=EtatConvention.EN_SIGNATURE)
    sign(convention, Partie.STRUCTURE_PILOTE, dossier.coordinateur, when)
    sign(convention, Partie.PERSONNE_RESSOURCE, dossier.mentor, when)
    return convention


def seance(dossier: Dossier, debut, **kwargs) -> Seance:
    return Seance.objects.create(accompagnement=dossier.accompagnement, debut=debut, demi_journees=1, **kwargs)


def tenir(seance_obj: Seance) -> None:
    Seance.objects.filter(pk=seance_obj.pk).update(etat="realisee", realisee_le=timezone.now())


def remettre_compte_rendu(seance_obj: Seance, by) -> None:
    CompteRendu.objects.create(
        seance=seance_obj, redige_par=by, travaux="Travail sur le plan de mécénat", soumis_le=timezone.now()
    )


def sent() -> list[tuple[str, str, int]]:
    """(kind, recipient, rank) of every reminder e-mail in the outbox, read from its X-TSF-Relance header."""
    ids = [int(m.extra_headers["X-TSF-Relance"]) for m in mail.outbox if "X-TSF-Relance" in m.extra_headers]
    rows = {r.pk: r for r in Relance.objects.filter(pk__in=ids).select_related("destinataire")}
    return sorted((rows[i].type_relance, rows[i].destinataire.email, rows[i].rang) for i in ids)
