"""A small population to write to: two programmes, beneficiaries, mentors, a draft, a 6-month questionnaire."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import User
from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from programmes.models import Departement
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    SeanceFactory,
    StructureFactory,
    UserFactory,
)


@dataclass
class Scene:
    coordinateur: Any
    programme: Any
    autre_programme: Any
    # In `programme`: two beneficiaries of accompagnements en cours (Aude and Haute-Garonne), led by `mentor`.
    beneficiaire_aude: Any
    beneficiaire_31: Any
    accompagnement_aude: Any
    mentor: Any
    # In `programme`: an application still being checked (no accompagnement).
    candidat_soumis: Any
    # In `autre_programme`: a beneficiary whose accompagnement ended, 6-month questionnaire open; their mentor.
    beneficiaire_termine: Any
    mentor_autre: Any


def build_scene() -> Scene:
    coordinateur = User.objects.filter(email="coordination@exemple.test").first() or UserFactory(
        email="coordination@exemple.test", roles=["coordination"]
    )
    programme, autre = ProgrammeFactory(), ProgrammeFactory()
    mentor = PersonneRessourceFactory(user__first_name="Mona", user__last_name="Mentor")
    aude = StructureFactory(departement=Departement.AUDE, code_postal="11000", commune="Carcassonne")
    acc_aude = AccompagnementFactory(
        candidature__programme=programme,
        candidature__structure=aude,
        candidature__candidat__first_name="Alice",
        mentors=[mentor],
    )
    SeanceFactory(accompagnement=acc_aude, debut=timezone.now() + datetime.timedelta(days=3))
    acc_31 = AccompagnementFactory(candidature__programme=programme, candidature__candidat__first_name="Bruno", mentors=[mentor])
    soumis = CandidatureFactory(programme=programme, etat="soumise").candidat
    mentor_autre = PersonneRessourceFactory(departement=Departement.GARD)
    termine = AccompagnementFactory(candidature__programme=autre, etat="termine", mentors=[mentor_autre])
    Evaluation.objects.create(
        accompagnement=termine,
        moment=Moment.SIX_MOIS,
        repondant=Repondant.BENEFICIAIRE,
        personne=termine.beneficiaire,
        etat=EtatEvaluation.OUVERTE,
    )
    return Scene(
        coordinateur=coordinateur,
        programme=programme,
        autre_programme=autre,
        beneficiaire_aude=acc_aude.beneficiaire,
        beneficiaire_31=acc_31.beneficiaire,
        accompagnement_aude=acc_aude,
        mentor=mentor.user,
        candidat_soumis=soumis,
        beneficiaire_termine=termine.beneficiaire,
        mentor_autre=mentor_autre.user,
    )


def filtres(**kwargs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "role": "",
        "programme": None,
        "format": None,
        "departement": "",
        "etat_candidature": "",
        "etat_accompagnement": "",
        "evaluation_6mois_manquante": False,
    }
    return {**base, **kwargs}
