"""The cast and the objects of the permission matrix: one of each role, real objects to ask for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from accompagnements import liens as service_fait_liens
from accompagnements.models import Creneau, FluxCalendrier, Seance, SupportTemoin, TypeSupport
from annuaire.models import Proposition
from annuaire.services import proposition_token
from ateliers import services as ateliers_services
from budget import services as budget_services
from budget.models import EtatExport, Export, Facture, Paiement, TypeExport
from candidatures.models import DemandePiece, EntretienDiagnostic, PieceJointe
from comite.models import ReunionComite, Saisine
from evaluations import liens
from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from programmes.models import Format, StructurePilote
from relances.models import DestinataireMessage, MessageGroupe
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    ConventionFactory,
    IndicateurFactory,
    ObjectifFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    UserFactory,
)

# "comite_autre": a member of another programme's committee (comité de pilotage of PEER CULTURE beside
# the TSF's comité technique): the scene's programme's files, meetings and exports are not found for them.
ROLES = [
    "anonymous",
    "candidate_a",
    "candidate_b",
    "mentor_assigned",
    "mentor_other",
    "comite",
    "comite_autre",
    "coordination",
]


@dataclass
class Scene:
    users: dict[str, Any]
    objects: dict[str, Any]


def _piece(candidature, user) -> PieceJointe:
    return PieceJointe.objects.create(
        candidature=candidature,
        fichier=ContentFile(b"%PDF-1.4 matrice", name="m.pdf"),
        nom_original="statuts.pdf",
        taille=16,
        type_mime="application/pdf",
        sha256="0" * 64,
        ajoute_par=user,
    )


def build_scene() -> Scene:
    programme = ProgrammeFactory()
    users = {
        "candidate_a": UserFactory(email="matrice-a@exemple.test", roles=["candidat"]),
        "candidate_b": UserFactory(email="matrice-b@exemple.test", roles=["candidat"]),
        "mentor_assigned": UserFactory(email="matrice-mentor@exemple.test", roles=["personne_ressource"]),
        "mentor_other": UserFactory(email="matrice-mentor2@exemple.test", roles=["personne_ressource"]),
        "comite": UserFactory(email="matrice-comite@exemple.test", roles=["comite_technique"], comite=[programme]),
        "comite_autre": UserFactory(
            email="matrice-comite-autre@exemple.test", roles=["comite_technique"], comite=[ProgrammeFactory()]
        ),
        "coordination": UserFactory(email="matrice-coord@exemple.test", roles=["coordination"]),
    }
    mentor = PersonneRessourceFactory(user=users["mentor_assigned"])
    PersonneRessourceFactory(user=users["mentor_other"])
    # A's draft (editable), A's file under way (put to the committee), B's own draft.
    brouillon = CandidatureFactory(programme=programme, candidat=users["candidate_a"])
    dossier = CandidatureFactory(programme=programme, candidat=users["candidate_a"], etat="a_corriger")
    dossier.recu_pdf = ContentFile(b"%PDF-1.4 recu", name="recu.pdf")
    dossier.save()
    CandidatureFactory(programme=programme, candidat=users["candidate_b"])
    piece = _piece(dossier, users["candidate_a"])
    demande = DemandePiece.objects.create(candidature=dossier, demandee_par=users["coordination"])
    EntretienDiagnostic.objects.create(candidature=dossier, debut=timezone.now(), conduit_par=users["coordination"])
    reunion = ReunionComite.objects.create(
        programme=programme, date=timezone.now(), compte_rendu_fichier=ContentFile(b"%PDF-1.4 cr", name="cr.pdf")
    )
    saisine = Saisine.objects.create(candidature=dossier, reunion=reunion, saisi_par=users["coordination"])
    saisine.pieces.add(piece)
    retenu = CandidatureFactory(
        programme=programme,
        candidat=users["candidate_a"],
        etat="selectionnee",
        format_retenu=programme.formats.get(code="tsf"),
        demi_journees_retenues=2,
    )
    accompagnement = AccompagnementFactory(candidature=retenu, mentors=[mentor])
    seance = Seance.objects.create(accompagnement=accompagnement, debut=timezone.now() + timezone.timedelta(days=3))
    support = SupportTemoin.objects.create(
        seance=seance,
        type_support=TypeSupport.FICHIER,
        titre="Support",
        fichier=ContentFile(b"%PDF-1.4 s", name="s.pdf"),
        nom_original="support.pdf",
        type_mime="application/pdf",
    )
    proposition = Proposition.objects.create(candidature=retenu, personne_ressource=mentor, etat="envoyee")
    flux = FluxCalendrier.objects.create(user=users["candidate_a"])
    creneau = Creneau.objects.create(mentor=mentor, debut=timezone.now() + timezone.timedelta(days=5), lieu="Salle")
    # The objectives grid, the convention (PDF to sign and signed PDF) and A's exit questionnaire.
    objectif = ObjectifFactory(accompagnement=accompagnement)
    indicateur = IndicateurFactory(objectif=objectif)
    convention = ConventionFactory(
        accompagnement=accompagnement,
        pdf=ContentFile(b"%PDF-1.4 convention", name="c.pdf"),
        pdf_final=ContentFile(b"%PDF-1.4 signee", name="cs.pdf"),
    )
    evaluation = Evaluation.objects.create(
        accompagnement=accompagnement,
        moment=Moment.SORTIE,
        repondant=Repondant.BENEFICIAIRE,
        personne=users["candidate_a"],
        etat=EtatEvaluation.OUVERTE,
        ouverte_le=timezone.now(),
    )
    # The budget: one line of each kind (a receipt on the other cost) and a finished export.
    budget_services.enveloppe_set(programme=programme, montant=Decimal("100000.00"))
    engagement = budget_services.engagement_create(
        accompagnement=accompagnement, montant=Decimal("500.00"), libelle="Engagement", by=users["coordination"]
    )
    paiement = Paiement.objects.create(
        accompagnement=accompagnement,
        structure=accompagnement.structure_beneficiaire,
        date_paiement=timezone.localdate(),
        montant=Decimal("250.00"),
        reference_facture="F-1",
        created_by=users["coordination"],
    )
    depense = budget_services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Affiches",
        date_depense=timezone.localdate(),
        montant=Decimal("80.00"),
        by=users["coordination"],
        justificatif=ContentFile(b"%PDF-1.4 facture", name="j.pdf"),
    )
    export = Export.objects.create(
        programme=programme,
        type_export=TypeExport.RAPPORT_PDF,
        etat=EtatExport.PRET,
        progression=100,
        fichier=ContentFile(b"%PDF-1.4 rapport", name="r.pdf"),
        demande_par=users["coordination"],
        termine_le=timezone.now(),
    )
    # A message of the coordination to a group, received by A only.
    groupe = MessageGroupe.objects.create(
        auteur=users["coordination"], sujet="Info", corps="Bonjour {prenom}", nombre_destinataires=1
    )
    copie = DestinataireMessage.objects.create(message=groupe, personne=users["candidate_a"], sujet="Info", texte="Bonjour A")
    # An invoice of the assigned mentor's structure (issue 17).
    facture = Facture.objects.create(
        programme=programme,
        structure=mentor.structure,
        numero="F-SCENE",
        montant=Decimal("250.00"),
        fichier=ContentFile(b"%PDF-1.4 facture", name="f.pdf"),
        deposee_par=users["mentor_assigned"],
    )
    # A coming workshop led by the assigned mentor, A registered to it.
    atelier = ateliers_services.atelier_create(
        programme=programme,
        format=Format.objects.create(
            programme=programme,
            code="atelier",
            libelle="Atelier",
            nature="collectif",
            demi_journees_max=1,
            participants_max=12,
            participation_non_membre=Decimal("18.00"),
        ),
        titre="Atelier de la matrice",
        debut=timezone.now() + datetime.timedelta(days=5),
        duree=1,
        lieu="Toulouse",
        personne_ressource=mentor,
        by=users["coordination"],
    )
    inscription = ateliers_services.inscription_create(atelier=atelier, participant=users["candidate_a"], by=users["candidate_a"])
    # A co-développement group led by the assigned mentor, A a member, one meeting held on A's problem;
    # an immersion day of A with the assigned mentor, its objectives still to fill.
    groupe_codev = ateliers_services.groupe_create(
        programme=programme,
        format=Format.objects.create(
            programme=programme,
            code="codev",
            libelle="Co-développement",
            nature="codeveloppement",
            demi_journees_max=6,
            participants_max=8,
        ),
        nom="Groupe de la matrice",
        animateur=mentor,
        by=users["coordination"],
    )
    membre_a = ateliers_services.groupe_membre_ajouter(
        groupe=groupe_codev, personne=users["candidate_a"], by=users["coordination"]
    )
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        seance_groupe = ateliers_services.seance_groupe_planifier(
            groupe=groupe_codev,
            debut=timezone.now() + datetime.timedelta(days=1),
            duree=1,
            client=membre_a,
            lieu="Toulouse",
            by=users["coordination"],
        )
    immersion = ateliers_services.immersion_create(
        programme=programme,
        format=Format.objects.create(
            programme=programme,
            code="immersion",
            libelle="Immersion",
            nature="immersion",
            demi_journees_min=2,
            demi_journees_max=2,
            personne_ressource_remuneree=False,
        ),
        mentore=users["candidate_a"],
        mentor=mentor,
        jour=timezone.localdate(),
        by=users["coordination"],
    )
    objects = {
        "groupe_codev": groupe_codev,
        "seance_groupe": seance_groupe,
        "immersion": immersion,
        "facture": facture,
        "service_fait_token": service_fait_liens.jeton(seance, users["candidate_a"]),
        "programme": programme,
        "message_groupe": groupe,
        "copie_message_groupe": copie,
        "atelier": atelier,
        "inscription": inscription,
        "brouillon": brouillon,
        "dossier": dossier,
        "piece": piece,
        "demande": demande,
        "reunion": reunion,
        "saisine": saisine,
        "retenu": retenu,
        "accompagnement": accompagnement,
        "seance": seance,
        "support": support,
        "mentor": mentor,
        "proposition": proposition,
        "token": proposition_token(proposition),
        "flux": flux,
        "creneau": creneau,
        "user_a": users["candidate_a"],
        "objectif": objectif,
        "indicateur": indicateur,
        "convention": convention,
        "evaluation": evaluation,
        "evaluation_token": liens.jeton(evaluation),
        "engagement": engagement,
        "paiement": paiement,
        "depense": depense,
        "export": export,
    }
    return Scene(users=users, objects=objects)


def build_second_pilot() -> dict[str, Any]:
    """A second pilot structure on the instance (issue 16), its programme and its own coordinator, with one
    file of each kind: the scene's coordinator belongs to the first pilot, this one to the second only."""
    pilote = StructurePilote.objects.create(
        nom="MA Sphère (fictif)",
        adresse="2 place de l’Exemple",
        code_postal="31000",
        commune="Toulouse",
        representant_nom="Alex Exemple",
        representant_qualite="président·e",
        email="coordination@ma-sphere.example",
    )
    coordinateur = UserFactory(email="matrice-coord-b@exemple.test", roles=["coordination"])
    pilote.coordinateurs.add(coordinateur)
    programme = ProgrammeFactory(nom="PEER CULTURE 2026 (matrice)", pilote=pilote)
    candidat = UserFactory(email="matrice-peer@exemple.test", roles=["candidat"])
    dossier = CandidatureFactory(programme=programme, candidat=candidat, etat="soumise")
    retenu = CandidatureFactory(
        programme=programme,
        candidat=candidat,
        etat="selectionnee",
        format_retenu=programme.formats.get(code="tsf"),
        demi_journees_retenues=2,
    )
    accompagnement = AccompagnementFactory(candidature=retenu, mentors=[PersonneRessourceFactory()])
    convention = ConventionFactory(accompagnement=accompagnement, pdf=ContentFile(b"%PDF-1.4 convention", name="c.pdf"))
    export = Export.objects.create(
        programme=programme,
        type_export=TypeExport.RAPPORT_PDF,
        etat=EtatExport.PRET,
        progression=100,
        fichier=ContentFile(b"%PDF-1.4 rapport", name="r.pdf"),
        demande_par=coordinateur,
        termine_le=timezone.now(),
    )
    return {
        "pilote": pilote,
        "coordinateur": coordinateur,
        "programme": programme,
        "dossier": dossier,
        "retenu": retenu,
        "accompagnement": accompagnement,
        "convention": convention,
        "export": export,
    }
