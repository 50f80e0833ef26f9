"""Several personnes-ressources in sequence on one accompaniment (issue 16): the coordination brings a next
one in; before the convention is signed the version names both, after it an avenant the new one signs."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompagnements import services as acc_services
from accompagnements.models import AccompagnementEvenement, Seance
from conventions.models import Convention, EtatConvention, Partie
from core.exceptions import PermissionRefused, RuleViolation
from core.invariants import find_violations
from tests.conventions.test_signatures import sign, sign_all
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, StructureFactory

MOTIF = "Relais sur la stratégie numérique"


def ajouter(client, parties, mentor, motif=MOTIF):
    client.force_login(parties["coordinateur"])
    url = reverse("accompagnements:personne_ressource_ajouter", args=[parties["accompagnement"].pk])
    return client.post(url, {"personne_ressource": mentor.pk, "motif": motif})


def plan(acc, by, days):
    return acc_services.seance_plan(
        accompagnement=acc,
        debut=timezone.now() + datetime.timedelta(days=days),
        demi_journees=1,
        modalite="presentiel",
        lieu="Salle de la structure",
        by=by,
    )


def test_the_coordination_adds_a_second_mentor_before_signature_and_both_plan_sessions(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    acc = parties["accompagnement"]
    second = PersonneRessourceFactory(prenom="Paul", nom="Relais", structure=StructureFactory(raison_sociale="Studio Relais"))
    client.force_login(parties["coordinateur"])
    page = client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert "Ajouter une personne-ressource" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = ajouter(client, parties, second)
    assert response.status_code == 302
    assert set(acc.mentors.all()) == {parties["mentor"].personne_ressource, second}
    event = AccompagnementEvenement.objects.get(accompagnement=acc, transition="personne_ressource_ajoutee")
    assert event.reason == MOTIF and event.actor == parties["coordinateur"]
    # The version being signed no longer names the parties: cancelled, a new one names the newcomer.
    convention_en_signature.refresh_from_db()
    assert convention_en_signature.etat == EtatConvention.ANNULEE
    nouvelle = acc.conventions.get(etat=EtatConvention.EN_SIGNATURE)
    assert nouvelle.version == 2
    # The newcomer is told and finds the accompaniment in their space.
    assert any(second.email in m.to and acc.reference in m.subject for m in mail.outbox)
    client.force_login(second.user)
    assert acc.reference in client.get(reverse("accounts:home")).content.decode()
    assert client.get(reverse("accompagnements:detail", args=[acc.pk])).status_code == 200
    # Signed by the three parties; then each personne-ressource plans their sessions.
    sign_all(client, nouvelle, parties, django_capture_on_commit_callbacks)
    acc.refresh_from_db()
    assert acc.est_en_cours
    plan(acc, parties["mentor"], days=3)
    plan(acc, second.user, days=10)
    assert Seance.objects.filter(accompagnement=acc).count() == 2
    assert find_violations() == []


def test_after_signature_an_avenant_names_the_new_mentor_who_signs_it(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    acc = parties["accompagnement"]
    signee = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    assert signee.etat == EtatConvention.SIGNEE
    second = PersonneRessourceFactory(prenom="Paul", nom="Relais")
    with django_capture_on_commit_callbacks(execute=True):
        assert ajouter(client, parties, second).status_code == 302
    signee.refresh_from_db()
    assert signee.etat == EtatConvention.SIGNEE  # a signed document is never edited
    avenant = Convention.objects.get(remplace=signee)
    assert avenant.etat == EtatConvention.EN_SIGNATURE
    assert avenant.personne_ressource_signataire == second
    assert avenant.demi_journees == signee.demi_journees and "Paul Relais" in avenant.motif_avenant
    # The former personne-ressource does not sign for the party: the newcomer does.
    refus = sign(client, avenant, parties["mentor"])
    assert refus.status_code == 200 and "Cet avenant est signé par Paul Relais" in refus.content.decode()
    assert not avenant.signatures.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (second.user, parties["beneficiaire"], parties["coordinateur"]):
            assert sign(client, avenant, user).status_code == 302
    avenant.refresh_from_db()
    signee.refresh_from_db()
    assert avenant.etat == EtatConvention.SIGNEE and signee.etat == EtatConvention.REMPLACEE
    assert avenant.signatures.get(partie=Partie.PERSONNE_RESSOURCE).signataire == second.user
    acc.refresh_from_db()
    assert acc.est_en_cours
    plan(acc, second.user, days=5)
    assert find_violations() == []


def test_someone_outside_the_coordination_is_refused(client, parties):
    acc = parties["accompagnement"]
    second = PersonneRessourceFactory()
    url = reverse("accompagnements:personne_ressource_ajouter", args=[acc.pk])
    for user in (parties["mentor"], parties["beneficiaire"]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"personne_ressource": second.pk, "motif": MOTIF}).status_code == 403
        assert (
            "Ajouter une personne-ressource" not in client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
        )
    client.force_login(second.user)
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionRefused):
        acc_services.personne_ressource_ajouter(accompagnement=acc, personne_ressource=second, motif=MOTIF, by=parties["mentor"])
    assert acc.mentors.count() == 1


def test_the_page_shows_the_french_error_for_a_mentor_already_on_the_accompaniment(client, parties):
    response = ajouter(client, parties, parties["mentor"].personne_ressource, motif="Un motif tapé")
    assert response.status_code == 200
    page = response.content.decode()
    assert "accompagne déjà ce·tte bénéficiaire dans cet accompagnement" in page
    assert "Un motif tapé" in page
    assert parties["accompagnement"].mentors.count() == 1


def test_the_programme_missions_per_mentor_and_a_validated_profile_are_required(parties, programme=None):
    acc = parties["accompagnement"]
    programme = parties["programme"]
    programme.missions_max_par_mentor = 1
    programme.save(update_fields=["missions_max_par_mentor"])
    occupee = PersonneRessourceFactory()
    AccompagnementFactory(candidature__programme=programme, mentors=[occupee])
    with pytest.raises(RuleViolation, match="plafond est de 1"):
        acc_services.personne_ressource_ajouter(
            accompagnement=acc, personne_ressource=occupee, motif=MOTIF, by=parties["coordinateur"]
        )
    suggeree = PersonneRessourceFactory(etat="suggeree")
    with pytest.raises(RuleViolation, match="profil validé"):
        acc_services.personne_ressource_ajouter(
            accompagnement=acc, personne_ressource=suggeree, motif=MOTIF, by=parties["coordinateur"]
        )
    with pytest.raises(RuleViolation, match="Indiquez pourquoi"):
        acc_services.personne_ressource_ajouter(
            accompagnement=acc, personne_ressource=PersonneRessourceFactory(), motif="  ", by=parties["coordinateur"]
        )


def test_the_coordination_ends_the_first_mentors_part_who_keeps_reading_but_plans_no_more(
    client, convention_en_signature, parties, django_capture_on_commit_callbacks
):
    acc = parties["accompagnement"]
    premier = parties["mentor"].personne_ressource
    signee = sign_all(client, convention_en_signature, parties, django_capture_on_commit_callbacks)
    acc.refresh_from_db()
    seance = plan(acc, parties["mentor"], days=3)
    url = reverse("accompagnements:personne_ressource_terminer", args=[acc.pk])
    client.force_login(parties["coordinateur"])
    # The last active personne-ressource's part cannot end: someone takes over first.
    page = client.post(url, {"personne_ressource": premier.pk, "motif": "Fin du diagnostic"}, follow=True).content.decode()
    assert "prend le relais" in page
    second = PersonneRessourceFactory(prenom="Paul", nom="Relais")
    with django_capture_on_commit_callbacks(execute=True):
        assert ajouter(client, parties, second).status_code == 302
    assert Convention.objects.filter(remplace=signee).exists()
    page = client.post(url, {"personne_ressource": premier.pk, "motif": "Fin du diagnostic"}, follow=True).content.decode()
    assert "partie terminée" in page
    assert AccompagnementEvenement.objects.filter(accompagnement=acc, transition="personne_ressource_terminee").exists()
    # The first one still reads the accompaniment and its past session, but plans no new one.
    client.force_login(parties["mentor"])
    assert client.get(reverse("accompagnements:detail", args=[acc.pk])).status_code == 200
    assert client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).status_code == 200
    with pytest.raises(PermissionRefused, match="partie de cet accompagnement est terminée"):
        plan(acc, parties["mentor"], days=6)
