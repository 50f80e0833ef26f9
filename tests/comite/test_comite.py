import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from comite import services
from comite.models import Avis, ReunionComite
from comite.selectors import reunions_minimum
from core.exceptions import PermissionRefused, RuleViolation
from core.models import EventKind
from tests.candidatures.coordination_helpers import PDF, piece, soumise
from tests.factories import ProgrammeFactory


@pytest.mark.django_db
def test_opinion_is_recorded_changed_and_in_the_coordinator_timeline(programme, coordinateur, membre_comite):
    candidature = soumise(programme)
    saisine = services.saisine_create(candidature=candidature, by=coordinateur, question="Mentorat pertinent ?")
    with pytest.raises(RuleViolation) as refused:
        services.avis_give(saisine=saisine, membre=membre_comite, sens="defavorable")
    assert refused.value.field == "commentaire"
    services.avis_give(saisine=saisine, membre=membre_comite, sens="favorable")
    services.avis_give(saisine=saisine, membre=membre_comite, sens="reserve", commentaire="Limiter à 2 demi-journées")
    assert Avis.objects.get().sens == "reserve"
    assert candidature.evenements.filter(kind=EventKind.AVIS).count() == 2
    with pytest.raises(PermissionRefused):
        services.avis_give(saisine=saisine, membre=coordinateur, sens="favorable")


@pytest.mark.django_db
def test_documents_of_another_file_cannot_be_given_to_the_committee(programme, coordinateur):
    candidature, other = soumise(programme), soumise(programme)
    with pytest.raises(RuleViolation):
        services.saisine_create(candidature=candidature, by=coordinateur, pieces=[piece(other)])


@pytest.mark.django_db
def test_member_gives_an_opinion_through_the_page(client, programme, coordinateur, membre_comite):
    saisine = services.saisine_create(candidature=soumise(programme), by=coordinateur, question="?")
    client.force_login(membre_comite)
    url = reverse("comite:saisine_detail", args=[saisine.pk])
    error = client.post(url, {"sens": "defavorable", "commentaire": ""})
    assert "Expliquez" in error.content.decode()
    assert client.post(url, {"sens": "favorable"}).status_code == 302
    assert "Favorable" in client.get(url).content.decode()


@pytest.mark.django_db
def test_two_meetings_a_year_rule(programme, coordinateur):
    now = timezone.now()
    rule = reunions_minimum(programme=programme)
    assert (rule.tenues, rule.minimum, rule.respectee) == (0, 2, False)
    services.reunion_comite_save(programme=programme, by=coordinateur, date=now - datetime.timedelta(minutes=5))
    rule = reunions_minimum(programme=programme, annee=timezone.localdate().year)
    assert rule.tenues == 1 and not rule.respectee
    other_year = now.replace(year=now.year - 1)
    services.reunion_comite_save(programme=programme, by=coordinateur, date=other_year)
    services.reunion_comite_save(programme=ProgrammeFactory(), by=coordinateur, date=now - datetime.timedelta(minutes=1))
    assert reunions_minimum(programme=programme).tenues == 1
    services.reunion_comite_save(programme=programme, by=coordinateur, date=now - datetime.timedelta(minutes=1))
    assert reunions_minimum(programme=programme).respectee


@pytest.mark.django_db
def test_meeting_with_agenda_and_minutes_file(client, programme, coordinateur, membre_comite):
    saisine = services.saisine_create(candidature=soumise(programme), by=coordinateur, question="?")
    client.force_login(coordinateur)
    date = (timezone.localtime() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("comite:reunion_create") + f"?programme={programme.pk}",
        {"date": date, "lieu": "Région, Montpellier", "ordre_du_jour": "1. Calendrier", "saisines": [saisine.pk]},
    )
    reunion = ReunionComite.objects.get()
    assert response.status_code == 302 and list(reunion.saisines.all()) == [saisine]
    minutes = reverse("comite:reunion_minutes", args=[reunion.pk])
    assert "Écrivez le compte-rendu" in client.post(minutes, {"compte_rendu": ""}).content.decode()
    fake = SimpleUploadedFile("cr.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert "n’est pas accepté" in client.post(minutes, {"fichier": fake}).content.decode()
    ok = client.post(minutes, {"compte_rendu": "Dossiers validés.", "fichier": SimpleUploadedFile("cr.pdf", PDF)})
    assert ok.status_code == 302
    client.force_login(membre_comite)
    page = client.get(reverse("comite:reunion_detail", args=[reunion.pk])).content.decode()
    assert "Dossiers validés." in page and "1. Calendrier" in page
    download = client.get(reverse("comite:reunion_minutes_file", args=[reunion.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "compte-rendu-comite-" in download["Content-Disposition"]


@pytest.mark.django_db
def test_coordinator_puts_a_file_to_the_committee_from_the_comite_page(client, programme, coordinateur, membre_comite):
    """The form lives in the comité (a later stage than candidatures); the file page lists the opinions
    through the reverse relation, and the timeline labels the opinion without importing the comité."""
    candidature = soumise(programme)
    document = piece(candidature)
    client.force_login(coordinateur)
    url = reverse("comite:saisine_create", args=[candidature.pk])
    assert "Documents transmis au comité" in client.get(url).content.decode()
    response = client.post(url, {"question": "Format adapté ?", "pieces": [document.pk]})
    assert response.status_code == 302 and response.url == reverse("candidatures:coordination_detail", args=[candidature.pk])
    saisine = candidature.saisines.get()
    assert list(saisine.pieces.all()) == [document]
    services.avis_give(saisine=saisine, membre=membre_comite, sens="reserve", commentaire="Limiter")
    page = client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()
    assert "Format adapté ?" in page and "Favorable avec réserves" in page
    assert "Avis du comité technique : Favorable avec réserves" in page


@pytest.mark.django_db
def test_dashboard_shows_the_comite_meetings_block(client, programme, coordinateur):
    services.reunion_comite_save(programme=programme, by=coordinateur, date=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(coordinateur)
    page = client.get(reverse("candidatures:coordination_dashboard") + f"?programme={programme.pk}").content.decode()
    assert "1 réunion(s) tenue(s)" in page and "À surveiller" in page
