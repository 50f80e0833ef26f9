"""The coordinator's back office: every page answers, list pages cost a constant number of
queries, states move only through services, budget lines and signed conventions never change."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import AccompagnementEvenement, CompteRendu, FluxCalendrier, QuestionSeance, SupportTemoin
from annuaire.models import Competence, PersonneRessourceEvenement, Proposition
from budget import services as budget_services
from budget.models import AutreDepense, Engagement, Enveloppe, Paiement
from candidatures.models import (
    Besoin,
    Candidature,
    CandidatureEvenement,
    DemandePiece,
    EmailEnvoye,
    EntretienDiagnostic,
    Etat,
    Etiquette,
    EtiquetteCandidature,
    Message,
    NoteInterne,
    PieceJointe,
)
from comite.models import Avis, ReunionComite, Saisine
from conventions.models import Convention, EtatConvention, Signature
from evaluations.models import Evaluation, MesureIndicateur
from programmes.models import pilote_par_defaut
from relances.models import Relance
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    CompetenceFactory,
    ConventionFactory,
    IndicateurFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    SeanceFactory,
    UserFactory,
)

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODEL_IDS = [model._meta.label for model, _ in REGISTRY]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-admin-42")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _populate(by, index: int = 0) -> dict:
    """One row of every registered model, linked as in real life."""
    programme = ProgrammeFactory()
    candidature = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    competence = CompetenceFactory()
    mentor = PersonneRessourceFactory(competences=[(competence, 2)])
    accompagnement = AccompagnementFactory(candidature__programme=programme, mentors=[mentor])
    objectif = IndicateurFactory(objectif__accompagnement=accompagnement)
    indicateur = objectif
    seance = SeanceFactory(accompagnement=accompagnement)
    convention = ConventionFactory(accompagnement=accompagnement)
    now = timezone.now()
    piece = PieceJointe.objects.create(
        candidature=candidature,
        fichier=SimpleUploadedFile(f"statuts-{index}.pdf", b"%PDF-1.4"),
        nom_original=f"statuts-{index}.pdf",
        taille=8,
        type_mime="application/pdf",
        sha256="0" * 64,
        ajoute_par=candidature.candidat,
    )
    CandidatureEvenement.objects.create(
        candidature=candidature, transition="soumettre", from_state="brouillon", to_state="soumise", actor=by
    )
    DemandePiece.objects.create(candidature=candidature, type_piece="budget", demandee_par=by)
    Message.objects.create(candidature=candidature, auteur=by, de_la_coordination=True, texte="Bonjour", piece=piece)
    NoteInterne.objects.create(candidature=candidature, auteur=by, texte="Note")
    etiquette = Etiquette.objects.create(nom=f"Étiquette {index}")
    EtiquetteCandidature.objects.create(candidature=candidature, etiquette=etiquette)
    EmailEnvoye.objects.create(
        candidature=candidature, destinataire="x@exemple.test", sujet="Objet", corps="Texte", envoye_par=by
    )
    diagnostic = EntretienDiagnostic.objects.create(
        candidature=candidature, debut=now, conduit_par=by, format_recommande=ProgrammeFactory.tsf(programme), demi_journees=2
    )
    Besoin.objects.create(diagnostic=diagnostic, competence=competence)
    PersonneRessourceEvenement.objects.create(
        personne_ressource=mentor, transition="valider", from_state="candidate", to_state="validee", actor=by
    )
    Proposition.objects.create(candidature=candidature, personne_ressource=mentor, proposee_par=by)
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement, transition="demarrer", from_state="convention", to_state="en_cours", actor=by
    )
    QuestionSeance.objects.create(seance=seance, auteur=by, texte="Question ?")
    CompteRendu.objects.create(seance=seance, redige_par=by, travaux="Travaux", soumis_le=now)
    SupportTemoin.objects.create(
        seance=seance, type_support="lien", titre="Enregistrement", url="https://exemple.test/x", ajoute_par=by
    )
    FluxCalendrier.objects.get_or_create(user=accompagnement.beneficiaire)
    Signature.objects.create(
        convention=convention,
        partie="beneficiaire",
        signataire=accompagnement.beneficiaire,
        nom_signataire="Bénéficiaire",
        signee_le=now,
        sha256_document="1" * 64,
    )
    evaluation = Evaluation.objects.create(
        accompagnement=accompagnement, moment="sortie", repondant="beneficiaire", personne=accompagnement.beneficiaire
    )
    MesureIndicateur.objects.create(indicateur=indicateur, moment="sortie", niveau=4, evaluation=evaluation)
    budget_services.engagement_create(
        accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="Convention", by=by, convention=convention
    )
    budget_services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Essaimage",
        date_depense=timezone.localdate(),
        montant=Decimal("300.00"),
        by=by,
    )
    Paiement.objects.create(
        accompagnement=accompagnement,
        structure=mentor.structure,
        date_paiement=timezone.localdate(),
        montant=Decimal("500.00"),
        reference_facture=f"FAC-{index}",
        created_by=by,
    )
    Relance.objects.create(
        programme=programme,
        type_relance="seance_48h",
        destinataire=accompagnement.beneficiaire,
        content_type=ContentType.objects.get_for_model(seance),
        object_id=seance.pk,
        echeance=now,
    )
    reunion = ReunionComite.objects.create(programme=programme, date=now)
    saisine = Saisine.objects.create(candidature=candidature, reunion=reunion, saisi_par=by)
    Avis.objects.create(saisine=saisine, membre=UserFactory(roles=["comite_technique"]), sens="favorable")
    return {"programme": programme, "candidature": candidature, "convention": convention, "accompagnement": accompagnement}


# --- Every page answers ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=MODEL_IDS)
def test_changelist_search_and_add_pages_answer(admin_client, superuser, rf, model, model_admin):
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(_url(model, "changelist"), {"q": "x"}).status_code == 200
    request = rf.get("/")
    request.user = superuser
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert admin_client.get(_url(model, "add")).status_code == expected


@pytest.mark.django_db
def test_every_model_of_the_domain_apps_is_registered():
    from django.apps import apps

    from accounts.services import DOMAIN_APPS

    missing = [
        model._meta.label
        for app_label in DOMAIN_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.mark.django_db
def test_every_change_page_answers_with_real_data(admin_client, superuser):
    _populate(superuser)
    for model, _model_admin in REGISTRY:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        response = admin_client.get(_url(model, "change", obj.pk))
        assert response.status_code == 200, model._meta.label


@pytest.mark.django_db
def test_list_pages_run_a_constant_number_of_queries(admin_client, superuser):
    def counts() -> dict[str, int]:
        result = {}
        for model, _model_admin in REGISTRY:
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(_url(model, "changelist")).status_code == 200
            result[model._meta.label] = len(queries)
        return result

    # One instant for the whole walk: the staff idle clock writes the session once a minute (three more
    # queries on whichever page crosses the minute), which comes from time passing, not from the rows.
    with time_machine.travel(timezone.now(), tick=False):
        _populate(superuser, 1)
        first = counts()
        _populate(superuser, 2)
        _populate(superuser, 3)
        again = counts()
    grew = {label: (first[label], again[label]) for label in first if again[label] != first[label]}
    assert grew == {}


# --- Applications: state only through services -------------------------------------------


@pytest.mark.django_db
def test_candidature_state_cannot_be_edited_in_the_form(admin_client):
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    response = admin_client.get(_url(Candidature, "change", candidature.pk))
    assert 'name="etat"' not in response.content.decode()


@pytest.mark.django_db
def test_declare_eligible_action_calls_the_service_and_reports_refusals(admin_client, superuser):
    programme = ProgrammeFactory()
    soumise = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    brouillon = CandidatureFactory(programme=programme, etat=Etat.BROUILLON)
    response = admin_client.post(
        _url(Candidature, "changelist"),
        {"action": "action_declarer_recevable", ACTION_CHECKBOX_NAME: [soumise.pk, brouillon.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    soumise.refresh_from_db()
    brouillon.refresh_from_db()
    assert soumise.etat == Etat.RECEVABLE
    assert brouillon.etat == Etat.BROUILLON
    event = soumise.evenements.get()
    assert (event.actor, event.from_state, event.to_state) == (superuser, "soumise", "recevable")
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 candidature déclarée recevable" in t for t in texts)
    assert any("impossible" in t for t in texts)


@pytest.mark.django_db
def test_reject_action_asks_for_a_reason_then_applies_it(admin_client):
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    url = _url(Candidature, "changelist")
    first = admin_client.post(url, {"action": "action_declarer_irrecevable", ACTION_CHECKBOX_NAME: [candidature.pk], "index": 0})
    assert first.status_code == 200
    assert "Motif" in first.content.decode()
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SOUMISE
    admin_client.post(
        url,
        {
            "action": "action_declarer_irrecevable",
            ACTION_CHECKBOX_NAME: [candidature.pk],
            "motif": "Hors Occitanie",
            "appliquer": "1",
        },
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.IRRECEVABLE
    assert candidature.motif_decision == "Hors Occitanie"


# --- Budget: lines are immutable, writes go through the services -------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Engagement, AutreDepense, Paiement], ids=lambda m: m.__name__)
def test_existing_budget_line_is_read_only(admin_client, superuser, model):
    _populate(superuser)
    line = model.objects.get()
    url = _url(model, "change", line.pk)
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert 'name="montant"' not in page
    assert admin_client.post(url, {"montant": "1.00", "libelle": "Changé"}).status_code == 403
    line.refresh_from_db()
    assert line.montant != Decimal("1.00")
    assert admin_client.post(_url(model, "delete", line.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=line.pk).exists()


@pytest.mark.django_db
def test_engagement_added_in_the_admin_goes_through_the_service(admin_client, superuser):
    accompagnement = AccompagnementFactory()
    response = admin_client.post(
        _url(Engagement, "add"),
        {"accompagnement": accompagnement.pk, "montant": "1500.00", "libelle": "Convention manuelle", "note": ""},
    )
    assert response.status_code == 302
    engagement = Engagement.objects.get()
    assert engagement.created_by == superuser
    assert engagement.programme == accompagnement.programme
    assert Enveloppe.objects.get(programme=accompagnement.programme).engage == Decimal("1500.00")


@pytest.mark.django_db
def test_engagement_over_the_envelope_is_a_form_error_not_a_crash(admin_client):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("1000.00"))
    accompagnement = AccompagnementFactory(candidature__programme=programme)
    response = admin_client.post(
        _url(Engagement, "add"), {"accompagnement": accompagnement.pk, "montant": "1500.00", "libelle": "Trop", "note": ""}
    )
    assert response.status_code == 200
    assert "il reste 1" in response.content.decode()
    assert not Engagement.objects.exists()
    assert Enveloppe.objects.get(programme=programme).engage == 0


@pytest.mark.django_db
def test_service_refusal_after_validation_is_a_message(admin_client, monkeypatch):
    from budget import admin as budget_admin
    from core.exceptions import RuleViolation

    def refuse(**kwargs):
        raise RuleViolation("L’enveloppe a changé entre-temps.")

    monkeypatch.setattr(budget_admin, "engagement_create", refuse)
    accompagnement = AccompagnementFactory()
    response = admin_client.post(
        _url(Engagement, "add"),
        {"accompagnement": accompagnement.pk, "montant": "100.00", "libelle": "Course", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert any("L’enveloppe a changé entre-temps." in str(m) for m in response.context["messages"])
    assert not Engagement.objects.exists()


@pytest.mark.django_db
def test_other_cost_added_in_the_admin_moves_the_envelope(admin_client, superuser):
    programme = ProgrammeFactory()
    response = admin_client.post(
        _url(AutreDepense, "add"),
        {
            "programme": programme.pk,
            "categorie": "essaimage",
            "libelle": "Accompagnement Co",
            "date_depense": timezone.localdate().isoformat(),
            "montant": "2000.00",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert AutreDepense.objects.get().created_by == superuser
    assert Enveloppe.objects.get(programme=programme).autres_depenses == Decimal("2000.00")
    negative = admin_client.post(
        _url(AutreDepense, "add"),
        {
            "programme": programme.pk,
            "categorie": "autre",
            "libelle": "X",
            "date_depense": "2025-01-01",
            "montant": "-5.00",
            "note": "",
        },
    )
    assert negative.status_code == 200
    assert AutreDepense.objects.count() == 1


@pytest.mark.django_db
def test_envelope_cannot_drop_below_what_is_used(admin_client, superuser):
    data = _populate(superuser)
    enveloppe = Enveloppe.objects.get(programme=data["programme"])
    url = _url(Enveloppe, "change", enveloppe.pk)
    refused = admin_client.post(url, {"montant": "100.00"})
    assert refused.status_code == 200
    enveloppe.refresh_from_db()
    assert enveloppe.montant == Decimal("30000.00")
    accepted = admin_client.post(url, {"montant": "35000.00", "engage": "0", "autres_depenses": "0"})
    assert accepted.status_code == 302
    enveloppe.refresh_from_db()
    assert (enveloppe.montant, enveloppe.engage, enveloppe.autres_depenses) == (
        Decimal("35000.00"),
        Decimal("1000.00"),
        Decimal("300.00"),
    )


# --- Conventions --------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_convention_cannot_be_changed_nor_deleted(admin_client):
    convention = ConventionFactory()
    Convention.objects.filter(pk=convention.pk).update(etat=EtatConvention.SIGNEE, signee_le=timezone.now())
    url = _url(Convention, "change", convention.pk)
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    response = admin_client.post(
        url,
        {
            "reference": convention.reference,
            "accompagnement": convention.accompagnement_id,
            "version": 1,
            "demi_journees": 8,
            "montant": "4000.00",
        },
    )
    assert response.status_code == 403
    convention.refresh_from_db()
    assert convention.demi_journees != 8
    assert admin_client.post(_url(Convention, "delete", convention.pk), {"post": "yes"}).status_code == 403
    assert Convention.objects.filter(pk=convention.pk).exists()


@pytest.mark.django_db
def test_signatures_are_view_only(admin_client, superuser):
    _populate(superuser)
    signature = Signature.objects.get()
    assert admin_client.get(_url(Signature, "add")).status_code == 403
    assert admin_client.post(_url(Signature, "change", signature.pk), {"nom_signataire": "Autre"}).status_code == 403
    assert admin_client.post(_url(Signature, "delete", signature.pk), {"post": "yes"}).status_code == 403


# --- Accompagnement created through its service -------------------------------------------


@pytest.mark.django_db
def test_accompagnement_added_in_the_admin_goes_through_the_service(admin_client):
    programme = ProgrammeFactory()
    candidature = CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)
    mentor = PersonneRessourceFactory()
    tsf = ProgrammeFactory.tsf(programme)
    response = admin_client.post(
        _url(candidature.accompagnements.model, "add"),
        {"candidature": candidature.pk, "format": tsf.pk, "demi_journees_prevues": 2, "mentors": [mentor.pk]},
    )
    assert response.status_code == 302
    accompagnement = candidature.accompagnements.get()
    assert accompagnement.reference.startswith("ACC-")
    assert list(accompagnement.mentors.all()) == [mentor]
    assert accompagnement.evenements.filter(transition="creer").exists()
    too_long = admin_client.post(
        _url(candidature.accompagnements.model, "add"),
        {"candidature": candidature.pk, "format": tsf.pk, "demi_journees_prevues": 4, "mentors": [mentor.pk]},
    )
    assert too_long.status_code == 200
    assert "Limite dépassée" in too_long.content.decode()
    assert candidature.accompagnements.count() == 1


@pytest.mark.django_db
def test_competence_autocomplete_answers(admin_client):
    competence = Competence.objects.first()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": competence.nom[:4], "app_label": "candidatures", "model_name": "besoin", "field_name": "competence"},
    )
    assert response.status_code == 200
    assert str(competence.pk) in response.content.decode()


# --- Programme with its envelope inline ----------------------------------------------------


def _programme_post_data(**overrides) -> dict:
    data = {
        "nom": "Programme saisi dans l’admin",
        "slug": "programme-admin",
        "pilote": pilote_par_defaut(),
        "description": "",
        "appel_ouvert": "on",
        "date_debut": "2026-01-01",
        "date_fin": "2026-12-31",
        "taux_journalier": "500.00",
        "jours_minimum": 30,
        "reunions_comite_minimum": 2,
        "nom_comite": "comité technique",
        "prefixe_reference": "TSF",
        "poids_competences": 40,
        "poids_experience": 20,
        "poids_geographie": 10,
        "poids_disponibilite": 10,
        "poids_nouveaute": 10,
        "poids_pressenti": 10,
        "missions_max_par_mentor": 2,
        "heures_par_demi_journee": 4,
        "delai_avant_seance_heures": 48,
        "delai_compte_rendu_jours": 7,
        "alerte_dossier_jours": 10,
        "relance_six_mois_premiere_jours": 14,
        "relance_six_mois_seconde_jours": 28,
        "relance_brouillon_jours": 14,
        "relances_desactivees": "[]",
        "formats-TOTAL_FORMS": 1,
        "formats-INITIAL_FORMS": 0,
        "formats-0-ordre": 0,
        "formats-0-code": "tsf",
        "formats-0-libelle": "Transfert de savoir-faire",
        "formats-0-demi_journees_min": 1,
        "formats-0-demi_journees_max": 4,
        "formats-0-ecart_max_jours": 14,
        "formats-0-nature": "individuel",
        "formats-0-unite": "demi_journee",
        "formats-0-participants_max": 1,
        "formats-0-participation_non_membre": "0.00",
        "formats-0-seance_duree_max": 2,
        "formats-0-personne_ressource_remuneree": "on",
        "formats-0-actif": "on",
        "enveloppe-TOTAL_FORMS": 1,
        "enveloppe-INITIAL_FORMS": 0,
        "enveloppe-0-montant": "30000.00",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_programme_added_with_its_formats_and_envelope(admin_client):
    from programmes.models import Programme

    response = admin_client.post(_url(Programme, "add"), _programme_post_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(slug="programme-admin")
    assert programme.formats.get().code == "tsf"
    assert Enveloppe.objects.get(programme=programme).montant == Decimal("30000.00")


@pytest.mark.django_db
def test_programme_page_refuses_an_envelope_below_what_is_used(admin_client, superuser):
    from programmes.models import Programme

    data = _populate(superuser)
    programme = data["programme"]
    enveloppe = Enveloppe.objects.get(programme=programme)
    formats = list(programme.formats.all())
    post = _programme_post_data(
        nom=programme.nom,
        slug=programme.slug,
        **{
            "formats-TOTAL_FORMS": len(formats),
            "formats-INITIAL_FORMS": len(formats),
            "enveloppe-INITIAL_FORMS": 1,
            "enveloppe-0-id": enveloppe.pk,
            "enveloppe-0-programme": programme.pk,
            "enveloppe-0-montant": "500.00",
        },
    )
    for i, fmt in enumerate(formats):
        post.update(
            {
                f"formats-{i}-id": fmt.pk,
                f"formats-{i}-programme": programme.pk,
                f"formats-{i}-ordre": fmt.ordre,
                f"formats-{i}-code": fmt.code,
                f"formats-{i}-libelle": fmt.libelle,
                f"formats-{i}-demi_journees_min": fmt.demi_journees_min,
                f"formats-{i}-demi_journees_max": fmt.demi_journees_max,
                f"formats-{i}-ecart_max_jours": fmt.ecart_max_jours,
                f"formats-{i}-nature": fmt.nature,
                f"formats-{i}-unite": fmt.unite,
                f"formats-{i}-participation_non_membre": fmt.participation_non_membre,
                f"formats-{i}-participants_max": fmt.participants_max,
                f"formats-{i}-seance_duree_max": fmt.seance_duree_max,
                f"formats-{i}-personne_ressource_remuneree": "on",
                f"formats-{i}-actif": "on",
            }
        )
    response = admin_client.post(_url(Programme, "change", programme.pk), post)
    assert response.status_code == 200
    assert "déjà engagé et dépensé" in response.content.decode()
    enveloppe.refresh_from_db()
    assert enveloppe.montant == Decimal("30000.00")
    post["enveloppe-0-montant"] = "32000.00"
    assert admin_client.post(_url(Programme, "change", programme.pk), post).status_code == 302
    enveloppe.refresh_from_db()
    assert (enveloppe.montant, enveloppe.engage) == (Decimal("32000.00"), Decimal("1000.00"))


# --- Thread and notes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_message_written_in_the_admin_is_signed_by_the_coordinator_and_then_frozen(admin_client, superuser):
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    response = admin_client.post(_url(Message, "add"), {"candidature": candidature.pk, "texte": "Pouvez-vous préciser ?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.auteur, message.de_la_coordination) == (superuser, True)
    assert admin_client.post(_url(Message, "change", message.pk), {"texte": "Modifié"}).status_code == 403
    message.refresh_from_db()
    assert message.texte == "Pouvez-vous préciser ?"


# --- Accounts -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_roles_action_goes_through_the_role_service(admin_client, django_user_model):
    person = UserFactory()
    url = _url(django_user_model, "changelist")
    form_page = admin_client.post(url, {"action": "action_definir_roles", ACTION_CHECKBOX_NAME: [person.pk], "index": 0})
    assert form_page.status_code == 200
    admin_client.post(
        url,
        {"action": "action_definir_roles", ACTION_CHECKBOX_NAME: [person.pk], "roles": ["coordination"], "appliquer": "1"},
    )
    person.refresh_from_db()
    assert list(person.groups.values_list("name", flat=True)) == ["coordination"]
    assert person.is_staff


@pytest.mark.django_db
def test_a_coordinator_uses_the_back_office_but_cannot_make_a_superuser(client, coordinateur, django_user_model):
    client.force_login(coordinateur)
    from accounts.services import DOMAIN_APPS

    for model, _model_admin in REGISTRY:
        if model._meta.app_label in DOMAIN_APPS:
            assert client.get(_url(model, "changelist")).status_code == 200, model._meta.label
    page = client.get(_url(django_user_model, "change", coordinateur.pk)).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' in page


@pytest.mark.django_db
def test_select_action_records_format_and_half_days_through_the_service(admin_client):
    programme = ProgrammeFactory()
    candidature = CandidatureFactory(programme=programme, etat=Etat.DIAGNOSTIC_REALISE)
    tsf = ProgrammeFactory.tsf(programme)
    url = _url(Candidature, "changelist")
    assert (
        admin_client.post(url, {"action": "action_retenir", ACTION_CHECKBOX_NAME: [candidature.pk], "index": 0}).status_code
        == 200
    )
    too_many = admin_client.post(
        url,
        {
            "action": "action_retenir",
            ACTION_CHECKBOX_NAME: [candidature.pk],
            "format": tsf.pk,
            "demi_journees": 9,
            "appliquer": "1",
        },
        follow=True,
    )
    assert any("Limite dépassée" in str(m) for m in too_many.context["messages"])
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_REALISE
    admin_client.post(
        url,
        {
            "action": "action_retenir",
            ACTION_CHECKBOX_NAME: [candidature.pk],
            "format": tsf.pk,
            "demi_journees": 2,
            "appliquer": "1",
        },
    )
    candidature.refresh_from_db()
    assert (candidature.etat, candidature.format_retenu, candidature.demi_journees_retenues) == (Etat.SELECTIONNEE, tsf, 2)
