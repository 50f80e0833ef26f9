import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.test import RequestFactory

from candidatures import admin_actions, services
from candidatures.models import Candidature, Etat
from tests.candidatures.coordination_helpers import soumise
from tests.factories import CandidatureFactory


class FakeAdmin:
    def __init__(self):
        self.messages = []

    def message_user(self, request, message, level):
        self.messages.append((level, str(message)))


def admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db(transaction=True)
def test_bulk_mark_eligible_reports_files_that_cannot_be(programme, coordinateur):
    a, b = soumise(programme), soumise(programme)
    selected = CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)
    fake = FakeAdmin()
    admin_actions.mark_eligible(fake, admin_request(coordinateur), Candidature.objects.filter(pk__in=[a.pk, b.pk, selected.pk]))
    assert set(Candidature.objects.filter(pk__in=[a.pk, b.pk]).values_list("etat", flat=True)) == {Etat.RECEVABLE}
    assert Candidature.objects.get(pk=selected.pk).etat == Etat.SELECTIONNEE
    assert len(mail.outbox) == 2 and all("recevable" in m.subject for m in mail.outbox)
    assert any("2 dossier(s)" in text for _, text in fake.messages)
    assert any(selected.reference in text and "impossible" in text for _, text in fake.messages)


@pytest.mark.django_db(transaction=True)
def test_bulk_reminder_for_missing_documents(programme, coordinateur):
    a, b = soumise(programme), soumise(programme)
    services.demande_piece_create(candidature=a, by=coordinateur, type_piece="statuts")
    mail.outbox.clear()
    fake = FakeAdmin()
    admin_actions.send_missing_document_reminder(
        fake, admin_request(coordinateur), Candidature.objects.filter(pk__in=[a.pk, b.pk])
    )
    assert [m.to for m in mail.outbox] == [[a.candidat.email]]
    assert "Rappel" in mail.outbox[0].subject and "Statuts de la structure" in mail.outbox[0].body
    assert a.emails.count() == 2
