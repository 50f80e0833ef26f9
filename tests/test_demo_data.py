"""`manage.py load_demo`: loads once, covers the whole lifecycle, and gives working logins."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accompagnements.models import (
    SEANCE_LIVREE,
    Accompagnement,
    Creneau,
    EtatAccompagnement,
    EtatSeance,
    Seance,
    ServiceFait,
    TypeIndicateur,
)
from accounts import roles
from accounts.models import User
from annuaire.models import EtatProposition, PersonneRessource, Proposition
from ateliers.models import Adhesion, Atelier, EvaluationAtelier, GroupeCodev, Immersion, Inscription
from budget import bilan, cerfa
from budget import selectors as budget_selectors
from budget.audit import dossier_controle, manifeste_lignes
from budget.dashboard import programme_context
from budget.models import AutreDepense, Contribution, Engagement, Enveloppe, EtatFacture, Facture, Paiement
from candidatures.models import Candidature, CandidatureEvenement, Etat
from comite.models import Avis, ReunionComite, Saisine
from conventions.models import Convention, EtatConvention
from core.invariants import find_violations
from core.models import TacheDifferee
from evaluations.models import Evaluation
from plateforme.management.demo import data, peer_culture, siret_for
from plateforme.management.demo.loader import programme_period
from programmes.models import DEPARTEMENTS_OCCITANIE, Programme, Structure, TrancheBudget, TypeStructure
from programmes.validators import validate_siret
from relances.models import DestinataireMessage, EtatDestinataire, MessageGroupe

pytestmark = pytest.mark.django_db

SLUG = "tsf-occitanie-2026"


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module (its ~40 PDFs take a while) and rolled back at the end.

    Each test runs in a savepoint inside this outer transaction, so what a test writes is undone
    while the demo stays.
    """
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            CELERY_TASK_ALWAYS_EAGER=True,
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield media, load_demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_loaded, settings) -> str:
    """The output of the first load; the demo's stored files are where it wrote them."""
    media, output = _demo_loaded
    settings.MEDIA_ROOT = media
    return output


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


def test_second_run_creates_nothing_and_prints_the_logins_again(demo):
    before = counts()

    output = load_demo()

    assert counts() == before
    assert "rien n’a été ajouté" in output
    assert data.MOT_DE_PASSE in output
    assert f"coordination@{data.DOMAINE}" in output


def test_second_run_adds_no_document_nor_job(demo):
    documents = (Convention.objects.exclude(pdf="").count(), Candidature.objects.exclude(recu_pdf="").count())
    jobs = TacheDifferee.objects.count()

    load_demo()

    assert (Convention.objects.exclude(pdf="").count(), Candidature.objects.exclude(recu_pdf="").count()) == documents
    assert TacheDifferee.objects.count() == jobs


