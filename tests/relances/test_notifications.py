"""Notification preferences: a switched-off non-essential kind is not e-mailed (still in the space);
an essential kind cannot be switched off, not even by a forged POST."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import notifications
from core.emails import send_now
from core.exceptions import RuleViolation
from core.models import NotificationDesactivee
from core.notifications import Notification
from relances import services
from relances.models import DestinataireMessage, EtatDestinataire, EtatRelance, Relance
from relances.planning import relances_planifier

from .conftest import seance
from .groupe_scene import build_scene, filtres

pytestmark = pytest.mark.django_db
URL = reverse("relances:mes_notifications")


def test_the_page_offers_the_optional_kinds_and_shows_the_essential_ones_disabled_with_their_reason(client, candidat):
    client.force_login(candidat)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for index, value in enumerate(notifications.FACULTATIVES):  # all received until the person chooses
        assert f'name="recues" value="{value}"  id="id_recues_{index}" checked>' in html
    assert 'type="checkbox" checked disabled id="essentielle-1"' in html
    assert "Signatures à apposer (conventions)" in html
    assert "Indispensable : sans signature la convention ne peut pas démarrer." in html


def test_a_person_switches_group_messages_off_they_stay_in_the_space_without_e_mail(client, django_capture_on_commit_callbacks):
    s = build_scene()
    client.force_login(s.mentor)
    recues = [v for v in notifications.FACULTATIVES if v != Notification.INFORMATION]
    response = client.post(URL, {"recues": recues})
    assert response.status_code == 302
    assert notifications.desactivees(s.mentor) == {Notification.INFORMATION}
    html = client.get(URL).content.decode()
    assert 'value="information"  id="id_recues_1">' in html  # kept as chosen: unticked
    assert 'value="lettre"  id="id_recues_2" checked>' in html

    with django_capture_on_commit_callbacks(execute=True):
        services.message_groupe_envoyer(
            filtres=filtres(role="personne_ressource"),
            sujet="Info",
            corps="Bonjour {prenom}",
            nombre_annonce=2,
            by=s.coordinateur,
        )
    assert [m.to for m in mail.outbox] == [[s.mentor_autre.email]]
    copie = DestinataireMessage.objects.get(personne=s.mentor)
    assert copie.etat == EtatDestinataire.NON_SOUHAITE
    assert "1 message non lu" in client.get(reverse("accounts:home")).content.decode()


def test_essential_kinds_cannot_be_switched_off_even_by_a_forged_post(client, candidat):
    client.force_login(candidat)
    # Nothing ticked, and the essential kinds posted as if they were choices.
    response = client.post(URL, {"recues": ["signature", "decision"]})
    assert response.status_code == 200
    assert "recues" in response.context["form"].errors
    assert not NotificationDesactivee.objects.exists()
    client.post(URL, {})  # nothing ticked: every optional kind off, the essential ones untouched
    assert notifications.desactivees(candidat) == set(notifications.FACULTATIVES)
    with pytest.raises(RuleViolation, match="indispensables"):
        notifications.notifications_regler(personne=candidat, desactivees=["signature"], by=candidat)
    assert not NotificationDesactivee.objects.filter(notification="signature").exists()
    # An essential e-mail still goes out; a switched-off kind does not.
    send_now(to=[candidat.email], subject="Convention à signer", text="…", notification=Notification.SIGNATURE)
    send_now(to=[candidat.email], subject="Lettre d’information", text="…", notification=Notification.LETTRE)
    send_now(to=[candidat.email], subject="Sans type", text="…")
    assert [m.subject for m in mail.outbox] == ["Convention à signer", "Sans type"]


def test_a_person_sets_only_their_own_preferences(candidat, autre_candidat):
    with pytest.raises(RuleViolation.__mro__[1]):
        notifications.notifications_regler(personne=autre_candidat, desactivees=["lettre"], by=candidat)


def test_a_switched_off_session_reminder_is_not_sent_and_says_why(dossier):
    later = timezone.now() + datetime.timedelta(hours=30)
    seance(dossier, later)
    notifications.notifications_regler(
        personne=dossier.beneficiaire, desactivees=[Notification.RAPPEL_SEANCE], by=dossier.beneficiaire
    )
    relances_planifier()
    services.relances_envoyer_dues()
    rows = Relance.objects.filter(type_relance="seance_48h")
    assert {(r.destinataire_id, r.etat) for r in rows} == {
        (dossier.beneficiaire.pk, EtatRelance.REFUSEE),
        (dossier.mentor.pk, EtatRelance.ENVOYEE),
    }
    assert [m.to for m in mail.outbox if "X-TSF-Relance" in m.extra_headers] == [[dossier.mentor.email]]
