"""E-mail known to arrive: every message is recorded with its provider id, the provider's tracking
webhook (Brevo's documented payloads, basic auth) updates it, a bounce flags the address and holds
the reminders to it, and a forged webhook changes nothing."""

import base64
import datetime
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidatures.services import candidature_receipt_generate
from core.emails import send_now
from core.exceptions import PermissionRefused
from core.models import MessageEnvoye
from plateforme import suivi_emails
from relances import services as relances_services
from relances.models import EtatRelance, Relance
from relances.planning import relances_planifier
from tests.factories import CandidatureFactory
from tests.relances.conftest import build_dossier, seance

pytestmark = pytest.mark.django_db

URL = "/anymail/brevo/tracking/"
SECRET = "tsf-webhook:9f2c4e7a1b"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def brevo(client, payload: dict, **headers):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def sent_message(to: str) -> MessageEnvoye:
    send_now(to=[to], subject="Votre convention", text="Bonjour")
    return MessageEnvoye.objects.get(destinataire=to)


# Brevo's transactional webhook payloads as documented (anymail's test suite, tests/test_brevo_webhooks.py).
def delivered(message_id: str, email: str) -> dict:
    return {"event": "delivered", "email": email, "ts_epoch": 1520363423000, "message-id": message_id}


def hard_bounce(message_id: str, email: str) -> dict:
    return {
        "event": "hard_bounce",
        "email": email,
        "ts_epoch": 1520363423000,
        "message-id": message_id,
        "reason": " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.",
        "tag": "header-tag",
    }


def test_every_message_sent_is_recorded_with_the_id_the_provider_will_quote(candidat):
    message = sent_message(candidat.email)
    assert message.personne == candidat and message.statut == MessageEnvoye.Statut.ENVOYE
    assert message.message_id and message.message_id == mail.outbox[0].extra_headers["Message-ID"]
    assert reverse("email_tracking_webhook", args=["brevo"]) == URL


def test_a_delivered_event_marks_the_message_delivered(client, candidat):
    message = sent_message(candidat.email)
    assert brevo(client, delivered(message.message_id, candidat.email), **auth()).status_code == 200
    message.refresh_from_db()
    assert message.statut == MessageEnvoye.Statut.REMIS
    candidat.refresh_from_db()
    assert not candidat.email_en_echec


def test_a_hard_bounce_flags_the_address_and_holds_its_reminders_until_the_coordination_restores_it(client, coordinateur):
    d = build_dossier()
    seance(d, timezone.now() + datetime.timedelta(hours=47))
    relances_planifier()
    person = d.beneficiaire
    planned = Relance.objects.filter(destinataire=person, etat=EtatRelance.PREVUE)
    assert planned.exists()
    message = sent_message(person.email)

    assert brevo(client, hard_bounce(message.message_id, person.email), **auth()).status_code == 200

    message.refresh_from_db()
    person.refresh_from_db()
    assert message.statut == MessageEnvoye.Statut.REBOND and "550" in message.detail
    assert person.email_en_echec and "RecipientError" in person.email_en_echec_motif
    assert not Relance.objects.filter(destinataire=person, etat=EtatRelance.PREVUE).exists()
    assert Relance.objects.filter(destinataire=person, etat=EtatRelance.SUSPENDUE).exists()
    # A late "delivered" for the same message does not hide the bounce.
    brevo(client, delivered(message.message_id, person.email), **auth())
    message.refresh_from_db()
    assert message.statut == MessageEnvoye.Statut.REBOND

    mail.outbox.clear()
    relances_services.relances_envoyer_dues()
    assert person.email not in [m.to[0] for m in mail.outbox]

    with pytest.raises(PermissionRefused):
        suivi_emails.email_adresse_retablir(personne=person, by=person)
    assert suivi_emails.email_adresse_retablir(personne=person, by=coordinateur) >= 1
    person.refresh_from_db()
    assert not person.email_en_echec
    relances_services.relances_envoyer_dues()
    assert person.email in [m.to[0] for m in mail.outbox]