def _pdf_bytes(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    return content


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_signed_conventions_have_their_documents_for_a_party(demo, client):

    signees = list(
        Convention.objects.filter(etat=EtatConvention.SIGNEE).select_related(
            "accompagnement__beneficiaire", "accompagnement__programme"
        )
    )
    # Six in the TSF, five PEER CULTURE coachings (one through its avenant).
    assert sorted(c.accompagnement.programme.slug for c in signees) == [PEER] * 5 + [SLUG] * 6
    for convention in signees:
        assert {s.sha256_document for s in convention.signatures.all()} == {convention.pdf_sha256}
        with convention.pdf.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == convention.pdf_sha256
        client.force_login(convention.accompagnement.beneficiaire)
        document = client.get(reverse("conventions:document", args=[convention.pk]))
        assert document.status_code == 200, convention.reference
        assert hashlib.sha256(_pdf_bytes(document)).hexdigest() == convention.pdf_sha256
        signe = client.get(reverse("conventions:document_signe", args=[convention.pk]))
        assert signe.status_code == 200, convention.reference
        signed = _pdf_bytes(signe)
        assert hashlib.sha256(signed).hexdigest() == convention.pdf_final_sha256
        # The signed document is the original stamped with its fingerprint, plus the certification page.
        with convention.pdf.open("rb") as handle:
            assert len(PdfReader(io.BytesIO(signed)).pages) == len(PdfReader(handle).pages) + 1
        integrite = client.get(reverse("conventions:integrite", args=[convention.pk]))
        assert integrite.status_code == 200
        assert "Conforme" in integrite.content.decode()


def test_the_convention_in_signature_has_its_pdf_and_a_signature_to_collect(demo, client):

    convention = Convention.objects.get(etat=EtatConvention.EN_SIGNATURE)
    assert convention.signatures.count() == 2
    with convention.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == convention.pdf_sha256
    mentor = convention.accompagnement.mentors.get().user
    assert not convention.signatures.filter(signataire=mentor).exists()
    client.force_login(mentor)
    document = client.get(reverse("conventions:document", args=[convention.pk]))
    assert document.status_code == 200
    assert hashlib.sha256(_pdf_bytes(document)).hexdigest() == convention.pdf_sha256


def test_every_submitted_candidature_has_its_receipt(demo, client):

    submitted = Candidature.objects.filter(programme__slug=SLUG, soumise_le__isnull=False).select_related("candidat")
    assert submitted.count() == 23
    for candidature in submitted:
        client.force_login(candidature.candidat)
        response = client.get(reverse("candidatures:recu", args=[candidature.pk]))
        assert response.status_code == 200, candidature.reference
        assert candidature.reference in _pdf_text(_pdf_bytes(response))


def test_the_demo_leaves_no_job_waiting_and_every_event_at_its_story_date(demo):

    assert not TacheDifferee.objects.exclude(etat=TacheDifferee.Etat.FAITE).exists()
    now = timezone.now()
    assert not CandidatureEvenement.objects.filter(created_at__gt=now).exists()
    candidat = Candidature.objects.get(candidat__email=f"candidat@{data.DOMAINE}")
    # Submitted 70 days ago in the story, its receipt and history say so.
    assert (now - candidat.soumise_le).days in (69, 70)
    assert candidat.evenements.order_by("created_at").first().created_at < now - datetime.timedelta(days=60)


def test_sessions_half_days_and_money_stay_within_their_limits(demo):
    programme = Programme.objects.get(slug=SLUG)
    for seance in Seance.objects.filter(accompagnement__programme=programme):
        assert programme.date_debut <= timezone.localdate(seance.debut) <= programme.date_fin, seance
        convention = seance.accompagnement.conventions.get(etat=EtatConvention.SIGNEE)
        assert seance.created_at >= convention.signee_le
    for accompagnement in Accompagnement.objects.filter(programme=programme):
        convention = accompagnement.conventions.filter(etat=EtatConvention.SIGNEE).first()
        committed = accompagnement.engagements.aggregate(t=Sum("montant"))["t"] or Decimal("0")
        paid = accompagnement.paiements.aggregate(t=Sum("montant"))["t"] or Decimal("0")
        assert paid <= committed == (convention.montant if convention else Decimal("0"))
        counted = accompagnement.seances.comptees().aggregate(n=Sum("demi_journees"))["n"] or 0
        assert counted <= (convention.demi_journees if convention else 0)


@pytest.mark.parametrize(
    ("today", "debut", "fin"),
    [
        ("2026-11-30", "2026-01-01", "2026-12-31"),
        ("2026-11-01", "2026-01-01", "2026-12-31"),
        ("2026-12-15", "2026-02-01", "2027-01-31"),
        ("2027-01-31", "2026-03-01", "2027-02-28"),
    ],
)
def test_the_programme_period_follows_the_story(today, debut, fin):
    period = programme_period(datetime.date.fromisoformat(today))
    assert period == (datetime.date.fromisoformat(debut), datetime.date.fromisoformat(fin))


def test_programme_formats_and_envelope(demo):

    programme = Programme.objects.get(slug=SLUG)
    # Twelve months ending with next month: the story, told relative to today, stays inside them.
    today = timezone.localdate()
    assert programme.date_debut + relativedelta(years=1) == programme.date_fin + datetime.timedelta(days=1)
    assert programme.date_debut.day == 1
    assert today + datetime.timedelta(days=28) <= programme.date_fin <= today + datetime.timedelta(days=62)
    assert programme.taux_journalier == Decimal("500.00")
    assert programme.jours_minimum == 30
    formats = {f.code: (f.libelle, f.demi_journees_min, f.demi_journees_max) for f in programme.formats.all()}
    assert formats == {
        "tsf": ("Transfert de savoir-faire", 1, 4),
        "mentorat": ("Mentorat", 1, 8),
        "atelier": ("Atelier collectif", 1, 1),
    }
    assert {f.code: (f.nature, f.unite) for f in programme.formats.all()} == {
        "tsf": ("individuel", "demi_journee"),
        "mentorat": ("individuel", "demi_journee"),
        "atelier": ("collectif", "demi_journee"),
    }
    assert programme.enveloppe.montant == Decimal("30000.00")


def test_ateliers_one_held_one_full_with_a_waiting_list_members_pay_nothing(demo, client):
    programme = Programme.objects.get(slug=SLUG)
    ateliers = {a.titre: a for a in Atelier.objects.filter(programme=programme)}
    assert len(ateliers) == 3
    tenu = ateliers["Pitcher son projet en cinq minutes"]
    assert set(tenu.inscriptions.values_list("etat", flat=True)) == {"presente", "absente"}
    assert not tenu.inscriptions.filter(membre=False, participation_payee_le__isnull=True).exists()
    # Its attendance list is closed: held, its animation (one half-day at the programme's rate) committed.
    assert tenu.est_tenu
    assert Engagement.objects.get(atelier=tenu).montant == programme.taux_journalier / 2
    # PEER CULTURE's past workshops are held too, each committing the same half-day whatever its size.
    passes = Atelier.objects.filter(programme__slug="peer-culture-2026", debut__lt=timezone.now())
    assert passes.count() >= 2 and all(a.est_tenu for a in passes)
    assert {e.montant for e in Engagement.objects.filter(atelier__in=passes)} == {Decimal("250.00")}
    assert Engagement.objects.filter(atelier__in=passes).count() == passes.count()
    complet = ateliers["Modèle économique d’une structure de musiques actuelles"]
    etats = list(complet.inscriptions.order_by("demandee_le", "pk").values_list("etat", flat=True))
    assert etats.count("inscrite") == complet.capacite and "en_attente" in etats and "desistee" in etats
    assert not Inscription.objects.filter(membre=True, participation_due__gt=0).exists()
    assert Inscription.objects.filter(membre=False, participation_due=Decimal("18.00")).exists()
    # The login candidate sees them from their space.
    client.force_login(User.objects.get(email=next(c.email for c in data.CANDIDATURES if c.key == data.LOGIN_CANDIDAT)))
    page = client.get(reverse("accounts:home")).content.decode()
    assert "Modèle économique" in page and reverse("ateliers:liste") in page


def test_structures_are_fictitious_valid_and_cover_occitanie(demo):

    structures = list(Structure.objects.filter(siret__in=[siret_for(s.key) for s in data.STRUCTURES]))
    assert len(structures) == 20
    assert {s.departement for s in structures} == set(DEPARTEMENTS_OCCITANIE)
    for structure in structures:
        validate_siret(structure.siret)
        assert "(fictif)" in structure.raison_sociale
    assert len({s.type_structure for s in structures}) >= 8
    assert len({s.tranche_budget for s in structures}) >= 4


def test_personnes_ressources_have_competences_and_profiles(demo):

    prs = list(
        PersonneRessource.objects.filter(structure__siret__in=[siret_for(s.key) for s in data.STRUCTURES])
        .select_related("structure")
        .prefetch_related("competences_niveaux")
    )
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


def test_candidatures_cover_every_state_through_the_services(demo):

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


def test_accompagnements_in_every_stage_with_their_records(demo):

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
        # An avenant commits the difference with the convention it replaces.
        assert convention.engagement.montant == convention.montant - (convention.remplace.montant if convention.remplace else 0)
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


def test_envelope_totals_match_the_budget_lines(demo):

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


def test_three_funders_share_the_envelope_and_every_line(demo):
    programme = Programme.objects.get(slug=SLUG)
    contributions = Contribution.objects.filter(programme=programme).select_related("financeur").order_by("priorite")
    assert [(c.financeur.nom, c.montant) for c in contributions] == [
        ("État – DRAC Occitanie", Decimal("10000.00")),
        ("CNM", Decimal("10000.00")),
        ("Région Occitanie", Decimal("10000.00")),
    ]
    parts = budget_selectors.parts_financeurs(programme)
    enveloppe = programme.enveloppe
    assert parts.total.contribue == enveloppe.montant == data.ENVELOPPE
    assert parts.total.engage == enveloppe.engage > 0
    assert parts.total.autres == enveloppe.autres_depenses > 0
    paid = Paiement.objects.filter(accompagnement__programme=programme).aggregate(t=Sum("montant"))["t"]
    assert parts.total.paye == paid > 0
    assert all(part.engage > 0 and part.reste >= 0 for part in parts.lignes)


def test_the_demo_breaks_no_invariant(demo):
    assert [(v.code, v.objet, v.message) for v in find_violations()] == []


def test_committee_has_a_file_with_an_opinion(demo):

    saisine = Saisine.objects.filter(candidature__etat=Etat.EN_ATTENTE_DECISION).get()
    assert saisine.reunion is not None and saisine.reunion.date > timezone.now()
    assert Avis.objects.filter(saisine__candidature__programme__slug=SLUG).count() >= 3
    comite = User.objects.get(email=f"comite@{data.DOMAINE}")
    assert Candidature.objects.visibles_par(comite).count() == 2


def test_one_working_login_per_role(demo):
    output = demo

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


def test_demo_data_is_refused_outside_debug_without_force(settings):
    from django.core.management.base import CommandError

    programmes, users = Programme.objects.count(), User.objects.count()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="hors DEBUG"):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    assert (Programme.objects.count(), User.objects.count()) == (programmes, users)


