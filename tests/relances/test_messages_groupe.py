"""Messages to a chosen group: who receives them, each person's own text, once each, and the record."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from core import jobs
from core.exceptions import RuleViolation
from core.models import TacheDifferee
from relances import selectors, services
from relances.models import DestinataireMessage, EtatDestinataire, MessageGroupe

from .groupe_scene import build_scene, filtres

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build_scene()


def emails_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_filter_selects_exactly_its_people(scene):
    s = scene

    def group(**kwargs):
        return set(selectors.destinataires_groupe(filtres(**kwargs)))

    everyone = {s.beneficiaire_aude, s.beneficiaire_31, s.mentor, s.candidat_soumis, s.beneficiaire_termine, s.mentor_autre}
    assert group() == everyone  # the coordination itself has no file: not in "tout le monde"
    assert group(role="personne_ressource") == {s.mentor, s.mentor_autre}
    assert group(role="candidat", programme=s.programme.pk) == {s.beneficiaire_aude, s.beneficiaire_31, s.candidat_soumis}
    assert group(programme=s.programme.pk, departement="11") == {s.beneficiaire_aude}
    assert group(role="candidat", etat_candidature="soumise") == {s.candidat_soumis}
    assert group(etat_accompagnement="termine") == {s.beneficiaire_termine, s.mentor_autre}
    assert group(programme=s.programme.pk, etat_accompagnement="en_cours", role="personne_ressource") == {s.mentor}
    tsf = s.programme.formats.get(code="tsf")
    assert group(format=tsf.pk) == {s.beneficiaire_aude, s.beneficiaire_31, s.mentor}
    assert group(evaluation_6mois_manquante=True) == {s.beneficiaire_termine}
    assert group(departement="30", role="personne_ressource") == {s.mentor_autre}


def test_placeholders_take_each_recipients_own_values_and_nothing_else(scene):
    s = scene
    s.beneficiaire_31.first_name = "{reference}"  # a value is inserted as text, never read again
    s.beneficiaire_31.save()
    corps = "Bonjour {prenom}, dossier {reference}, avec {personne_ressource} ; prochaine séance : {prochaine_seance}."
    valeurs = selectors.valeurs_destinataires(
        [s.beneficiaire_aude, s.beneficiaire_31, s.mentor], filtres(programme=s.programme.pk)
    )
    aude = selectors.rendre(corps, valeurs[s.beneficiaire_aude.pk])
    assert aude.startswith(f"Bonjour Alice, dossier {s.accompagnement_aude.reference}, avec Mentor")
    assert "aucune séance planifiée" not in aude
    autre = selectors.rendre(corps, valeurs[s.beneficiaire_31.pk])
    assert autre.startswith("Bonjour {reference}, dossier ACC-")
    assert "aucune séance planifiée" in autre
    assert selectors.champs_inconnus("{prenom} {user.password} {__class__}") == ["__class__", "user.password"]


def test_compose_preview_then_send_reaches_exactly_the_counted_group_once(client, scene, django_capture_on_commit_callbacks):
    s = scene
    client.force_login(s.coordinateur)
    url = reverse("relances:message_groupe_nouveau")
    data = {
        "role": "candidat",
        "programme": s.programme.pk,
        "sujet": "Réunion d’information – {reference}",
        "corps": "Bonjour {prenom},\nla prochaine séance : {prochaine_seance}.",
    }
    preview = client.post(url, {**data, "action": "apercu"})
    assert preview.status_code == 200
    assert preview.context["apercu"]["nombre"] == 3
    html = preview.content.decode()
    assert "3 destinataires" in html and "Envoyer à 3 personnes" in html
    assert "Bonjour Alice," in html  # each person's own values
    assert 'name="nombre_annonce" value="3"' in html
    assert not MessageGroupe.objects.exists() and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**data, "nombre_annonce": "3", "empreinte": preview.context["apercu"]["empreinte"], "action": "envoyer"}
        )
    message = MessageGroupe.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("relances:message_groupe_detail", args=[message.pk])
    expected = sorted(p.email for p in (s.beneficiaire_aude, s.beneficiaire_31, s.candidat_soumis))
    assert emails_to() == expected  # eager job: each once
    assert message.nombre_destinataires == 3
    assert set(message.destinataires.values_list("etat", flat=True)) == {EtatDestinataire.ENVOYE}
    first = next(m for m in mail.outbox if m.to == [s.beneficiaire_aude.email])
    assert first.subject == f"Réunion d’information – {s.accompagnement_aude.reference}"
    assert "Bonjour Alice," in first.body

    # The job run again (a retry after a crash) sends nothing more.
    jobs.job_run(job_id=TacheDifferee.objects.get(tache="message_groupe").pk)
    services.message_groupe_distribuer(message_id=message.pk)
    assert emails_to() == expected

    # In the recipient's space, unread, then read once opened; the history shows the figures.
    client.force_login(s.beneficiaire_aude)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "1 message non lu" in home and f"Réunion d’information – {s.accompagnement_aude.reference}" in home
    copie = DestinataireMessage.objects.get(personne=s.beneficiaire_aude)
    page = client.get(reverse("relances:mon_message", args=[copie.pk]))
    assert page.status_code == 200 and "Bonjour Alice," in page.content.decode()
    copie.refresh_from_db()
    assert copie.lu_le is not None
    assert "message non lu" not in client.get(reverse("accounts:home")).content.decode()
    # Someone else's copy does not exist for them.
    other = DestinataireMessage.objects.get(personne=s.beneficiaire_31)
    assert client.get(reverse("relances:mon_message", args=[other.pk])).status_code == 404

    client.force_login(s.coordinateur)
    detail = client.get(reverse("relances:message_groupe_detail", args=[message.pk])).content.decode()
    assert "3 envoyé(s), 0 en attente, 0 sans e-mail ; 1 lu(s)" in detail


def test_a_group_that_changed_since_the_preview_is_refused_and_the_new_count_shown(client, scene):
    s = scene
    client.force_login(s.coordinateur)
    data = {"role": "personne_ressource", "sujet": "Info", "corps": "Bonjour {prenom}", "action": "envoyer"}
    response = client.post(reverse("relances:message_groupe_nouveau"), {**data, "nombre_annonce": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le groupe compte maintenant 2 destinataire(s) au lieu des 5 annoncés" in html
    assert 'name="nombre_annonce" value="2"' in html and 'value="Info"' in html
    assert not MessageGroupe.objects.exists() and not mail.outbox


def test_a_same_size_group_of_other_people_than_the_preview_is_refused(client, scene):
    s = scene
    client.force_login(s.coordinateur)
    url = reverse("relances:message_groupe_nouveau")
    data = {"role": "personne_ressource", "sujet": "Info", "corps": "Bonjour {prenom}"}
    preview = client.post(url, {**data, "programme": s.programme.pk, "action": "apercu"})
    assert preview.context["apercu"]["nombre"] == 1  # the mentor of `programme`
    # The programme changed after the preview: one person too, but another one.
    response = client.post(
        url,
        {
            **data,
            "programme": s.autre_programme.pk,
            "nombre_annonce": "1",
            "empreinte": preview.context["apercu"]["empreinte"],
            "action": "envoyer",
        },
    )
    assert "Le groupe n’est plus celui de l’aperçu" in response.content.decode()
    assert not MessageGroupe.objects.exists() and not mail.outbox


def test_unknown_placeholder_is_refused_next_to_the_field_keeping_the_text(client, scene):
    client.force_login(scene.coordinateur)
    response = client.post(
        reverse("relances:message_groupe_nouveau"),
        {"sujet": "Info", "corps": "Votre mot de passe : {user.password}", "action": "apercu"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["corps"][0].startswith("Champ inconnu : {user.password}.")
    assert "Votre mot de passe : {user.password}" in response.content.decode()
    assert response.context["apercu"] is None
    with pytest.raises(RuleViolation):
        services.message_groupe_envoyer(filtres=filtres(), sujet="{x}", corps="texte", nombre_annonce=6, by=scene.coordinateur)


def test_filters_that_do_not_fit_the_role_are_refused_next_to_the_field(client, scene):
    client.force_login(scene.coordinateur)
    response = client.post(
        reverse("relances:message_groupe_nouveau"),
        {"role": "personne_ressource", "etat_candidature": "soumise", "sujet": "Info", "corps": "x", "action": "apercu"},
    )
    assert "Ce filtre ne concerne que les candidat·es" in response.context["form"].errors["etat_candidature"][0]


def test_only_the_coordination_writes_to_groups(client, scene):
    client.force_login(scene.mentor)
    assert client.get(reverse("relances:message_groupe_nouveau")).status_code == 403
    assert client.get(reverse("relances:message_groupe_list")).status_code == 403
    with pytest.raises(RuleViolation.__mro__[1]):  # PermissionRefused, a DomainError
        services.message_groupe_envoyer(filtres=filtres(), sujet="x", corps="x", nombre_annonce=6, by=scene.mentor)


def test_a_failed_hand_over_is_retried_for_that_person_only(scene, monkeypatch):
    s = scene
    message = services.message_groupe_envoyer(
        filtres=filtres(role="personne_ressource"), sujet="Info", corps="Bonjour {prenom}", nombre_annonce=2, by=s.coordinateur
    )
    mail.outbox.clear()
    DestinataireMessage.objects.filter(message=message).update(etat=EtatDestinataire.A_ENVOYER)
    real_deliver = services.deliver

    def flaky(email, **kwargs):
        if email.to == [s.mentor.email]:
            raise ConnectionError("SMTP away")
        return real_deliver(email, **kwargs)

    monkeypatch.setattr(services, "deliver", flaky)
    with pytest.raises(RuntimeError):
        services.message_groupe_distribuer(message_id=message.pk)
    assert emails_to() == [s.mentor_autre.email]
    failed = DestinataireMessage.objects.get(personne=s.mentor)
    assert failed.etat == EtatDestinataire.A_ENVOYER and failed.tentatives == 1 and "SMTP away" in failed.derniere_erreur
    monkeypatch.setattr(services, "deliver", real_deliver)
    services.message_groupe_distribuer(message_id=message.pk)
    assert emails_to() == sorted([s.mentor.email, s.mentor_autre.email])


def test_compose_preview_page_queries_do_not_grow_with_the_group(client, scene, django_assert_max_num_queries):
    s = scene
    client.force_login(s.coordinateur)
    data = {
        "sujet": "Info {reference}",
        "corps": "Bonjour {prenom} ({personne_ressource}, {prochaine_seance})",
        "action": "apercu",
    }
    url = reverse("relances:message_groupe_nouveau")
    with django_assert_max_num_queries(20) as small:
        response = client.post(url, data)
    assert response.status_code == 200 and "6 destinataires" in response.content.decode()
    from tests.factories import AccompagnementFactory, PersonneRessourceFactory

    for _i in range(15):
        AccompagnementFactory(candidature__programme=s.programme, mentors=[PersonneRessourceFactory()])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.post(url, data)
    assert response.status_code == 200 and "36 destinataires" in response.content.decode()
    assert response.content.decode().count("apercu-message") == selectors.APERCU_NOMBRE
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and "Écrire à un groupe" in response.content.decode()


def test_history_list_queries_do_not_grow_with_messages(client, scene, django_assert_max_num_queries):
    s = scene
    client.force_login(s.coordinateur)

    def send(start: int, n: int) -> None:
        for i in range(start, start + n):
            services.message_groupe_envoyer(
                filtres=filtres(role="personne_ressource"),
                sujet=f"Info {i}",
                corps="Bonjour {prenom}",
                nombre_annonce=2,
                by=s.coordinateur,
            )

    send(0, 2)
    url = reverse("relances:message_groupe_list")
    with django_assert_max_num_queries(12) as small:
        response = client.get(url)
    assert response.status_code == 200 and "Info 1" in response.content.decode()
    send(2, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "Info 31" in html and "Page 1 sur 2" in html
    message = MessageGroupe.objects.first()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("relances:message_groupe_detail", args=[message.pk]))
    assert response.status_code == 200 and s.mentor.email in response.content.decode()


def test_forged_filters_and_count_get_french_errors_never_a_500(client, scene):
    client.force_login(scene.coordinateur)
    response = client.post(
        reverse("relances:message_groupe_nouveau"),
        {
            "programme": "999999",
            "departement": "99",
            "nombre_annonce": "beaucoup",
            "sujet": "Info",
            "corps": "Bonjour {prenom}",
            "action": "envoyer",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Sélectionnez un choix valide" in errors["programme"][0]
    assert "Sélectionnez un choix valide" in errors["departement"][0]
    assert "nombre_annonce" in errors
    assert "<title>Erreur : Écrire à un groupe" in response.content.decode()
    assert 'value="Info"' in response.content.decode()
    assert not MessageGroupe.objects.exists()
