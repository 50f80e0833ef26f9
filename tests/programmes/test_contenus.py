"""A programme's own e-mail templates (in versions, used when sending, previewed with a real file) and the
copy of a programme into next year's."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from candidatures.models import Candidature
from candidatures.services import message_send
from core.exceptions import RuleViolation
from core.models import MessageEnvoye
from programmes.copie import _COPIEURS, register_copie
from programmes.models import Clause, Format, ModeleEmail, Programme, VersionClauses
from programmes.services import clauses_courantes, clauses_enregistrer, modele_email_enregistrer, programme_copier
from tests.factories import CandidatureFactory, ProgrammeFactory, UserFactory

CORPS = "Bonjour,\n\nNouveau message sur le dossier {{ candidature.reference }} :\n{{ message.texte }}\n\n{{ pilot.name }}"


def _envoyer(candidature, coordinateur, texte, capture):
    with capture(execute=True):
        message_send(candidature=candidature, auteur=coordinateur, texte=texte, piece=None)


@pytest.mark.django_db
def test_the_programmes_template_is_used_when_sending_and_the_sent_email_keeps_its_version(
    coordinateur, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(etat="soumise")
    v1 = modele_email_enregistrer(
        programme=candidature.programme,
        cle="candidature_message",
        sujet="[{{ candidature.reference }}] Un message de la coordination",
        corps=CORPS,
        par=coordinateur,
    )
    assert v1.version == 1
    _envoyer(candidature, coordinateur, "Pouvez-vous préciser le budget ?", django_capture_on_commit_callbacks)

    email = mail.outbox[-1]
    assert email.subject == f"[{candidature.reference}] Un message de la coordination"
    assert f"Nouveau message sur le dossier {candidature.reference} :\nPouvez-vous préciser le budget ?" in email.body
    assert "Pouvez-vous préciser le budget ?" in email.alternatives[0][0]
    envoye = MessageEnvoye.objects.get(sujet=email.subject)
    assert (envoye.modele, envoye.modele_version, envoye.modele_pk) == ("candidature_message", 1, v1.pk)

    # A second version: the next e-mail uses it, the one already sent still points at version 1.
    v2 = modele_email_enregistrer(
        programme=candidature.programme,
        cle="candidature_message",
        sujet="Dossier {{ candidature.reference }} : nouveau message",
        corps=CORPS,
        par=coordinateur,
    )
    assert v2.version == 2 and ModeleEmail.objects.filter(programme=candidature.programme).count() == 2
    _envoyer(candidature, coordinateur, "Merci.", django_capture_on_commit_callbacks)
    assert mail.outbox[-1].subject == f"Dossier {candidature.reference} : nouveau message"
    envoye.refresh_from_db()
    assert envoye.modele_version == 1 and envoye.modele_pk == v1.pk
    assert MessageEnvoye.objects.get(sujet=mail.outbox[-1].subject).modele_version == 2


@pytest.mark.django_db
def test_without_its_own_template_a_programme_sends_the_file_one(coordinateur, django_capture_on_commit_callbacks):
    candidature = CandidatureFactory(etat="soumise")
    modele_email_enregistrer(  # another programme's template changes nothing here
        programme=ProgrammeFactory(), cle="candidature_message", sujet="Autre", corps="Autre", par=coordinateur
    )
    _envoyer(candidature, coordinateur, "Bonjour", django_capture_on_commit_callbacks)
    assert mail.outbox[-1].subject == f"Nouveau message sur le dossier {candidature.reference}"
    envoye = MessageEnvoye.objects.get(sujet=mail.outbox[-1].subject)
    assert (envoye.modele, envoye.modele_version) == ("candidature_message", None)


@pytest.mark.django_db
def test_an_unknown_placeholder_a_tag_or_a_private_attribute_is_refused_in_french(coordinateur):
    programme = ProgrammeFactory()
    with pytest.raises(RuleViolation) as refus:
        modele_email_enregistrer(
            programme=programme,
            cle="candidature_message",
            sujet="Dossier",
            corps="{{ candidature.candidat.password }} {{ candidature.reference }}",
            par=coordinateur,
        )
    assert "Valeurs inconnues : {{ candidature.candidat.password }}" in refus.value.message
    with pytest.raises(RuleViolation, match="balises"):
        modele_email_enregistrer(
            programme=programme, cle="candidature_message", sujet="x", corps="{% load static %}", par=coordinateur
        )
    assert not ModeleEmail.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_an_unknown_placeholder_next_to_the_field_and_writes_versions(admin_client):
    programme = ProgrammeFactory()
    url = reverse("admin:programmes_modeleemail_add")
    data = {"programme": programme.pk, "cle": "candidature_message", "sujet": "Dossier", "corps": "Bonjour {{ nom }}"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["corps"]
    assert "Valeurs inconnues : {{ nom }}" in errors[0] and "{{ candidature.reference }}" in errors[0]
    assert not ModeleEmail.objects.exists()

    data["corps"] = "Bonjour, dossier {{ candidature.reference }}."
    assert admin_client.post(url, data).status_code == 302
    v1 = ModeleEmail.objects.get()
    # A version is read-only; "a new version" starts from it and adds version 2.
    page = admin_client.get(reverse("admin:programmes_modeleemail_change", args=[v1.pk])).content.decode()
    assert 'name="corps"' not in page and "nouvelle version" in page
    form = admin_client.get(url, {"depuis": v1.pk}).context["adminform"].form
    assert form.initial["corps"] == v1.corps
    data["corps"] = "Bonjour, votre dossier {{ candidature.reference }}."
    assert admin_client.post(url, data).status_code == 302
    assert list(ModeleEmail.objects.order_by("version").values_list("version", "corps")) == [
        (1, "Bonjour, dossier {{ candidature.reference }}."),
        (2, "Bonjour, votre dossier {{ candidature.reference }}."),
    ]


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="admin@exemple.test", password="mot-de-passe-42"))
    return client


@pytest.mark.django_db
def test_the_preview_shows_a_real_file_to_the_coordination_only(client, coordinateur, candidat):
    candidature = CandidatureFactory(etat="soumise")
    modele = modele_email_enregistrer(
        programme=candidature.programme,
        cle="candidature_message",
        sujet="Dossier {{ candidature.reference }}",
        corps="Bonjour, votre dossier {{ candidature.reference }} ({{ candidature.structure.raison_sociale }}).",
        par=coordinateur,
    )
    url = reverse("admin:programmes_modeleemail_apercu", args=[modele.pk])
    coordinateur.is_staff = True
    coordinateur.save()
    client.force_login(coordinateur)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Dossier {candidature.reference}" in page and candidature.structure.raison_sociale in page

    client.force_login(candidat)
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    staff = UserFactory(email="staff@exemple.test", roles=["comite_technique"])
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(url).status_code == 403
    client.force_login(coordinateur)
    assert client.get(reverse("admin:programmes_modeleemail_apercu", args=[modele.pk + 99])).status_code == 404


# --- Copy this programme ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_copy_takes_settings_formats_templates_and_clauses_but_no_file(coordinateur):
    source = ProgrammeFactory(jours_minimum=21, delai_compte_rendu_jours=5)
    CandidatureFactory(programme=source)
    modele_email_enregistrer(programme=source, cle="candidature_message", sujet="v1", corps="v1", par=coordinateur)
    modele_email_enregistrer(programme=source, cle="candidature_message", sujet="v2", corps="v2", par=coordinateur)
    clauses_enregistrer(programme=source, articles=[("Objet", "Texte 1")], par=coordinateur)
    clauses_enregistrer(programme=source, articles=[("Objet", "Texte 2"), ("Durée", "[calendrier]")], par=coordinateur)
    seen = []

    @register_copie
    def copier_test(*, source: Programme, cible: Programme) -> None:
        seen.append((source.pk, cible.nom))

    try:
        cible = programme_copier(
            source=source,
            nom="Programme 2027",
            slug="programme-2027",
            date_debut=datetime.date(2027, 1, 1),
            date_fin=datetime.date(2027, 12, 31),
            par=coordinateur,
        )
    finally:
        _COPIEURS.remove(copier_test)
    assert (cible.nom, cible.appel_ouvert, cible.jours_minimum, cible.delai_compte_rendu_jours) == (
        "Programme 2027",
        False,
        21,
        5,
    )
    assert sorted(Format.objects.filter(programme=cible).values_list("code", "demi_journees_max")) == sorted(
        source.formats.values_list("code", "demi_journees_max")
    )
    assert list(ModeleEmail.objects.filter(programme=cible).values_list("cle", "version", "sujet")) == [
        ("candidature_message", 1, "v2")
    ]
    clauses = clauses_courantes(programme=cible)
    assert clauses.version == 1
    assert list(clauses.clauses.values_list("titre", "texte")) == [("Objet", "Texte 2"), ("Durée", "[calendrier]")]
    assert not Candidature.objects.filter(programme=cible).exists()
    assert seen == [(source.pk, "Programme 2027")]
    assert (cible.enveloppe.montant, cible.enveloppe.engage) == (source.enveloppe.montant, 0)  # budget's copier
    assert Clause.objects.filter(version__programme=source).count() == 3


@pytest.mark.django_db
def test_copy_from_the_admin_asks_name_slug_and_dates_with_french_errors(admin_client):
    source = ProgrammeFactory(slug="tsf-2026")
    url = reverse("admin:programmes_programme_changelist")
    base = {"action": "action_copier", ACTION_CHECKBOX_NAME: [source.pk], "index": 0}
    page = admin_client.post(url, base)
    assert page.status_code == 200 and 'name="slug"' in page.content.decode()
    refused = admin_client.post(
        url,
        {**base, "appliquer": "1", "nom": "TSF 2027", "slug": "tsf-2026", "date_debut": "2027-01-01", "date_fin": "2026-01-01"},
    )
    content = refused.content.decode()
    assert "Un programme porte déjà cet identifiant." in content and "La fin de la période doit suivre son début." in content
    assert Programme.objects.count() == 1
    done = admin_client.post(
        url,
        {**base, "appliquer": "1", "nom": "TSF 2027", "slug": "tsf-2027", "date_debut": "2027-01-01", "date_fin": "2027-12-31"},
        follow=True,
    )
    assert done.status_code == 200 and "1 programme copié." in done.content.decode()
    copie = Programme.objects.get(slug="tsf-2027")
    assert not copie.appel_ouvert and copie.formats.count() == source.formats.count()
    assert not VersionClauses.objects.filter(programme=copie).exists() or clauses_courantes(programme=copie).version == 1


@pytest.mark.django_db
def test_clauses_are_edited_in_the_admin_as_a_new_version_with_french_errors(admin_client):
    programme = ProgrammeFactory()
    v1 = clauses_courantes(programme=programme)
    url = reverse("admin:programmes_versionclauses_add")
    form = admin_client.get(url, {"programme": programme.pk}).context["adminform"].form
    assert form.initial["articles"].startswith("## Cadre\n") and "[signatures]" in form.initial["articles"]

    refused = admin_client.post(url, {"programme": programme.pk, "articles": "## Objet\nLe {{ programme.budget_secret }}."})
    assert refused.status_code == 200
    assert "Article 1 : Valeurs inconnues : {{ programme.budget_secret }}" in str(refused.context["adminform"].form.errors)
    refused = admin_client.post(url, {"programme": programme.pk, "articles": "Sans titre"})
    assert "Commencez chaque article" in str(refused.context["adminform"].form.errors)

    texte = "## Objet\nLa charte du programme {{ programme.nom }}.\n\n## Signature\n[signatures]"
    assert admin_client.post(url, {"programme": programme.pk, "articles": texte}).status_code == 302
    v2 = clauses_courantes(programme=programme)
    assert v2.version == 2 and list(v2.clauses.values_list("titre", flat=True)) == ["Objet", "Signature"]
    assert v1.clauses.count() == 8  # the first version (today's eight articles) is kept as it was
    page = admin_client.get(reverse("admin:programmes_versionclauses_change", args=[v1.pk])).content.decode()
    assert 'name="articles"' not in page and "Cadre" in page