def test_the_coordination_wrote_once_to_the_personnes_ressources_each_got_it(demo):
    message = MessageGroupe.objects.get()
    copies = DestinataireMessage.objects.filter(message=message)
    assert copies.count() == message.nombre_destinataires >= 2
    assert set(copies.values_list("etat", flat=True)) == {EtatDestinataire.ENVOYE}
    assert all("{" not in texte for texte in copies.values_list("texte", flat=True))  # each got their own values


def test_the_demo_mentor_has_published_slots_a_beneficiary_can_book(demo, client):
    spec = next(p for p in data.PERSONNES_RESSOURCES if p.key == data.LOGIN_PERSONNE_RESSOURCE)
    mentor = PersonneRessource.objects.get(email=spec.email)
    libres = Creneau.objects.libres().filter(mentor=mentor, debut__gt=timezone.now())
    assert libres.count() == sum(c.semaines for c in data.CRENEAUX)
    assert {timezone.localtime(c.debut).minute for c in libres} <= {0, 30}
    accompagnement = Accompagnement.objects.filter(mentors=mentor, etat=EtatAccompagnement.EN_COURS).first()
    assert accompagnement is not None
    client.force_login(accompagnement.beneficiaire)
    response = client.get(reverse("accompagnements:creneaux_accompagnement", args=[accompagnement.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('>Réserver<span class="visually-hidden">') == libres.count()


def test_the_demos_bilan_and_cerfa_report_carry_the_dashboards_totals(demo):
    # The report builders as the export job calls them (their pages and the outbox: tests/budget/test_rapports.py).
    programme = Programme.objects.get(slug=SLUG)
    chiffres = programme_context(programme)["chiffres"]
    assert chiffres.livre > 0 and chiffres.paye > 0 and chiffres.autres > 0

    sheet = load_workbook(io.BytesIO(bilan.bilan_xlsx(programme=programme)))["Bilan"]
    figures = {row[0].value: row[1].value for row in sheet.iter_rows()}
    assert figures["Jours réalisés"] == chiffres.jours_livres
    assert figures["Minimum de jours à réaliser"] == programme.jours_minimum
    for label, value in (("Engagé", chiffres.engage), ("Réalisé", chiffres.livre), ("Payé", chiffres.paye)):
        assert Decimal(str(figures[label])).quantize(Decimal("0.01")) == value
    bilan_text = " ".join(_pdf_text(bilan.bilan_pdf(programme=programme)).replace("\u202f", " ").replace("\xa0", " ").split())
    assert "Bilan de fin de mission" in bilan_text and "Essaimage – accompagnement par l’association Co" in bilan_text

    rows = {
        row[0]: row[1:]
        for row in load_workbook(io.BytesIO(cerfa.cerfa_xlsx(programme=programme))).active.iter_rows(values_only=True)
        if row and row[0]
    }
    realisees = Decimal(str(rows["Total des charges"][1])).quantize(Decimal("0.01"))
    assert realisees == chiffres.livre + chiffres.autres
    assert Decimal(str(rows["Total des charges"][0])).quantize(Decimal("0.01")) == chiffres.enveloppe
    assert Decimal(str(rows["dont payés"][0])).quantize(Decimal("0.01")) == chiffres.paye
    assert "Compte rendu financier de subvention" in _pdf_text(cerfa.cerfa_pdf(programme=programme))


def test_the_audit_file_of_a_demo_accompagnement_matches_its_manifest(demo):
    accompagnement = (
        Accompagnement.objects.filter(
            programme__slug=SLUG,
            paiements__isnull=False,
            conventions__etat=EtatConvention.SIGNEE,
            seances__supports__isnull=False,
        )
        .distinct()
        .first()
        or Accompagnement.objects.filter(programme__slug=SLUG, paiements__isnull=False).first()
    )
    with dossier_controle(programme=accompagnement.programme, accompagnement=accompagnement) as handle:
        archive = zipfile.ZipFile(handle)
        names = set(archive.namelist())
        rows = manifeste_lignes(archive.read("manifeste.csv"))[1:]
        contents = {path: archive.read(path) for path, *_rest in rows}
    ref = accompagnement.reference
    assert any(n.startswith(f"{ref}/convention/") and n.endswith("-signee.pdf") for n in names)
    assert any(n.endswith("-certificat-de-signature.pdf") for n in names)
    held = accompagnement.seances.count()
    assert len([n for n in names if n.endswith("seance-et-compte-rendu.pdf")]) == held > 0
    assert {f"{ref}/paiements.csv", f"{ref}/evaluations.csv", f"{ref}/engagements.csv"} <= names
    assert {path for path, *_rest in rows} == names - {"manifeste.csv", "SHA256SUMS"}
    for path, _description, size, digest in rows:
        assert (len(contents[path]), hashlib.sha256(contents[path]).hexdigest()) == (int(size), digest)


def test_the_demo_shows_service_fait_and_invoices_at_each_stage(demo):
    """Issue 17: sessions awaiting confirmation, one disputed, an invoice to check, a paid invoice."""
    held = Seance.objects.filter(etat=EtatSeance.REALISEE)
    assert held.filter(service_fait=ServiceFait.A_CONFIRMER).exists()
    assert held.filter(service_fait=ServiceFait.CONTESTEE).count() == 1
    assert held.filter(service_fait=ServiceFait.CONFIRMEE).exists()
    assert Facture.objects.filter(etat=EtatFacture.DEPOSEE).count() == 1
    # One paid invoice per programme: the TSF's sessions, PEER CULTURE's workshop animation.
    payees = Facture.objects.filter(etat=EtatFacture.PAYEE)
    assert payees.count() == 2 and payees.filter(programme__slug=PEER, lignes_ateliers__isnull=False).count() == 1
    for payee in payees:
        assert payee.paiements.aggregate(t=Sum("montant"))["t"] == payee.montant
    assert list(find_violations()) == []


PEER = "peer-culture-2026"


def test_peer_culture_lives_next_to_the_tsf_with_its_formats_and_period(demo):
    programme = Programme.objects.get(slug=PEER)
    assert programme.nom == "PEER CULTURE 2026 — MA Sphère (fictif)"
    # Twelve months, from November when the story fits in them (a load in November or December: yes).
    assert programme.date_debut + relativedelta(years=1) == programme.date_fin + datetime.timedelta(days=1)
    today = timezone.localdate()
    assert programme.date_debut <= today - datetime.timedelta(days=28)
    assert programme.date_fin >= today + datetime.timedelta(days=150)
    if today.month in (11, 12):
        assert (programme.date_debut.month, programme.date_debut.day) == (11, 1)
    formats = {
        f.code: (f.nature, f.unite, f.demi_journees_min, f.demi_journees_max, f.participants_max, f.participation_non_membre)
        for f in programme.formats.all()
    }
    assert formats == {
        "coaching": ("individuel", "heure", 14, 28, 1, Decimal("0.00")),
        "atelier": ("collectif", "demi_journee", 1, 1, 12, Decimal("18.00")),
        "immersion": ("immersion", "demi_journee", 2, 2, 1, Decimal("0.00")),
        "codev": ("codeveloppement", "demi_journee", 1, 6, 8, Decimal("0.00")),
    }


def test_each_demo_coordination_sees_its_own_programme_only(demo):
    """Issue 16: PEER CULTURE is MA Sphère's, with its coordinator; the TSF's coordination keeps the TSF."""
    from programmes.selectors import programmes_de

    peer = Programme.objects.get(slug=PEER)
    assert peer.pilote.nom == peer_culture.PILOTE["nom"] and peer.pilote.email == peer_culture.PILOTE["email"]
    coordination_peer = User.objects.get(email=peer_culture.COORDINATION.email)
    assert list(programmes_de(coordination_peer)) == [peer]
    coordination_tsf = User.objects.get(email=f"coordination@{data.DOMAINE}")
    assert peer not in programmes_de(coordination_tsf) and programmes_de(coordination_tsf).exists()


def test_peer_cultures_held_workshops_show_their_participants_evaluations(demo, client):
    """Those present at a held workshop evaluated it through the service (one in three not yet); the
    coordination reads the answers and the average satisfaction on the workshop's page."""
    tenus = Atelier.objects.filter(programme__slug=PEER, etat="tenu").order_by("debut")
    evaluations = EvaluationAtelier.objects.filter(inscription__atelier__in=tenus)
    assert evaluations.filter(etat="remplie").exists() and evaluations.filter(etat="a_remplir").exists()
    assert evaluations.count() == Inscription.objects.filter(atelier__in=tenus, etat="presente").count()
    client.force_login(User.objects.get(email=peer_culture.COORDINATION.email))
    page = client.get(reverse("ateliers:detail", args=[tenus.first().pk])).content.decode()
    assert "participant·es présent·es" in page and "satisfaction moyenne" in page


@pytest.mark.parametrize(
    ("today", "debut"),
    [("2026-11-30", "2026-11-01"), ("2027-03-15", "2026-11-01"), ("2026-11-10", "2026-10-01"), ("2027-08-20", "2027-07-01")],
)
def test_peer_culture_period_starts_in_november_when_the_story_fits(today, debut):
    start, end = peer_culture.programme_period(datetime.date.fromisoformat(today))
    assert start == datetime.date.fromisoformat(debut)
    assert end == start + relativedelta(years=1) - datetime.timedelta(days=1)


def test_peer_culture_eight_workshops_one_full_with_a_waiting_list_members_and_non_members(demo):
    programme = Programme.objects.get(slug=PEER)
    ateliers = list(Atelier.objects.filter(programme=programme))
    assert len(ateliers) == 8
    assert all(a.capacite == 12 and a.personne_ressource is not None and a.participation_non_membre == 18 for a in ateliers)
    complets = [a for a in ateliers if a.inscriptions.filter(etat="inscrite").count() == a.capacite]
    assert [a.titre for a in complets] == [peer_culture.ATELIER_COMPLET]
    assert complets[0].inscriptions.filter(etat="en_attente").count() == 2
    # Held ones: attendance recorded by their leader; non-members' fees paid, one still due.
    tenus = [a for a in ateliers if a.debut < timezone.now()]
    assert len(tenus) == 2
    inscriptions = Inscription.objects.filter(atelier__in=tenus)
    assert set(inscriptions.values_list("etat", flat=True)) == {"presente", "absente"}
    non_membres = inscriptions.filter(membre=False)
    assert non_membres.exists() and all(i.participation_due == Decimal("18.00") for i in non_membres)
    assert non_membres.filter(participation_payee_le__isnull=True).count() == 1
    assert not Inscription.objects.filter(atelier__programme=programme, membre=True, participation_due__gt=0).exists()
    # Members (active 300 €, cooperating 100 €) and non-members.
    notes = list(Adhesion.objects.filter(programme=programme).values_list("note", flat=True))
    assert notes.count(peer_culture.ADHESION_ACTIF) >= 5 and notes.count(peer_culture.ADHESION_COOPERANT) >= 5
    non_adherents = User.objects.filter(
        email__in=[peer_culture.email_for(p.prenom, p.nom) for p in peer_culture.PARTICIPANTS if not p.adhesion]
    )
    assert non_adherents.count() == len(peer_culture.NON_MEMBRES) > 0
    assert not Adhesion.objects.filter(programme=programme, personne__in=non_adherents).exists()


def test_peer_culture_comite_of_three_chose_five_applicants_for_coaching_in_hours(demo, client):
    programme = Programme.objects.get(slug=PEER)
    comite = User.objects.filter(email__in=[c.email for c in peer_culture.COMITE])
    assert comite.count() == 3 and all(roles.is_comite(u) for u in comite)
    reunion = ReunionComite.objects.get(programme=programme)
    assert "cinq bénéficiaires" in reunion.compte_rendu
    retenues = Candidature.objects.filter(programme=programme)
    assert retenues.count() == 5
    assert {c.etat for c in retenues} == {Etat.SELECTIONNEE}
    assert all(c.format_retenu.code == "coaching" and 14 <= c.demi_journees_retenues <= 28 for c in retenues)
    assert all(c.recu_pdf for c in retenues)
    assert programme.prefixe_reference == "PEER" and all(c.reference.startswith("PEER-") for c in retenues)
    assert programme.nom_comite == "comité de pilotage"
    # Each programme its committee: the TSF's comité technique sees its own two files only, the comité de
    # pilotage none of the TSF's (a TSF file put to the comité is not found for its members).
    tsf = Programme.objects.get(slug=SLUG)
    comite_tsf = User.objects.get(email=f"comite@{data.DOMAINE}")
    assert Candidature.objects.visibles_par(comite_tsf).count() == 2
    assert roles.programmes_comite(comite_tsf) == {tsf.pk}
    saisine_tsf = Saisine.objects.filter(candidature__programme=tsf).first()
    assert saisine_tsf is not None
    for membre in comite:
        assert roles.programmes_comite(membre) == {programme.pk}
        assert not Candidature.objects.visibles_par(membre).exists()
        client.force_login(membre)
        assert client.get(reverse("comite:saisine_detail", args=[saisine_tsf.pk])).status_code == 404
        listing = client.get(reverse("comite:saisine_list")).content.decode()
        assert saisine_tsf.candidature.reference not in listing
        tableau = client.get(reverse("budget:tableau_de_bord"))
        assert tableau.status_code == 200 and tsf.nom not in tableau.content.decode()


def test_peer_culture_logins_work_and_are_printed(demo, client):
    coordination = User.objects.get(email=peer_culture.COORDINATION.email)
    membre = User.objects.get(email=f"membre.peer@{data.DOMAINE}")
    for user in (coordination, membre):
        assert user.check_password(data.MOT_DE_PASSE)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
        assert user.email in demo
    assert roles.is_coordination(coordination)
    assert Adhesion.objects.filter(programme__slug=PEER, personne=membre, note=peer_culture.ADHESION_ACTIF).exists()
    client.force_login(membre)
    page = client.get(reverse("accounts:home")).content.decode()
    assert peer_culture.ATELIER_COMPLET in page


def test_peer_culture_five_coachings_in_hours_signed_one_extended_one_with_two_mentors(demo, client):
    programme = Programme.objects.get(slug=PEER)
    coachings = Accompagnement.objects.filter(programme=programme).order_by("pk")
    assert coachings.count() == 5
    assert {a.format.code for a in coachings} == {"coaching"} and all(a.format.est_en_heures for a in coachings)
    for acc in coachings:
        assert acc.etat == EtatAccompagnement.EN_COURS
        convention = acc.conventions.get(etat=EtatConvention.SIGNEE)
        assert convention.signatures.count() == 3
        assert convention.demi_journees == acc.demi_journees_prevues
        # Paid per hour at the format's rate.
        assert convention.montant == acc.format.taux_par_unite * acc.demi_journees_prevues
        planned = acc.seances.comptees().aggregate(n=Sum("demi_journees"))["n"]
        assert 14 <= planned == acc.demi_journees_prevues <= 28
        premiere = acc.conventions.get(version=1)
        for seance in acc.seances.all():
            assert programme.date_debut <= timezone.localdate(seance.debut) <= programme.date_fin
            assert seance.demi_journees <= acc.format.seance_duree_max
            assert seance.created_at >= premiere.signee_le
    # Most sessions are to come; the November ones held, most of them reported.
    seances = Seance.objects.filter(accompagnement__programme=programme)
    held = seances.filter(etat=EtatSeance.REALISEE)
    assert 0 < held.count() < seances.filter(etat=EtatSeance.PLANIFIEE).count()
    assert all(s.debut < timezone.now() for s in held)
    assert held.filter(compte_rendu__soumis_le__isnull=False).count() >= held.count() - 2 > 0
    # One extended from 14 to 20 h by an avenant signed by the three parties.
    nina = coachings.get(beneficiaire__email=peer_culture.email_for("Nina", "Marges"))
    assert [(c.version, c.etat, c.demi_journees) for c in nina.conventions.order_by("version")] == [
        (1, EtatConvention.REMPLACEE, 14),
        (2, EtatConvention.SIGNEE, 20),
    ]
    assert sum(e.montant for e in nina.engagements.all()) == Decimal("1250.00")
    # Lou's with two personnes-ressources in sequence, each planning their own sessions.
    lou = coachings.get(beneficiaire__email=f"membre.peer@{data.DOMAINE}")
    assert lou.mentors.count() == 2
    planners = list(lou.seances.order_by("debut").values_list("planifiee_par__last_name", flat=True))
    assert planners == ["Bilan"] * 3 + ["Réseau"] * 2
    client.force_login(lou.beneficiaire)
    response = client.get(reverse("accompagnements:detail", args=[lou.pk]))
    assert response.status_code == 200 and "20 h" in response.content.decode()


def test_peer_culture_co_development_group_and_two_immersion_days(demo, client):
    programme = Programme.objects.get(slug=PEER)
    groupe = GroupeCodev.objects.get(programme=programme)
    assert groupe.format.code == "codev" and 5 <= groupe.membres.count() <= 6
    seances = list(groupe.seances.order_by("debut"))
    assert len(seances) >= 3 and len({s.client_id for s in seances}) == len(seances)
    tenues = [s for s in seances if s.etat == "tenue"]
    assert len(tenues) == 1 and tenues[0].debut < timezone.now()
    assert tenues[0].presences.count() == groupe.membres.count() and tenues[0].presences.filter(present=False).count() == 1
    client.force_login(seances[0].client.personne)
    response = client.get(reverse("ateliers:groupe_detail", args=[groupe.pk]))
    assert response.status_code == 200 and seances[1].problematique in response.content.decode()
    client.logout()
    immersions = Immersion.objects.filter(programme=programme).order_by("jour")
    assert immersions.count() == 2 and {i.format.code for i in immersions} == {"immersion"}
    close, prevue = immersions
    assert close.etat == "close" and close.rapport_mentore and close.rapport_mentor and close.objectifs
    assert prevue.etat == "prevue" and prevue.objectifs and not prevue.rapport_mentore
    assert prevue.jour > timezone.localdate() > close.jour
    # Unpaid: the budget has only the coachings' conventions and the held workshops' animation.
    assert (
        not Engagement.objects.filter(programme=programme, atelier__isnull=True)
        .exclude(accompagnement__format__code="coaching")
        .exists()
    )
    client.force_login(close.mentore)
    response = client.get(reverse("ateliers:immersion_detail", args=[close.pk]))
    assert response.status_code == 200 and close.rapport_mentor in response.content.decode()


def test_peer_culture_budget_adds_up(demo):
    programme = Programme.objects.get(slug=PEER)
    enveloppe = programme.enveloppe
    contributions = Contribution.objects.filter(programme=programme).order_by("priorite")
    assert [c.montant for c in contributions] == [f["montant"] for f in peer_culture.FINANCEURS_PEER]
    assert enveloppe.montant == sum(f["montant"] for f in peer_culture.FINANCEURS_PEER)
    engaged = Engagement.objects.filter(programme=programme).aggregate(t=Sum("montant"))["t"]
    conventions = Convention.objects.filter(accompagnement__programme=programme, etat=EtatConvention.SIGNEE)
    ateliers_tenus = Atelier.objects.filter(programme=programme, engagements__isnull=False).distinct()
    animation = Engagement.objects.filter(atelier__in=ateliers_tenus).aggregate(t=Sum("montant"))["t"]
    assert enveloppe.engage == engaged == sum(c.montant for c in conventions) + animation
    # 20 + 28 + 20 + 16 + 24 hours at the format's fictitious 62,50 € an hour; two held workshops of a half-day.
    assert engaged - animation == Decimal("62.50") * 108
    assert ateliers_tenus.count() == 2 and animation == 2 * programme.montant_pour(1)
    # The first held workshop's animation was invoiced by its animator's structure and paid on its engagement.
    paiement = Paiement.objects.select_related("atelier", "facture").get(atelier__programme=programme)
    assert paiement.atelier.titre == peer_culture.ATELIERS[0].titre and paiement.montant == programme.montant_pour(1)
    assert paiement.facture.numero == "PC-ANIM-001" and paiement.facture.etat == "payee"
    assert paiement.structure == paiement.atelier.personne_ressource.structure
    parts = budget_selectors.parts_financeurs(programme)
    assert parts.total.contribue == enveloppe.montant and parts.total.engage == enveloppe.engage
    assert all(part.reste >= 0 for part in parts.lignes)
    assert not find_violations()


def test_peer_culture_applicants_were_members_when_they_applied(demo):
    # Seed 004: members only, around Toulouse, in the cultural fields; the pre-check kept at submission says so.
    programme = Programme.objects.get(slug=PEER)
    assert programme.eligibilite.adhesion_requise and programme.eligibilite.departements == ["31"]
    for candidature in Candidature.objects.filter(programme=programme).exclude(soumise_le=None):
        criteres = {c["code"]: c for c in candidature.precheck["criteres"]}
        assert criteres["adhesion"]["statut"] == "ok", candidature.reference
        assert criteres["territoire"]["statut"] == "ok", candidature.reference


def test_peer_culture_coachings_came_through_the_matching_and_its_dashboard_counts_their_hours(demo, client):
    """Issue 16: each coaching in hours was proposed to a personne-ressource whose half-days cover it (at the
    programme's hours per half-day) and accepted; the dashboard shows the hours held."""
    programme = Programme.objects.get(slug=PEER)
    coachings = Accompagnement.objects.filter(programme=programme, format__code="coaching")
    acceptees = Proposition.objects.filter(candidature__programme=programme, etat=EtatProposition.ACCEPTEE)
    assert sorted(acceptees.values_list("candidature_id", flat=True)) == sorted(
        coachings.values_list("candidature_id", flat=True)
    )
    assert coachings.count() == 5
    for proposition in acceptees.select_related("personne_ressource", "candidature"):
        demande = -(-proposition.candidature.demi_journees_retenues // programme.heures_par_demi_journee)
        assert proposition.personne_ressource.disponibilite_demi_journees >= demande
    heures = Seance.objects.filter(SEANCE_LIVREE, accompagnement__in=coachings).aggregate(n=Sum("demi_journees"))["n"]
    assert heures > 0
    client.force_login(User.objects.get(email=peer_culture.COORDINATION.email))
    response = client.get(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}")
    assert response.status_code == 200
    page = " ".join(response.content.decode().replace("\u202f", " ").replace("\u00a0", " ").split())
    assert f"Formats comptés en heures : {heures} h réalisées" in page
