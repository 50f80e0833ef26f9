"""Invariants as code (issue 13): each kind of violation is planted with the ORM and must be reported,
by `find_violations` and by `manage.py verifier_coherence` (its output and exit code)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from accompagnements.models import Accompagnement, AccompagnementHistorique, Creneau
from ateliers.models import Atelier, EvaluationAtelier, GroupeCodev, Immersion, Inscription, MembreGroupe, SeanceGroupe
from budget.models import (
    Contribution,
    Engagement,
    Enveloppe,
    Facture,
    FactureAtelier,
    Financeur,
    Imputation,
    Paiement,
    ResumeProgramme,
)
from budget.resume import resume_recalculer
from comite.models import Avis, Saisine
from core import invariants
from core.invariants import Violation, find_violations, invariant
from evaluations.models import Evaluation
from programmes.models import Format
from questionnaires.services import questionnaire_version_courante
from relances.models import DestinataireMessage, MessageGroupe, Relance
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    ConventionFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    SeanceFactory,
    StructureFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ago(**kwargs: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


# --- What each invariant's planted violation looks like: (plant, text expected in the object label) ---


def plant_paye_au_plus_engage() -> str:
    acc = AccompagnementFactory()
    Paiement.objects.create(
        accompagnement=acc,
        structure=acc.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("100.00"),
        reference_facture="F-1",
    )
    return acc.reference


def plant_engage_au_plus_convention() -> str:
    acc = AccompagnementFactory(etat="convention")
    Engagement.objects.create(programme=acc.programme, accompagnement=acc, montant=Decimal("1000.00"), libelle="Sans convention")
    Enveloppe.objects.filter(programme=acc.programme).update(engage=Decimal("1000.00"))
    return acc.reference


def plant_enveloppe_engagee() -> str:
    programme = ProgrammeFactory(nom="Programme trop engagé", setup__enveloppe=Decimal("1000.00"))
    acc = AccompagnementFactory(candidature__programme=programme)
    Engagement.objects.create(programme=programme, accompagnement=acc, montant=Decimal("1500.00"), libelle="Au-delà")
    return "Programme trop engagé"


def plant_enveloppe_payee() -> str:
    programme = ProgrammeFactory(nom="Programme trop payé")
    acc = AccompagnementFactory(candidature__programme=programme)
    Paiement.objects.create(
        accompagnement=acc,
        structure=acc.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("40000.00"),
        reference_facture="F-40K",
        depassement_autorise=True,
    )
    return "Programme trop payé"


def plant_totaux_enveloppe() -> str:
    programme = ProgrammeFactory(nom="Programme aux totaux faux")
    Enveloppe.objects.filter(programme=programme).update(engage=Decimal("100.00"))
    return "Programme aux totaux faux"


def plant_engagement_par_convention() -> str:
    convention = ConventionFactory(etat="signee", signee_le=timezone.now())
    return convention.reference


def plant_paiement_structure() -> str:
    acc = AccompagnementFactory()
    Engagement.objects.create(programme=acc.programme, accompagnement=acc, montant=Decimal("500.00"), libelle="C")
    Enveloppe.objects.filter(programme=acc.programme).update(engage=Decimal("500.00"))
    Paiement.objects.create(
        accompagnement=acc,
        structure=StructureFactory(),
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("100.00"),
        reference_facture="F-X",
    )
    return acc.reference


def plant_facture_payee_une_fois() -> str:
    """A paid invoice with a second payment line: the invoice would pay its sessions twice."""
    acc = AccompagnementFactory()
    structure = acc.mentors.get().structure
    facture = Facture.objects.create(
        programme=acc.programme,
        structure=structure,
        numero="FAC-DOUBLE",
        montant=Decimal("250.00"),
        fichier="f.pdf",
        etat="payee",
    )
    for reference in ("VIR-1", "VIR-2"):
        Paiement.objects.create(
            accompagnement=acc,
            structure=structure,
            date_paiement=datetime.date(2026, 4, 2),
            montant=Decimal("250.00"),
            reference_facture="FAC-DOUBLE",
            reference_paiement=reference,
            facture=facture,
        )
    return "FAC-DOUBLE"


def plant_demi_journees_convention() -> str:
    acc = AccompagnementFactory(demi_journees_prevues=2)
    SeanceFactory(accompagnement=acc, demi_journees=2)
    SeanceFactory(accompagnement=acc, demi_journees=1, etat="annulee", comptee=True)
    return acc.reference


def plant_demi_journees_structure() -> str:
    programme = ProgrammeFactory()  # TSF: 4 half-days at most per beneficiary structure
    structure = StructureFactory(raison_sociale="Structure au-delà du maximum")
    for _ in range(2):
        AccompagnementFactory(candidature__programme=programme, candidature__structure=structure, demi_journees_prevues=3)
    return "Structure au-delà du maximum"


def plant_historique_demi_journees() -> str:
    programme = ProgrammeFactory()  # TSF: 4 half-days at most per beneficiary structure
    structure = StructureFactory(raison_sociale="Structure au passé trop chargé")
    AccompagnementFactory(candidature__programme=programme, candidature__structure=structure, demi_journees_prevues=3)
    AccompagnementHistorique.objects.create(
        reference="HIST-PLANT-0001",
        programme=programme,
        format=programme.formats.get(code="tsf"),
        structure_beneficiaire=structure,
        beneficiaire_nom="Ancienne bénéficiaire",
        date_debut=programme.date_debut,
        date_fin=programme.date_debut,
        demi_journees=2,
        montant=Decimal("500.00"),
    )
    return "Structure au passé trop chargé"


def plant_seance_periode_programme() -> str:
    acc = AccompagnementFactory()
    fin = acc.programme.date_fin + datetime.timedelta(days=30)
    SeanceFactory(accompagnement=acc, debut=timezone.make_aware(datetime.datetime.combine(fin, datetime.time(10))))
    return acc.reference


def plant_seances_apres_demarrage() -> str:
    acc = AccompagnementFactory(etat="objectifs")
    SeanceFactory(accompagnement=acc)
    return acc.reference


def plant_seance_realisee_passee() -> str:
    acc = AccompagnementFactory()
    SeanceFactory(accompagnement=acc, etat="realisee", debut=timezone.now() + datetime.timedelta(days=3))
    return acc.reference


def plant_creneau_reserve() -> str:
    # A slot booked by a session at another time (moved behind the services' back).
    acc = AccompagnementFactory()
    seance = SeanceFactory(accompagnement=acc)
    Creneau.objects.create(mentor=acc.mentors.get(), debut=seance.debut + datetime.timedelta(days=1), lieu="Salle", seance=seance)
    return acc.reference


def plant_accuse_reception() -> str:
    candidature = CandidatureFactory(etat="recevable", soumise_le=_ago(days=2))
    return candidature.reference


def plant_questionnaire_version() -> str:
    # A submitted file pointing at another programme's questionnaire version (set behind the services' back).
    autre = questionnaire_version_courante(programme=ProgrammeFactory())
    candidature = CandidatureFactory(etat="recevable", soumise_le=_ago(days=2), questionnaire_version=autre)
    return candidature.reference


def plant_document_signe() -> str:
    # The stored document was replaced after the signatures: its SHA-256 no longer matches.
    convention = ConventionFactory(etat="signee", signee_le=_ago(minutes=5), pdf_sha256="0" * 64)
    convention.pdf.save("falsifiee.pdf", ContentFile(PDF), save=False)
    type(convention).objects.filter(pk=convention.pk).update(pdf=convention.pdf.name)
    return convention.reference


def plant_document_a_signer() -> str:
    convention = ConventionFactory(etat="en_signature", en_signature_le=_ago(days=1))
    return convention.reference


def plant_une_en_vigueur() -> str:
    acc = AccompagnementFactory(etat="en_cours")
    return acc.reference


def plant_demi_journees_accompagnement() -> str:
    acc = AccompagnementFactory(demi_journees_prevues=2)
    ConventionFactory(accompagnement=acc, etat="signee", demi_journees=4, signee_le=_ago(days=3))
    return acc.reference


def plant_seance_periode_convention() -> str:
    acc = AccompagnementFactory()
    ConventionFactory(accompagnement=acc, etat="signee", signee_le=_ago(days=1))
    SeanceFactory(accompagnement=acc, debut=_ago(days=10), etat="realisee")
    return acc.reference


def plant_sortie_ouverte() -> str:
    acc = AccompagnementFactory(etat="termine", termine_le=_ago(days=1))
    Evaluation.objects.create(
        accompagnement=acc, moment="sortie", repondant="beneficiaire", etat="ouverte", ouverte_le=_ago(days=1)
    )
    return acc.reference


def plant_fin_programme() -> str:
    # The programme's period runs for months yet: its end-of-programme questionnaire opened too early.
    acc = AccompagnementFactory(etat="en_cours")
    Evaluation.objects.create(
        accompagnement=acc, moment="fin_programme", repondant="beneficiaire", etat="ouverte", ouverte_le=timezone.now()
    )
    return acc.reference


def plant_dates_etat() -> str:
    acc = AccompagnementFactory(etat="termine", termine_le=_ago(days=1))
    Evaluation.objects.create(accompagnement=acc, moment="sortie", repondant="mentor", etat="repondue", ouverte_le=_ago(days=1))
    return acc.reference


def plant_relance_envoyee() -> str:
    acc = AccompagnementFactory()
    user = UserFactory(email="oubliee@exemple.test")
    Relance.objects.create(
        programme=acc.programme,
        type_relance="signature",
        destinataire=user,
        content_type=ContentType.objects.get_for_model(Accompagnement),
        object_id=acc.pk,
        echeance=_ago(days=1),
    )
    return "oubliee@exemple.test"


def plant_resume_programme() -> str:
    acc = AccompagnementFactory()
    resume_recalculer(programme_id=acc.programme_id)
    ResumeProgramme.objects.filter(programme=acc.programme).update(hj_prevues=999)
    return acc.programme.nom


def _contribution(programme, nom: str, montant: str = "10000.00") -> Contribution:
    """A contribution written with the ORM (the envelope is not brought in line, no line is shared)."""
    return Contribution.objects.create(
        programme=programme,
        financeur=Financeur.objects.create(nom=nom),
        montant=Decimal(montant),
        date_debut=programme.date_debut,
        date_fin=programme.date_fin,
    )


def plant_enveloppe_contributions() -> str:
    programme = ProgrammeFactory(nom="Programme mal financé")  # a 30 000 € envelope
    _contribution(programme, "DRAC")
    return "Programme mal financé"


def plant_imputation_complete() -> str:
    programme = ProgrammeFactory(nom="Programme non réparti", setup__enveloppe=Decimal("10000.00"))
    _contribution(programme, "CNM")
    acc = AccompagnementFactory(candidature__programme=programme)
    Engagement.objects.create(programme=programme, accompagnement=acc, montant=Decimal("1000.00"), libelle="Sans part")
    return "Programme non réparti"


def plant_totaux_contributions() -> str:
    programme = ProgrammeFactory(setup__enveloppe=Decimal("10000.00"))
    contribution = _contribution(programme, "Région")
    Contribution.objects.filter(pk=contribution.pk).update(paye=Decimal("100.00"))
    return "Contribution Région"


def plant_contribution_jamais_depassee() -> str:
    programme = ProgrammeFactory(setup__enveloppe=Decimal("100.00"))
    contribution = _contribution(programme, "DRAC", "100.00")
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = Engagement.objects.create(programme=programme, accompagnement=acc, montant=Decimal("500.00"), libelle="Trop")
    Imputation.objects.create(contribution=contribution, engagement=ligne, montant=Decimal("500.00"))
    return "Contribution DRAC"


def plant_message_groupe() -> str:
    """A group message announced to two people, with one copy only."""
    message = MessageGroupe.objects.create(sujet="Message parti à moitié", corps="Bonjour", nombre_destinataires=2)
    DestinataireMessage.objects.create(message=message, personne=UserFactory(), sujet="Message", texte="Bonjour", etat="envoye")
    return "Message parti à moitié"


def _atelier_plante(titre: str, *, capacite: int = 1):
    programme = ProgrammeFactory()
    fmt = Format.objects.create(
        programme=programme, code="atelier", libelle="Atelier", nature="collectif", demi_journees_max=1, participants_max=capacite
    )
    return Atelier.objects.create(
        programme=programme, format=fmt, titre=titre, debut=timezone.now(), duree=1, lieu="Toulouse", capacite=capacite
    )


def _inscription_plantee(atelier, etat: str, **fields):
    return Inscription.objects.create(atelier=atelier, participant=UserFactory(), etat=etat, demandee_le=timezone.now(), **fields)


def plant_atelier_capacite() -> str:
    atelier = _atelier_plante("Atelier trop plein")
    _inscription_plantee(atelier, "inscrite")
    _inscription_plantee(atelier, "presente")
    return "Atelier trop plein"


def plant_atelier_liste_attente() -> str:
    atelier = _atelier_plante("Atelier qui fait attendre", capacite=2)
    _inscription_plantee(atelier, "inscrite")
    _inscription_plantee(atelier, "en_attente")
    return "Atelier qui fait attendre"


def plant_atelier_participation_membres() -> str:
    atelier = _atelier_plante("Atelier qui fait payer un membre")
    _inscription_plantee(atelier, "inscrite", membre=True, participation_due=Decimal("18.00"))
    return "Atelier qui fait payer un membre"


def plant_atelier_ordre_attente() -> str:
    atelier = _atelier_plante("Atelier qui fait passer devant")
    attend = _inscription_plantee(atelier, "en_attente")
    passe = _inscription_plantee(atelier, "inscrite")
    Inscription.objects.filter(pk=passe.pk).update(demandee_le=attend.demandee_le + datetime.timedelta(minutes=5))
    passe.evenements.create(transition="promouvoir", from_state="en_attente", to_state="inscrite")
    return "Atelier qui fait passer devant"


def plant_evaluation_presente() -> str:
    """An evaluation opened for someone noted absent (written around atelier_clore, which opens them for those present)."""
    atelier = _atelier_plante("Atelier évalué par une absente", capacite=2)
    Atelier.objects.filter(pk=atelier.pk).update(etat="tenu", tenu_le=timezone.now())
    EvaluationAtelier.objects.create(inscription=_inscription_plantee(atelier, "absente"))
    return "Atelier évalué par une absente"


def plant_immersion_benevole() -> str:
    programme = ProgrammeFactory()
    mentore = UserFactory(email="mentoree-payee@exemple.test")
    # A paid format (the TSF) used for an immersion: a volunteer's day would cost money.
    Immersion.objects.create(
        programme=programme,
        format=programme.formats.get(code="tsf"),
        mentore=mentore,
        mentor=PersonneRessourceFactory(),
        jour=timezone.localdate(),
    )
    return "mentoree-payee@exemple.test"


def plant_codev_membres() -> str:
    programme = ProgrammeFactory()
    fmt = Format.objects.create(
        programme=programme, code="codev", libelle="Co-dev", nature="codeveloppement", demi_journees_max=6, participants_max=8
    )
    groupe = GroupeCodev.objects.create(
        programme=programme, format=fmt, nom="Groupe qui accueille un étranger", animateur=PersonneRessourceFactory()
    )
    autre = GroupeCodev.objects.create(programme=programme, format=fmt, nom="Autre groupe", animateur=PersonneRessourceFactory())
    etranger = MembreGroupe.objects.create(groupe=autre, personne=UserFactory())
    SeanceGroupe.objects.create(groupe=groupe, debut=timezone.now(), duree=1, client=etranger, lieu="Toulouse")
    return "Groupe qui accueille un étranger"


def plant_animation_ateliers() -> str:
    atelier = _atelier_plante("Atelier annulé mais payé")
    Atelier.objects.filter(pk=atelier.pk).update(etat="annule")
    Engagement.objects.create(
        programme=atelier.programme, atelier=atelier, montant=Decimal("250.00"), libelle="Animation de l’atelier"
    )
    return "Atelier annulé mais payé"


def _atelier_tenu_plante(titre: str):
    """A held workshop led by a personne-ressource, its animation of 250 € committed (written around the services)."""
    atelier = _atelier_plante(titre)
    animatrice = PersonneRessourceFactory()
    Atelier.objects.filter(pk=atelier.pk).update(etat="tenu", tenu_le=timezone.now(), personne_ressource=animatrice)
    atelier.refresh_from_db()
    Engagement.objects.create(
        programme=atelier.programme, atelier=atelier, montant=Decimal("250.00"), libelle="Animation de l’atelier"
    )
    return atelier, animatrice.structure


def _facture_plantee(atelier, structure, numero: str, **fields) -> Facture:
    return Facture.objects.create(
        programme=atelier.programme, structure=structure, numero=numero, montant=Decimal("250.00"), fichier="f.pdf", **fields
    )


def plant_paiement_ateliers() -> str:
    """A workshop paid half by each of two invoices: its animation billed twice."""
    atelier, structure = _atelier_tenu_plante("Atelier payé deux fois")
    for numero in ("FAC-AT-1", "FAC-AT-2"):
        Paiement.objects.create(
            atelier=atelier,
            structure=structure,
            date_paiement=datetime.date(2026, 4, 2),
            montant=Decimal("125.00"),
            reference_facture=numero,
            facture=_facture_plantee(atelier, structure, numero, etat="payee"),
        )
    return "Atelier payé deux fois"


def plant_facture_ateliers() -> str:
    """An invoice billing a workshop not held yet."""
    atelier, structure = _atelier_tenu_plante("Atelier pas encore tenu")
    Atelier.objects.filter(pk=atelier.pk).update(etat="programme", tenu_le=None)
    FactureAtelier.objects.create(facture=_facture_plantee(atelier, structure, "FAC-AT-TOT"), atelier=atelier)
    return "FAC-AT-TOT"


def plant_avis_d_un_membre() -> str:
    """An opinion on programme A's file by a member of programme B's committee only (written around the service)."""
    dossier = CandidatureFactory(etat="soumise", reference="TSF-PLANTE-AVIS")
    autre = UserFactory(roles=["comite_technique"], comite=[ProgrammeFactory()])
    saisine = Saisine.objects.create(candidature=dossier)
    Avis.objects.create(saisine=saisine, membre=autre, sens="favorable")
    return "TSF-PLANTE-AVIS"


PLANTS: dict[str, Callable[[], str]] = {
    "comite.avis_d_un_membre": plant_avis_d_un_membre,
    "budget.animation_ateliers": plant_animation_ateliers,
    "budget.paiement_ateliers": plant_paiement_ateliers,
    "budget.facture_ateliers": plant_facture_ateliers,
    "budget.enveloppe_contributions": plant_enveloppe_contributions,
    "budget.imputation_complete": plant_imputation_complete,
    "budget.totaux_contributions": plant_totaux_contributions,
    "budget.contribution_jamais_depassee": plant_contribution_jamais_depassee,
    "budget.resume_programme": plant_resume_programme,
    "budget.paye_au_plus_engage": plant_paye_au_plus_engage,
    "budget.engage_au_plus_convention": plant_engage_au_plus_convention,
    "budget.enveloppe_engagee": plant_enveloppe_engagee,
    "budget.enveloppe_payee": plant_enveloppe_payee,
    "budget.totaux_enveloppe": plant_totaux_enveloppe,
    "budget.engagement_par_convention": plant_engagement_par_convention,
    "budget.paiement_structure": plant_paiement_structure,
    "budget.facture_payee_une_fois": plant_facture_payee_une_fois,
    "accompagnements.demi_journees_convention": plant_demi_journees_convention,
    "accompagnements.demi_journees_structure": plant_demi_journees_structure,
    "accompagnements.historique_demi_journees": plant_historique_demi_journees,
    "accompagnements.seance_periode_programme": plant_seance_periode_programme,
    "accompagnements.seances_apres_demarrage": plant_seances_apres_demarrage,
    "accompagnements.seance_realisee_passee": plant_seance_realisee_passee,
    "accompagnements.creneau_reserve": plant_creneau_reserve,
    "candidatures.accuse_reception": plant_accuse_reception,
    "candidatures.questionnaire_version": plant_questionnaire_version,
    "conventions.document_signe": plant_document_signe,
    "conventions.document_a_signer": plant_document_a_signer,
    "conventions.une_en_vigueur": plant_une_en_vigueur,
    "conventions.demi_journees_accompagnement": plant_demi_journees_accompagnement,
    "conventions.seance_periode_convention": plant_seance_periode_convention,
    "evaluations.sortie_ouverte": plant_sortie_ouverte,
    "evaluations.dates_etat": plant_dates_etat,
    "evaluations.fin_programme": plant_fin_programme,
    "relances.envoyees": plant_relance_envoyee,
    "relances.messages_groupe": plant_message_groupe,
    "ateliers.capacite": plant_atelier_capacite,
    "ateliers.liste_attente": plant_atelier_liste_attente,
    "ateliers.participation_membres": plant_atelier_participation_membres,
    "ateliers.ordre_attente": plant_atelier_ordre_attente,
    "ateliers.immersion_benevole": plant_immersion_benevole,
    "ateliers.evaluation_presente": plant_evaluation_presente,
    "ateliers.codev_membres": plant_codev_membres,
}


def test_every_registered_invariant_has_a_planted_violation_test():
    assert {inv.code for inv in invariants.registered()} - {"tests.toujours_faux"} == set(PLANTS)


@pytest.mark.django_db
def test_a_clean_database_has_no_violation_and_the_command_exits_0():
    assert find_violations() == []
    out = io.StringIO()
    call_command("verifier_coherence", stdout=out)
    assert f"{len(invariants.registered())} invariant(s) vérifié(s), 0 violation(s)." in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(PLANTS))
def test_a_planted_violation_is_reported_by_find_violations_and_the_command(code):
    objet = PLANTS[code]()
    found = [v for v in find_violations([code]) if objet in v.objet]
    assert found, find_violations([code])
    assert all(v.code == code and v.message for v in found)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verifier_coherence", "--code", code, stdout=out)
    assert exited.value.code == 1
    output = out.getvalue()
    assert f"{code} – " in output and objet in output and found[0].message in output


@pytest.mark.django_db
def test_payment_violations_point_to_the_accompagnement_page():
    reference = plant_paye_au_plus_engage()
    (violation,) = find_violations(["budget.paye_au_plus_engage"])
    assert violation.objet == f"Accompagnement {reference}"
    assert violation.url == f"/accompagnements/{Accompagnement.objects.get(reference=reference).pk}/"
    assert violation.message == "100,00\xa0€ payés pour 0,00\xa0€ engagés."


@pytest.mark.django_db
def test_an_unknown_code_is_a_clear_command_error():
    with pytest.raises(CommandError, match="Invariant inconnu"):
        call_command("verifier_coherence", "--code", "nexiste.pas", stdout=io.StringIO())


@pytest.fixture
def always_false():
    """A test-only invariant that always finds one violation (removed afterwards)."""

    @invariant("tests.toujours_faux", "Toujours faux")
    def toujours_faux():
        yield Violation(code="tests.toujours_faux", message="Planté par le test.", objet="Objet de test", url="/x/")

    yield
    invariants._REGISTRY.pop("tests.toujours_faux", None)


@pytest.mark.django_db
def test_a_crashing_invariant_is_reported_not_fatal(always_false):
    @invariant("tests.casse", "Cassé")
    def casse():
        raise RuntimeError("boum")

    try:
        found = find_violations(["tests.casse", "tests.toujours_faux"])
    finally:
        invariants._REGISTRY.pop("tests.casse", None)
    assert [v.code for v in found] == ["tests.casse", "tests.toujours_faux"]
    assert "n’a pas pu s’exécuter" in found[0].message


def test_two_invariants_cannot_share_a_code():
    with pytest.raises(ValueError, match="already registered"):

        @invariant("budget.paye_au_plus_engage", "Doublon")
        def doublon():
            return []
