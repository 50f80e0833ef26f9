"""`manage.py load_demo`: loads once, covers the whole lifecycle, and gives working logins."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accompagnements.models import Accompagnement, EtatAccompagnement, EtatSeance, Seance, TypeIndicateur
from accounts import roles
from accounts.models import User
from annuaire.models import PersonneRessource
from budget.models import AutreDepense, Engagement, Enveloppe
from candidatures.models import Candidature, CandidatureEvenement, Etat
from comite.models import Avis, Saisine
from conventions.models import Convention, EtatConvention
from evaluations.models import Evaluation
from programmes.management.demo import data
from programmes.models import Departement, Programme, Structure, TrancheBudget, TypeStructure
from programmes.validators import validate_siret

pytestmark = pytest.mark.django_db

SLUG = "tsf-occitanie-2026"


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        Programme,
        Structure,
        PersonneRessource,
        Candidature,
        User,
        Accompagnement,
        Engagement,
        EmailAddress,
        CandidatureEvenement,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_second_run_creates_nothing_and_prints_the_logins_again():
    load_demo()
    before = counts()

    output = load_demo()

    assert counts() == before
    assert "rien n’a été ajouté" in output
    assert data.MOT_DE_PASSE in output
    assert f"coordination@{data.DOMAINE}" in output


def test_programme_formats_and_envelope():
    load_demo()

    programme = Programme.objects.get(slug=SLUG)
    assert (programme.date_debut.isoformat(), programme.date_fin.isoformat()) == ("2026-01-01", "2026-12-31")
    assert programme.taux_journalier == Decimal("500.00")
    assert programme.jours_minimum == 30
    formats = {f.code: (f.libelle, f.demi_journees_min, f.demi_journees_max) for f in programme.formats.all()}
    assert formats == {"tsf": ("Transfert de savoir-faire", 1, 4), "mentorat": ("Mentorat", 1, 8)}
    assert programme.enveloppe.montant == Decimal("30000.00")


def test_structures_are_fictitious_valid_and_cover_occitanie():
    load_demo()

    structures = list(Structure.objects.all())
    assert len(structures) == 20
    assert {s.departement for s in structures} == set(Departement.values)
    for structure in structures:
        validate_siret(structure.siret)
        assert "(fictif)" in structure.raison_sociale
    assert len({s.type_structure for s in structures}) >= 8
    assert len({s.tranche_budget for s in structures}) >= 4


def test_personnes_ressources_have_competences_and_profiles():
    load_demo()

    prs = list(PersonneRessource.objects.select_related("structure").prefetch_related("competences_niveaux"))
    assert len(prs) == 15
    etats = [pr.etat for pr in prs]
    assert etats.count("validee") == 13
    assert etats.count("candidate") == 2
    for pr in prs:
        assert 2 <= len(pr.competences_niveaux.all()) <= 5
        assert set(pr.types_projets) <= set(TypeStructure.values)
        assert set(pr.tailles_projets) <= set(TrancheBudget.values)
        assert pr.departement == pr.structure.departement
        assert pr.email.endswith(f"@{data.DOMAINE}")
    with_account = [pr for pr in prs if pr.user_id]
    assert with_account
    assert all(roles.is_personne_ressource(pr.user) for pr in with_account)


def test_candidatures_cover_every_state_through_the_services():
    load_demo()

    candidatures = list(Candidature.objects.filter(programme__slug=SLUG).select_related("candidat"))
    assert len(candidatures) == 25
    assert {c.etat for c in candidatures} == set(Etat.values)
    for candidature in candidatures:
        assert roles.is_candidat(candidature.candidat)
        assert candidature.structure_id is not None
        assert candidature.presentation
        if candidature.etat == Etat.BROUILLON:
            continue
        assert candidature.consentement_donnees and candidature.consentement_le is not None
        assert candidature.reference.startswith("TSF-")
        transitions = list(candidature.evenements.filter(kind="transition").values_list("transition", "to_state"))
        assert transitions[0][0] == "soumettre"
        assert transitions[-1][1] == candidature.etat
    realised = Candidature.objects.filter(diagnostic__realise_le__isnull=False)
    assert realised.exists()
    assert all(c.diagnostic.besoins.exists() for c in realised)


def test_accompagnements_in_every_stage_with_their_records():
    load_demo()

    accompagnements = Accompagnement.objects.filter(programme__slug=SLUG)
    etats = set(accompagnements.values_list("etat", flat=True))
    for etat in (
        EtatAccompagnement.OBJECTIFS,
        EtatAccompagnement.CONVENTION,
        EtatAccompagnement.EN_COURS,
        EtatAccompagnement.TERMINE,
        EtatAccompagnement.CLOS,
    ):
        assert etat in etats
    for accompagnement in accompagnements:
        assert accompagnement.candidature.etat == Etat.SELECTIONNEE
        assert accompagnement.evenements.filter(transition="creer").exists()
        types = set(accompagnement.objectifs.values_list("indicateurs__type_indicateur", flat=True))
        assert types == {TypeIndicateur.QUALITATIF, TypeIndicateur.QUANTITATIF}
        consumed = accompagnement.seances.comptees().aggregate(n=Sum("demi_journees"))["n"] or 0
        assert consumed <= accompagnement.demi_journees_prevues

    for convention in Convention.objects.filter(etat=EtatConvention.SIGNEE):
        assert convention.signatures.count() == 3
        assert convention.engagement.montant == convention.montant
    assert Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE).exists()

    now = timezone.now()
    en_cours = accompagnements.filter(etat=EtatAccompagnement.EN_COURS)
    assert Seance.objects.filter(accompagnement__in=en_cours, etat=EtatSeance.PLANIFIEE, debut__gt=now).exists()
    assert Seance.objects.filter(etat=EtatSeance.REALISEE, compte_rendu__soumis_le__isnull=False, debut__lt=now).exists()
    assert Seance.objects.filter(etat=EtatSeance.ANNULEE, comptee=True).exists()

    for accompagnement in accompagnements.filter(etat__in=[EtatAccompagnement.TERMINE, EtatAccompagnement.CLOS]):
        assert accompagnement.termine_le is not None
        assert accompagnement.evaluations.filter(moment="sortie").count() == 2
    clos = accompagnements.get(etat=EtatAccompagnement.CLOS)
    assert Evaluation.objects.filter(accompagnement=clos, moment="six_mois", etat="repondue").exists()


def test_envelope_totals_match_the_budget_lines():
    load_demo()

    enveloppe = Enveloppe.objects.get(programme__slug=SLUG)
    engaged = Engagement.objects.filter(programme=enveloppe.programme).aggregate(total=Sum("montant"))["total"]
    assert enveloppe.engage == engaged
    assert (
        enveloppe.autres_depenses == AutreDepense.objects.filter(programme=enveloppe.programme).aggregate(t=Sum("montant"))["t"]
    )
    essaimage = AutreDepense.objects.get(programme=enveloppe.programme, categorie="essaimage")
    assert essaimage.libelle == "Essaimage – accompagnement par l’association Co"
    assert essaimage.montant == Decimal("2500.00")
    assert enveloppe.disponible > 0


def test_committee_has_a_file_with_an_opinion():
    load_demo()

    saisine = Saisine.objects.filter(candidature__etat=Etat.EN_ATTENTE_DECISION).get()
    assert saisine.reunion is not None and saisine.reunion.date > timezone.now()
    assert Avis.objects.filter(saisine__candidature__programme__slug=SLUG).count() >= 3
    comite = User.objects.get(email=f"comite@{data.DOMAINE}")
    assert Candidature.objects.visibles_par(comite).count() == 2


def test_one_working_login_per_role():
    output = load_demo()

    logins = {
        "admin": f"admin@{data.DOMAINE}",
        roles.COORDINATION: f"coordination@{data.DOMAINE}",
        roles.COMITE: f"comite@{data.DOMAINE}",
        roles.PERSONNE_RESSOURCE: f"personne-ressource@{data.DOMAINE}",
        roles.CANDIDAT: f"candidat@{data.DOMAINE}",
    }
    for role, email in logins.items():
        user = User.objects.get(email=email)
        assert user.check_password(data.MOT_DE_PASSE), email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True).exists()
        assert email in output
        if role != "admin":
            assert roles.has_role(user, role)
    assert User.objects.get(email=logins["admin"]).is_superuser
    assert User.objects.get(email=logins[roles.COORDINATION]).is_staff
    mentor = User.objects.get(email=logins[roles.PERSONNE_RESSOURCE])
    assert mentor.personne_ressource.accompagnements.count() == 2
    candidat = User.objects.get(email=logins[roles.CANDIDAT])
    assert candidat.accompagnements_suivis.get().etat == EtatAccompagnement.EN_COURS
    assert data.MOT_DE_PASSE in output


@pytest.mark.django_db
def test_demo_data_is_refused_outside_debug_without_force(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="hors DEBUG"):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    assert not Programme.objects.filter(slug="tsf-occitanie-2026").exists()