def test_a_reminder_created_after_the_bounce_is_held_when_it_falls_due(client):
    d = build_dossier()
    person = d.beneficiaire
    suivi_emails.email_adresse_signaler(email=person.email, motif="hard_bounce")
    seance(d, timezone.now() + datetime.timedelta(hours=47))
    relances_planifier()
    relances_services.relances_envoyer_dues()
    assert person.email not in [m.to[0] for m in mail.outbox]
    assert Relance.objects.filter(destinataire=person, etat=EtatRelance.SUSPENDUE).exists()


def test_a_soft_bounce_is_a_deferral_and_a_complaint_flags_the_address(client, candidat, autre_candidat):
    soft = sent_message(candidat.email)
    payload = {**hard_bounce(soft.message_id, candidat.email), "event": "soft_bounce", "reason": "undefined Unable to find MX"}
    assert brevo(client, payload, **auth()).status_code == 200
    soft.refresh_from_db()
    candidat.refresh_from_db()
    assert soft.statut == MessageEnvoye.Statut.DIFFERE and not candidat.email_en_echec

    spam = sent_message(autre_candidat.email)
    payload = {"event": "spam", "email": autre_candidat.email, "ts_epoch": 1520363423000, "message-id": spam.message_id}
    assert brevo(client, payload, **auth()).status_code == 200
    spam.refresh_from_db()
    autre_candidat.refresh_from_db()
    assert spam.statut == MessageEnvoye.Statut.PLAINTE and autre_candidat.email_en_echec


@pytest.mark.parametrize("headers", [{}, auth("tsf-webhook:wrong"), auth("intrus:" + SECRET.split(":")[1])])
def test_a_forged_webhook_is_refused_and_changes_nothing(client, candidat, headers):
    message = sent_message(candidat.email)
    response = brevo(client, hard_bounce(message.message_id, candidat.email), **headers)
    assert response.status_code in (400, 403)
    message.refresh_from_db()
    candidat.refresh_from_db()
    assert message.statut == MessageEnvoye.Statut.ENVOYE and not candidat.email_en_echec


def test_without_a_configured_secret_every_webhook_is_refused(client, candidat, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    message = sent_message(candidat.email)
    # The settings module draws a random secret when WEBHOOK_SECRET is unset; an empty one here
    # stands for a deployment that forgot it: still refused, never accepted without auth.
    response = brevo(client, hard_bounce(message.message_id, candidat.email))
    assert response.status_code in (400, 403)
    candidat.refresh_from_db()
    assert not candidat.email_en_echec


def test_the_coordination_sees_the_failing_addresses_on_the_file_the_dashboard_and_its_queue(client, coordinateur, programme):
    candidature = CandidatureFactory(programme=programme, etat="soumise")
    candidature_receipt_generate(candidature=candidature)
    person = candidature.candidat
    message = MessageEnvoye.objects.get(destinataire=person.email)
    assert message.reference.startswith("emailenvoye:")
    brevo(client, hard_bounce(message.message_id, person.email), **auth())

    client.force_login(coordinateur)
    detail = client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()
    assert "adresse en échec" in detail and "Rejeté : adresse en échec" in detail
    dashboard = client.get(reverse("candidatures:coordination_dashboard")).content.decode()
    assert reverse("plateforme:emails_en_echec") in dashboard
    queue = client.get(reverse("plateforme:emails_en_echec"))
    assert person.email in queue.content.decode()
    assert client.post(reverse("plateforme:email_retablir", args=[person.pk])).status_code == 302
    person.refresh_from_db()
    assert not person.email_en_echec


def test_only_the_coordination_sees_the_queue(client, candidat):
    client.force_login(candidat)
    assert client.get(reverse("plateforme:emails_en_echec")).status_code == 403
    assert client.post(reverse("plateforme:email_retablir", args=[candidat.pk])).status_code == 403


def test_account_e_mails_are_followed_too(client, candidat):
    response = client.post(reverse("account_reset_password"), {"email": candidat.email})
    assert response.status_code == 302
    message = MessageEnvoye.objects.get(destinataire=candidat.email)
    assert message.reference.startswith("compte:") and message.message_id
    assert mail.outbox[-1].extra_headers["Message-ID"] == message.message_id
