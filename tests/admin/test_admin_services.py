"""The admin walk: every registered ModelAdmin, its add and change forms and its inlines, against the
fields its model's services own.

Each admin declares next to itself (core.admin_helpers.ServiceAdminMixin) which fields the services
own (`service_owned_fields`), which state- or money-looking fields are data the admin edits
(`admin_owned_fields`), whether only services create or delete its rows, and through which service
its add, change and delete go. The walk fails when a service-owned field is writable in a form that
does not save through a service, when a row only services create or delete can be added or deleted
around them, and when an admin of a model with a state, money, half-day, fingerprint, reference or
"…_le" date field declares nothing. Then the defects found in issue 13 are replayed through the
admin's own views.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

import accompagnements.admin
import candidatures.services
from accompagnements.models import AccompagnementEvenement, FluxCalendrier, Seance
from accounts.services import DOMAIN_APPS
from annuaire.models import PersonneRessource, Proposition
from budget.models import Paiement
from candidatures.models import CandidatureEvenement, DemandePiece, Etat, Message, NoteInterne
from comite.models import Avis, Saisine
from core.admin_helpers import ServiceAdminMixin, ServiceInlineMixin
from core.exceptions import RuleViolation
from tests.admin.test_admin_pages import _populate
from tests.annuaire.conftest import dossier_retenu
from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    CompetenceFactory,
    ObjectifFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    SeanceFactory,
    StructureFactory,
)

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)

# --- What "a field a service owns" looks like, to catch an admin that declares nothing ------------

STATE_NAMES = {"etat", "state", "reference"}


def _looks_service_owned(field: models.Field) -> bool:
    """State, money, half-days, fingerprints, references and the dates services stamp ("…_le")."""
    name = field.name
    return (
        name in STATE_NAMES
        or isinstance(field, models.DecimalField)
        or name.startswith("demi_journees")
        or "sha256" in name
        or (isinstance(field, models.DateField) and name.endswith("_le"))
    )


def _concrete_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False) and not f.auto_created}


def _owned(model_admin: Any) -> set[str]:
    declared = getattr(model_admin, "service_owned_fields", None)
    if declared is None:
        return set()
    return _concrete_names(model_admin.model) if declared == "__all__" else set(declared)


def _declaration_of(model: type[models.Model]) -> Any:
    return admin.site._registry.get(model)


def _hook_overridden(obj: Any, base: type, name: str) -> bool:
    return getattr(type(obj), name) is not getattr(base, name)


def _check_services(owner: Any, base: type, label: str) -> list[str]:
    """Each declared service exists, and the hook that calls it is implemented."""
    problems = []
    for declaration, hook in (
        ("service_add", "create_with_service"),
        ("service_change", "update_with_service"),
        ("service_delete", "delete_with_service"),
    ):
        declared = getattr(owner, declaration, None)
        if declared is None:
            continue
        for path in (declared,) if isinstance(declared, str) else declared:
            try:
                service = import_string(path)
            except ImportError:
                problems.append(f"{label}: {declaration} {path!r} does not exist")
                continue
            if not callable(service):
                problems.append(f"{label}: {declaration} {path!r} is not a service")
        if not isinstance(owner, base) or not _hook_overridden(owner, base, hook):
            problems.append(f"{label}: declares {declaration} but does not implement {hook}")
    return problems


def _form_fields(model_admin: Any, request: Any, obj: Any) -> set[str]:
    """Fields the add form (obj None) or the change form lets the user write."""
    if obj is None and not model_admin.has_add_permission(request):
        return set()
    if obj is not None and not model_admin.has_change_permission(request, obj):
        return set()
    form = model_admin.get_form(request, obj, change=obj is not None)
    return set(form.base_fields) - set(model_admin.get_readonly_fields(request, obj))


def _inline_problems(parent_admin: Any, request: Any, obj: Any, where: str) -> list[str]:
    problems = []
    for inline in parent_admin.get_inline_instances(request, obj):
        label = f"{parent_admin.model._meta.label} {where}, inline {inline.model._meta.label}"
        declaration = _declaration_of(inline.model)
        if declaration is None or getattr(declaration, "service_owned_fields", None) is None:
            problems.append(f"{label}: its model's admin declares no service_owned_fields")
            continue
        owned = _owned(declaration)
        formset = inline.get_formset(request, obj)
        fields = set(formset.form.base_fields) - set(inline.get_readonly_fields(request, obj)) - {formset.fk.name}
        can_add = inline.has_add_permission(request, obj) and inline.get_max_num(request, obj) != 0
        can_change = obj is not None and inline.has_change_permission(request, obj)
        can_delete = inline.can_delete and inline.has_delete_permission(request, obj)
        service_add = getattr(inline, "service_add", None)
        service_change = getattr(inline, "service_change", None)
        service_delete = getattr(inline, "service_delete", None)
        if can_add and fields & owned and service_add is None:
            problems.append(f"{label}: new rows write {sorted(fields & owned)} around the services")
        if can_add and declaration.only_services_create and service_add is None:
            problems.append(f"{label}: adds rows that only services create")
        if can_change and fields & owned and service_change is None:
            problems.append(f"{label}: existing rows write {sorted(fields & owned)} around the services")
        if can_delete and declaration.only_services_delete and service_delete is None:
            problems.append(f"{label}: deletes rows that only services delete")
        if any((service_add, service_change, service_delete)):
            problems += _check_services(inline, ServiceInlineMixin, label)
            if not isinstance(parent_admin, ServiceAdminMixin):
                problems.append(f"{label}: routes through services but its parent does not dispatch its formset")
    return problems


def admin_problems(model: type[models.Model], model_admin: Any, request: Any, obj: Any) -> list[str]:
    """Everything the walk refuses for one ModelAdmin (empty: nothing writable around the services)."""
    label = model._meta.label
    declared = getattr(model_admin, "service_owned_fields", None)
    looks_owned = {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False) and _looks_service_owned(f)}
    if declared is None:
        if model._meta.app_label in DOMAIN_APPS or looks_owned:
            return [f"{label}: declares no service_owned_fields (state or money fields: {sorted(looks_owned) or 'none'})"]
        return []  # a third-party admin with nothing that looks like a rule
    problems = []
    owned = _owned(model_admin)
    known = _concrete_names(model)
    unknown = (owned | set(model_admin.admin_owned_fields)) - known
    if unknown:
        problems.append(f"{label}: declares fields it does not have: {sorted(unknown)}")
    undeclared = looks_owned - owned - set(model_admin.admin_owned_fields)
    if undeclared:
        problems.append(f"{label}: {sorted(undeclared)} look like state or money but are declared neither way")
    problems += _check_services(model_admin, ServiceAdminMixin, label)
    add_fields = _form_fields(model_admin, request, None) & owned
    if add_fields and model_admin.service_add is None:
        problems.append(f"{label}: the add form writes {sorted(add_fields)} around the services")
    change_fields = _form_fields(model_admin, request, obj) & owned if obj is not None else set()
    if change_fields and model_admin.service_change is None:
        problems.append(f"{label}: the change form writes {sorted(change_fields)} around the services")
    if model_admin.only_services_create and model_admin.has_add_permission(request) and model_admin.service_add is None:
        problems.append(f"{label}: rows only services create can be added")
    if (
        model_admin.only_services_delete
        and model_admin.has_delete_permission(request, obj)
        and model_admin.service_delete is None
    ):
        problems.append(f"{label}: rows only services delete can be deleted")
    problems += _inline_problems(model_admin, request, None, "add")
    if obj is not None:
        problems += _inline_problems(model_admin, request, obj, "change")
    return problems


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-admin-42")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
def test_no_registered_admin_writes_around_its_services(superuser, figure):
    _populate(superuser)
    request = _request(superuser)
    problems = []
    for model, model_admin in REGISTRY:
        obj = model._default_manager.order_by("pk").first()
        problems += admin_problems(model, model_admin, request, obj)
    assert problems == []
    figure(f"{len(REGISTRY)} ModelAdmins walked, {len(problems)} writable around their services")


@pytest.mark.django_db
def test_the_walk_refuses_an_undeclared_admin_and_a_writable_service_field(superuser):
    """A new admin on a money model without declarations, or one that leaves a declared field writable, fails."""
    request = _request(superuser)
    _populate(superuser)
    paiement = Paiement.objects.get()
    plain = admin.ModelAdmin(Paiement, admin.site)
    assert any("declares no service_owned_fields" in p for p in admin_problems(Paiement, plain, request, paiement))

    class DeclaredButWritable(ServiceAdminMixin, admin.ModelAdmin):
        service_owned_fields = ("montant", "depassement_autorise", "corrige", "date_paiement")

    problems = admin_problems(Paiement, DeclaredButWritable(Paiement, admin.site), request, paiement)
    assert any("the add form writes" in p and "montant" in p for p in problems)
    assert any("the change form writes" in p for p in problems)

    class LedgerDeletable(ServiceAdminMixin, admin.ModelAdmin):
        service_owned_fields = "__all__"
        only_services_delete = True

        def has_add_permission(self, request: Any) -> bool:
            return False

        def has_change_permission(self, request: Any, obj: Any = None) -> bool:
            return False

    problems = admin_problems(Paiement, LedgerDeletable(Paiement, admin.site), request, paiement)
    assert problems == ["budget.Paiement: rows only services delete can be deleted"]


# --- Defect 3 of issue 13: the session added in the admin beyond the convention ---------------------


def _seance_post(accompagnement: Any, *, demi_journees: int, **extra: Any) -> dict[str, Any]:
    debut = timezone.localtime(timezone.now() + datetime.timedelta(days=10))
    data = {
        "accompagnement": accompagnement.pk,
        "debut_0": debut.strftime("%Y-%m-%d"),
        "debut_1": "10:00:00",
        "demi_journees": demi_journees,
        "modalite": "presentiel",
        "lieu": "Salle de réunion",
        "lien_visio": "",
        "sujet": "Mécénat",
        "note_coordination": "",
    }
    for prefix in ("compte_rendu", "questions", "supports"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(extra)
    return data


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_session_beyond_the_convention_is_refused_in_the_admin_as_on_the_page(admin_client, superuser):
    accompagnement = AccompagnementFactory(demi_journees_prevues=2)
    SeanceFactory(accompagnement=accompagnement, demi_journees=2)
    prefixes = {
        formset.formset.prefix
        for formset in admin_client.get(reverse("admin:accompagnements_seance_add")).context["inline_admin_formsets"]
    }
    assert prefixes == {"compte_rendu", "questions", "supports"}, prefixes

    response = admin_client.post(
        reverse("admin:accompagnements_seance_add"), _seance_post(accompagnement, demi_journees=2), follow=True
    )

    assert response.status_code == 200
    assert any("il en reste 0" in text for text in _messages(response)), _messages(response)
    assert Seance.objects.filter(accompagnement=accompagnement).count() == 1


@pytest.mark.django_db
def test_session_added_in_the_admin_is_planned_by_the_service(admin_client, superuser, django_capture_on_commit_callbacks):
    accompagnement = AccompagnementFactory(demi_journees_prevues=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:accompagnements_seance_add"), _seance_post(accompagnement, demi_journees=2))
    assert response.status_code == 302
    seance = Seance.objects.get(accompagnement=accompagnement)
    assert seance.planifiee_par == superuser
    assert AccompagnementEvenement.objects.filter(accompagnement=accompagnement, transition="seance_planifier").exists()
    assert accompagnement.beneficiaire.email in {address for email in mail.outbox for address in email.to}


@pytest.mark.django_db
def test_session_added_from_the_accompagnement_page_goes_through_the_service(admin_client):
    accompagnement = AccompagnementFactory(demi_journees_prevues=1)
    url = reverse("admin:accompagnements_accompagnement_change", args=[accompagnement.pk])
    page = admin_client.get(url)
    data: dict[str, Any] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        assert formset.initial_form_count() == 0
        data.update({f"{formset.prefix}-TOTAL_FORMS": 0, f"{formset.prefix}-INITIAL_FORMS": 0})
    debut = timezone.localtime(timezone.now() + datetime.timedelta(days=10))
    data.update(
        {
            "seances-TOTAL_FORMS": 1,
            "seances-0-debut_0": debut.strftime("%Y-%m-%d"),
            "seances-0-debut_1": "14:00:00",
            "seances-0-demi_journees": 2,
            "seances-0-modalite": "presentiel",
            "seances-0-lieu": "Salle",
            "seances-0-sujet": "Trop long",
        }
    )
    response = admin_client.post(url, data, follow=True)
    assert any("il en reste 1" in text for text in _messages(response)), _messages(response)
    assert not Seance.objects.filter(accompagnement=accompagnement).exists()

    data["seances-0-demi_journees"] = 1
    assert admin_client.post(url, data).status_code == 302
    seance = Seance.objects.get(accompagnement=accompagnement)
    assert AccompagnementEvenement.objects.filter(
        accompagnement=accompagnement, transition="seance_planifier", details__seance=seance.pk
    ).exists()


@pytest.mark.django_db
def test_a_held_session_keeps_its_planning_and_cannot_be_deleted_in_the_admin(admin_client):
    seance = SeanceFactory(etat="realisee", debut=timezone.now() - datetime.timedelta(days=2))
    page = admin_client.get(reverse("admin:accompagnements_seance_change", args=[seance.pk])).content.decode()
    assert 'name="demi_journees"' not in page
    assert 'name="debut_0"' not in page
    assert admin_client.post(reverse("admin:accompagnements_seance_delete", args=[seance.pk]), {"post": "yes"}).status_code == 403
    assert Seance.objects.filter(pk=seance.pk).exists()


# --- The other writers found in issue 13: e-mails and timeline written by their services ----------


@pytest.mark.django_db
def test_document_request_added_in_the_admin_emails_the_applicant_and_writes_the_timeline(
    admin_client, superuser, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(etat=Etat.RECEVABLE)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:candidatures_demandepiece_add"),
            {"candidature": candidature.pk, "type_piece": "budget", "message": "Le budget prévisionnel, s’il vous plaît."},
        )
    assert response.status_code == 302
    demande = DemandePiece.objects.get(candidature=candidature)
    assert demande.demandee_par == superuser
    kinds = set(CandidatureEvenement.objects.filter(candidature=candidature).values_list("kind", flat=True))
    assert {"document", "email"} <= kinds
    assert [email.to for email in mail.outbox] == [[candidature.candidat.email]]
    assert candidature.emails.count() == 1


@pytest.mark.django_db
def test_document_request_on_a_draft_is_refused_with_the_services_message(admin_client):
    candidature = CandidatureFactory(etat=Etat.BROUILLON)
    response = admin_client.post(
        reverse("admin:candidatures_demandepiece_add"), {"candidature": candidature.pk, "type_piece": "budget"}, follow=True
    )
    assert response.status_code == 200
    assert any("On ne peut pas demander de document" in text for text in _messages(response))
    assert not DemandePiece.objects.exists()


@pytest.mark.django_db
def test_message_added_in_the_admin_emails_the_applicant_and_writes_the_timeline(
    admin_client, superuser, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:candidatures_message_add"), {"candidature": candidature.pk, "texte": "Pouvez-vous préciser ?"}
        )
    assert response.status_code == 302
    message = Message.objects.get(candidature=candidature)
    assert (message.auteur, message.de_la_coordination) == (superuser, True)
    assert CandidatureEvenement.objects.filter(candidature=candidature, kind="message", details__message=message.pk).exists()
    assert [email.to for email in mail.outbox] == [[candidature.candidat.email]]


@pytest.mark.django_db
def test_message_and_note_written_on_the_file_page_go_through_their_services(
    admin_client, superuser, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    url = reverse("admin:candidatures_candidature_change", args=[candidature.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [getattr(v, "pk", v) for v in value] if isinstance(value, list | tuple) else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": formset.initial_form_count(),
                f"{formset.prefix}-INITIAL_FORMS": formset.initial_form_count(),
            }
        )
        for i, inline_form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{i}-id"] = inline_form.instance.pk
    data.update(
        {
            "messages-TOTAL_FORMS": 1,
            "messages-0-texte": "Votre dossier est complet.",
            "notes_internes-TOTAL_FORMS": 1,
            "notes_internes-0-texte": "  À présenter au comité.  ",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    message = Message.objects.get(candidature=candidature)
    assert message.de_la_coordination and message.auteur == superuser
    assert CandidatureEvenement.objects.filter(candidature=candidature, kind="message").exists()
    assert [email.to for email in mail.outbox] == [[candidature.candidat.email]]
    note = NoteInterne.objects.get(candidature=candidature)
    assert (note.texte, note.auteur) == ("À présenter au comité.", superuser)


@pytest.mark.django_db
def test_internal_note_added_in_the_admin_goes_through_the_service(admin_client, superuser, monkeypatch):
    calls = []
    service = candidatures.services.note_interne_add

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return service(**kwargs)

    monkeypatch.setattr(candidatures.services, "note_interne_add", spy)
    candidature = CandidatureFactory(etat=Etat.SOUMISE)
    response = admin_client.post(
        reverse("admin:candidatures_noteinterne_add"), {"candidature": candidature.pk, "texte": "Appeler la structure."}
    )
    assert response.status_code == 302
    assert calls == [{"candidature": candidature, "by": superuser, "texte": "Appeler la structure."}]
    note = NoteInterne.objects.get(candidature=candidature)
    assert (note.texte, note.auteur) == ("Appeler la structure.", superuser)
    assert admin_client.get(reverse("admin:candidatures_noteinterne_change", args=[note.pk])).status_code == 200


@pytest.mark.django_db
def test_proposition_added_in_the_admin_is_sent_by_the_matching_service(
    admin_client, superuser, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory()
    competence = CompetenceFactory()
    dossier = dossier_retenu(programme, besoins=[(competence, 3)], structure=StructureFactory(departement="31"))
    mentor = PersonneRessourceFactory(competences=[(competence, 3)], disponibilite_demi_journees=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:annuaire_proposition_add"),
            {"candidature": dossier.pk, "personne_ressource": mentor.pk, "justification": ""},
        )
    assert response.status_code == 302, _messages(admin_client.get(reverse("admin:annuaire_proposition_changelist")))
    proposition = Proposition.objects.get(candidature=dossier)
    assert (proposition.etat, proposition.rang, proposition.proposee_par) == ("envoyee", 1, superuser)
    assert proposition.envoyee_le is not None and proposition.score > 0
    assert CandidatureEvenement.objects.filter(candidature=dossier, details__action="proposition_envoyee").exists()
    assert [email.to for email in mail.outbox] == [[mentor.email]]
    assert (
        admin_client.post(reverse("admin:annuaire_proposition_change", args=[proposition.pk]), {"justification": "x"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_a_refusal_in_the_admin_never_answers_500_and_keeps_nothing(admin_client):
    """A proposition the ranking refuses (mentor from the beneficiary's own structure): a message, no row."""
    programme = ProgrammeFactory()
    competence = CompetenceFactory()
    dossier = dossier_retenu(programme, besoins=[(competence, 3)])
    collegue = PersonneRessourceFactory(structure=dossier.structure, competences=[(competence, 3)])
    response = admin_client.post(
        reverse("admin:annuaire_proposition_add"),
        {"candidature": dossier.pk, "personne_ressource": collegue.pk, "justification": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert any("ne peut pas être proposé" in text for text in _messages(response))
    assert not Proposition.objects.exists()
    assert not CandidatureEvenement.objects.filter(candidature=dossier).exists()


def test_every_admin_of_the_domain_apps_is_a_service_admin():
    """The mechanism the walk relies on: a domain admin dispatches saves and refusals (ServiceAdminMixin or read-only)."""
    loose = [
        model._meta.label
        for model, model_admin in REGISTRY
        if model._meta.app_label in DOMAIN_APPS and getattr(model_admin, "service_owned_fields", None) is None
    ]
    assert loose == []
    assert get_user_model() in admin.site._registry


# --- The other admins that now save through services ----------------------------------------------


@pytest.mark.django_db
def test_diagnostic_planned_in_the_admin_moves_the_file_and_sends_the_invitation(
    admin_client, superuser, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(etat=Etat.RECEVABLE)
    debut = timezone.localtime(timezone.now() + datetime.timedelta(days=5))
    data = {
        "candidature": candidature.pk,
        "debut_0": debut.strftime("%Y-%m-%d"),
        "debut_1": "09:30:00",
        "duree_minutes": 60,
        "modalite": "distance",
        "lieu": "",
        "lien_visio": "https://visio.exemple.test/diag",
        "notes": "",
        "besoins-TOTAL_FORMS": 0,
        "besoins-INITIAL_FORMS": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:candidatures_entretiendiagnostic_add"), data)
    assert response.status_code == 302
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_PLANIFIE
    assert candidature.diagnostic.conduit_par == superuser
    assert [email.to for email in mail.outbox] == [[candidature.candidat.email]]

    past = timezone.localtime(timezone.now() - datetime.timedelta(days=1))
    other = CandidatureFactory(etat=Etat.RECEVABLE)
    data.update({"candidature": other.pk, "debut_0": past.strftime("%Y-%m-%d")})
    refused = admin_client.post(reverse("admin:candidatures_entretiendiagnostic_add"), data, follow=True)
    assert any("dans le futur" in text for text in _messages(refused))
    other.refresh_from_db()
    assert other.etat == Etat.RECEVABLE


@pytest.mark.django_db
def test_file_put_to_the_committee_and_opinion_given_in_the_admin_write_the_timeline(admin_client, programme, membre_comite):
    candidature = CandidatureFactory(programme=programme, etat=Etat.SOUMISE)
    response = admin_client.post(
        reverse("admin:comite_saisine_add"),
        {"candidature": candidature.pk, "question": "Éligible ?", "avis-TOTAL_FORMS": 0, "avis-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302
    saisine = Saisine.objects.get(candidature=candidature)
    assert CandidatureEvenement.objects.filter(candidature=candidature, details__action="saisine_comite").exists()

    opinion = {"saisine": saisine.pk, "membre": membre_comite.pk, "sens": "defavorable", "commentaire": ""}
    refused = admin_client.post(reverse("admin:comite_avis_add"), opinion, follow=True)
    assert any("Expliquez" in text for text in _messages(refused))
    assert not Avis.objects.exists()
    opinion["commentaire"] = "Hors champ."
    assert admin_client.post(reverse("admin:comite_avis_add"), opinion).status_code == 302
    assert CandidatureEvenement.objects.filter(candidature=candidature, kind="avis").exists()


@pytest.mark.django_db
def test_coordination_comment_on_an_objective_goes_through_the_service(admin_client):
    objectif = ObjectifFactory(accompagnement__etat="objectifs")
    url = reverse("admin:accompagnements_objectif_change", args=[objectif.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="intitule"' not in page
    response = admin_client.post(
        url,
        {"commentaire_coordination": "Préciser le critère.", "indicateurs-TOTAL_FORMS": 0, "indicateurs-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302
    objectif.refresh_from_db()
    assert objectif.commentaire_coordination == "Préciser le critère."
    assert AccompagnementEvenement.objects.filter(accompagnement=objectif.accompagnement, transition="objectif_commente").exists()


@pytest.mark.django_db
def test_calendar_feed_deleted_in_the_admin_is_revoked_by_the_service(admin_client, monkeypatch):
    revoked = []
    monkeypatch.setattr(accompagnements.admin, "flux_calendrier_revoke", lambda *, user: revoked.append(user))
    flux, _created = FluxCalendrier.objects.get_or_create(user=AccompagnementFactory().beneficiaire)
    response = admin_client.post(reverse("admin:accompagnements_fluxcalendrier_delete", args=[flux.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert revoked == [flux.user]


@pytest.mark.django_db
def test_mentor_profile_state_moves_only_by_the_validation_actions(admin_client, django_capture_on_commit_callbacks):
    profil = PersonneRessourceFactory(etat="candidate", user=None, email="ines@exemple.test")
    page = admin_client.get(reverse("admin:annuaire_personneressource_change", args=[profil.pk])).content.decode()
    assert 'name="etat"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:annuaire_personneressource_changelist"),
            {"action": "action_valider", ACTION_CHECKBOX_NAME: [profil.pk], "index": 0},
            follow=True,
        )
    assert any("1 profil validé" in text for text in _messages(response))
    profil = PersonneRessource.objects.get(pk=profil.pk)
    assert profil.etat == "validee" and profil.user is not None
    assert profil.evenements.filter(transition="valider").exists()
    assert [email.to for email in mail.outbox] == [["ines@exemple.test"]]


@pytest.mark.django_db
def test_a_delete_the_service_refuses_keeps_the_row_and_says_why(admin_client, monkeypatch):
    def refuse(*, user: Any) -> None:
        raise RuleViolation("Ce flux ne peut pas être révoqué maintenant.")

    monkeypatch.setattr(accompagnements.admin, "flux_calendrier_revoke", refuse)
    flux, _created = FluxCalendrier.objects.get_or_create(user=AccompagnementFactory().beneficiaire)
    url = reverse("admin:accompagnements_fluxcalendrier_delete", args=[flux.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response.url == reverse("admin:accompagnements_fluxcalendrier_change", args=[flux.pk])
    assert FluxCalendrier.objects.filter(pk=flux.pk).exists()
    page = admin_client.get(response.url)
    assert any("ne peut pas être révoqué" in text for text in _messages(page))
