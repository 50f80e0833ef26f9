import datetime

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accompagnements import services
from accompagnements.models import EtatSeance, Seance, SupportTemoin
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, ObjectifFactory, PersonneRessourceFactory, SeanceFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def held_with_report(acc, mentor, *, days=-2):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=days))
    services.seance_mark_held(seance=seance, by=mentor.user)
    services.compte_rendu_submit(
        seance=seance, travaux="Budget", outils="", progres={}, prochaines_etapes="Suite", by=mentor.user
    )
    return seance


@pytest.mark.django_db
def test_the_mentor_plans_from_the_page_and_a_bad_plan_keeps_the_input(client, acc, mentor):
    client.force_login(mentor.user)
    url = reverse("accompagnements:seance_create", args=[acc.pk])
    data = {
        "date": "2026-12-10",
        "heure": "14:00",
        "demi_journees": "2",
        "modalite": "distance",
        "lien_visio": "",
        "sujet": "Mécénat",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Indiquez le lien de visioconférence" in response.content.decode()
    data["lien_visio"] = "https://visio.exemple.org/salle"
    response = client.post(url, data)
    seance = Seance.objects.get(accompagnement=acc)
    assert response.url == reverse("accompagnements:seance_detail", args=[seance.pk])
    assert seance.debut == datetime.datetime(2026, 12, 10, 13, 0, tzinfo=datetime.UTC)
    # Over the convention: a clear message next to the duration, the topic kept.
    data.update(date="2026-12-11", sujet="Deuxième")
    client.post(url, data)
    response = client.post(url, {**data, "date": "2026-12-12", "sujet": "Troisième"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "dépasserait les demi-journées de la convention" in page and "Troisième" in page


@pytest.mark.django_db
def test_access_by_changing_the_id(client, acc, mentor, coordinateur):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    services.seance_mark_held(seance=seance, by=mentor.user)
    support = services.support_add_link(seance=seance, titre="x", url="https://video.test", by=mentor.user)
    other = AccompagnementFactory()
    outsider_mentor = PersonneRessourceFactory()
    outsiders = [other.beneficiaire, outsider_mentor.user, UserFactory(roles=["comite_technique"])]
    get_urls = [
        reverse("accompagnements:seance_detail", args=[seance.pk]),
        reverse("accompagnements:seance_update", args=[seance.pk]),
        reverse("accompagnements:seance_annuler", args=[seance.pk]),
        reverse("accompagnements:compte_rendu_edit", args=[seance.pk]),
        reverse("accompagnements:seance_ics", args=[seance.pk]),
        reverse("accompagnements:seance_create", args=[acc.pk]),
    ]
    post_urls = [
        reverse("accompagnements:seance_realiser", args=[seance.pk]),
        reverse("accompagnements:seance_question", args=[seance.pk]),
        reverse("accompagnements:compte_rendu_commenter", args=[seance.pk]),
        reverse("accompagnements:support_ajouter", args=[seance.pk, "lien"]),
        reverse("accompagnements:seance_arbitrer", args=[seance.pk]),
    ]
    for url in get_urls:
        assert client.get(url).status_code == 302, url  # anonymous → login
    for user in outsiders:
        client.force_login(user)
        for url in get_urls:
            assert client.get(url).status_code == 404, (user, url)
        for url in post_urls:
            assert client.post(url, {}).status_code == 404, (user, url)
    # Wrong role: 403.
    client.force_login(acc.beneficiaire)
    assert client.get(reverse("accompagnements:seance_create", args=[acc.pk])).status_code == 403
    assert client.get(reverse("accompagnements:seance_update", args=[seance.pk])).status_code == 403
    assert client.get(reverse("accompagnements:compte_rendu_edit", args=[seance.pk])).status_code == 403
    assert client.post(reverse("accompagnements:seance_realiser", args=[seance.pk])).status_code == 403
    assert client.post(reverse("accompagnements:seance_arbitrer", args=[seance.pk]), {}).status_code == 403
    client.force_login(mentor.user)
    assert client.post(reverse("accompagnements:compte_rendu_commenter", args=[seance.pk]), {}).status_code == 403
    client.force_login(coordinateur)
    assert client.get(reverse("accompagnements:compte_rendu_edit", args=[seance.pk])).status_code == 403
    assert client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).status_code == 200
    assert support.pk


@pytest.mark.django_db
def test_files_are_checked_never_public_and_downloaded_by_participants_only(client, acc, mentor, coordinateur, settings):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    client.force_login(mentor.user)
    url = reverse("accompagnements:support_ajouter", args=[seance.pk, "fichier"])
    bad = SimpleUploadedFile("journal.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"fichier-titre": "Journal", "fichier-fichier": bad})
    assert response.status_code == 400 and "n’est pas accepté" in response.content.decode()
    good = SimpleUploadedFile("journal de bord.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"fichier-titre": "Journal de bord", "fichier-fichier": good})
    assert response.status_code == 302
    support = SupportTemoin.objects.get(seance=seance)
    assert "journal" not in support.fichier.name and support.nom_original == "journal de bord.pdf"
    download = reverse("accompagnements:support_telecharger", args=[support.pk])
    for user in (acc.beneficiaire, mentor.user, coordinateur):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    client.force_login(AccompagnementFactory().beneficiaire)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302
    assert not str(support.fichier.path).startswith(str(settings.STATIC_ROOT or "/nonexistent"))


@pytest.mark.django_db
def test_report_read_and_commented_and_the_coordination_sees_it(client, acc, mentor, coordinateur):
    objectif = ObjectifFactory(accompagnement=acc, intitule="Structurer le mécénat")
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    client.force_login(mentor.user)
    client.post(reverse("accompagnements:seance_realiser", args=[seance.pk]))
    response = client.get(reverse("accompagnements:compte_rendu_edit", args=[seance.pk]))
    assert "Structurer le mécénat" in response.content.decode()
    response = client.post(
        reverse("accompagnements:compte_rendu_edit", args=[seance.pk]),
        {
            "travaux": "Cartographie des mécènes",
            "outils": "Tableur",
            f"progres_{objectif.pk}": "Liste faite",
            "prochaines_etapes": "Premier rendez-vous",
        },
    )
    assert response.status_code == 302
    client.force_login(acc.beneficiaire)
    page = client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).content.decode()
    assert "Cartographie des mécènes" in page and "Liste faite" in page
    client.post(reverse("accompagnements:compte_rendu_commenter", args=[seance.pk]), {"commentaire": "Très utile"})
    client.force_login(coordinateur)
    page = client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).content.decode()
    assert "Cartographie des mécènes" in page and "Très utile" in page
    page = client.get(reverse("accompagnements:detail", args=[acc.pk])).content.decode()
    assert 'data-testid="demi-journees-livrees">1<' in page


@pytest.mark.django_db
def test_cancel_from_the_page_and_the_coordination_overrules(client, acc, mentor, coordinateur):
    seance = SeanceFactory(accompagnement=acc, debut=dans(hours=20))
    client.force_login(acc.beneficiaire)
    page = client.get(reverse("accompagnements:seance_annuler", args=[seance.pk])).content.decode()
    assert "moins de 48 heures" in page and "motif_valable" not in page
    response = client.post(reverse("accompagnements:seance_annuler", args=[seance.pk]), {"motif": ""})
    assert response.status_code == 400
    client.post(reverse("accompagnements:seance_annuler", args=[seance.pk]), {"motif": "Imprévu"})
    seance.refresh_from_db()
    assert seance.etat == EtatSeance.ANNULEE and seance.comptee
    client.force_login(coordinateur)
    response = client.post(
        reverse("accompagnements:seance_arbitrer", args=[seance.pk]), {"comptee": "0", "note": "Hospitalisation"}
    )
    assert response.status_code == 302
    seance.refresh_from_db()
    assert not seance.comptee
    page = client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).content.decode()
    assert "Hospitalisation" in page


@pytest.mark.django_db
def test_questions_from_the_page(client, acc):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=5))
    soon = SeanceFactory(accompagnement=acc, debut=dans(hours=30))
    client.force_login(acc.beneficiaire)
    client.post(reverse("accompagnements:seance_question", args=[seance.pk]), {"texte": "Quel budget ?"})
    assert seance.questions.get().texte == "Quel budget ?"
    response = client.post(reverse("accompagnements:seance_question", args=[soon.pk]), {"texte": "Trop tard"})
    assert response.status_code == 400 and "48 heures" in response.content.decode()


@pytest.mark.django_db
def test_moving_a_session_shows_its_history(client, acc, mentor):
    seance = SeanceFactory(accompagnement=acc, debut=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC))
    client.force_login(mentor.user)
    response = client.post(
        reverse("accompagnements:seance_update", args=[seance.pk]),
        {"date": "2026-12-08", "heure": "10:00", "demi_journees": "1", "modalite": "presentiel", "lieu": "Salle B", "sujet": "x"},
    )
    assert response.status_code == 302
    page = client.get(reverse("accompagnements:seance_detail", args=[seance.pk])).content.decode()
    assert "séance modifiée (du 1 décembre 2026 10h30 au 8 décembre 2026 10h00)" in page


def _ics(response) -> icalendar.Calendar:
    """The feed, parsed by the icalendar library as a calendar application would."""
    return icalendar.Calendar.from_ical(response.content)


def _feed(client, user):
    flux = services.flux_calendrier_regenerate(user=user)
    return reverse("accompagnements:flux_calendrier", args=[flux.token])


@pytest.mark.django_db
def test_the_feed_is_a_calendar_with_all_my_sessions_and_a_revoked_token_is_404(client, acc, mentor):
    first = SeanceFactory(accompagnement=acc, debut=datetime.datetime(2026, 12, 1, 13, 0, tzinfo=datetime.UTC), sujet="Budget")
    SeanceFactory(accompagnement=acc, debut=dans(days=9), etat=EtatSeance.ANNULEE)
    SeanceFactory(accompagnement=AccompagnementFactory(), debut=dans(days=3))  # not mine
    url = _feed(client, acc.beneficiaire)
    response = client.get(url)  # anonymous: the token is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = _ics(response)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    event = next(e for e in events if str(e["uid"]).startswith(f"seance-{first.pk}@"))
    assert event.decoded("dtstart") == datetime.datetime(2026, 12, 1, 13, 0, tzinfo=datetime.UTC)
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Paris"
    assert "Budget" in str(event["summary"]) and acc.reference in str(event["summary"])
    assert sorted(str(e["status"]) for e in events) == ["CANCELLED", "CONFIRMED"]
    # The mentor's feed has the same sessions.
    assert len(_ics(client.get(_feed(client, mentor.user))).walk("VEVENT")) == 2
    services.flux_calendrier_regenerate(user=acc.beneficiaire)
    assert client.get(url).status_code == 404
    services.flux_calendrier_revoke(user=acc.beneficiaire)
    assert client.get(reverse("accompagnements:flux_calendrier", args=["inconnu"])).status_code == 404


@pytest.mark.django_db
def test_agenda_page_creates_and_revokes_the_address(client, acc):
    SeanceFactory(accompagnement=acc, sujet="Stratégie")
    client.force_login(acc.beneficiaire)
    page = client.get(reverse("accompagnements:agenda")).content.decode()
    assert "Stratégie" in page and "/agenda/flux/" not in page
    client.post(reverse("accompagnements:flux_regenerer"))
    page = client.get(reverse("accompagnements:agenda")).content.decode()
    token = acc.beneficiaire.flux_calendrier.token
    assert f"/agenda/flux/{token}.ics" in page
    client.post(reverse("accompagnements:flux_revoquer"))
    assert client.get(reverse("accompagnements:flux_calendrier", args=[token])).status_code == 404


@pytest.mark.django_db
def test_a_session_ics_file(client, acc):
    seance = SeanceFactory(accompagnement=acc)
    client.force_login(acc.beneficiaire)
    response = client.get(reverse("accompagnements:seance_ics", args=[seance.pk]))
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1 and "attachment" in response["Content-Disposition"]


def _sessions(acc, mentor, n):
    for i in range(n):
        seance = SeanceFactory(accompagnement=acc, debut=dans(days=-40 + i * 5))
        if i % 3 == 0 and seance.debut < dans():
            services.seance_mark_held(seance=seance, by=mentor.user)
            services.compte_rendu_submit(seance=seance, travaux="x", outils="", progres={}, prochaines_etapes="y", by=mentor.user)


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.django_db
def test_constant_queries_on_the_sessions_section_and_the_feed(client, mentor, coordinateur):
    counts = {}
    for n in (3, 30):
        acc = AccompagnementFactory(mentors=[mentor], demi_journees_prevues=30)
        _sessions(acc, mentor, n)
        client.force_login(coordinateur)
        url = reverse("accompagnements:detail", args=[acc.pk])
        client.get(url)
        page_queries, response = _count(client, url)
        assert response.content.decode().count('href="/accompagnements/seances/') == n
        feed_queries, response = _count(client, _feed(client, acc.beneficiaire))
        assert len(_ics(response).walk("VEVENT")) == n
        counts[n] = (page_queries, feed_queries)
    assert counts[3] == counts[30]
    # token, groups, the validators (aggregate, formats), recent and coming sessions + the session and
    # user of the logged-in test client, read by the staff session middlewares (a calendar application
    # sends no cookie: 6 queries then).
    assert counts[30][1] <= 8


@pytest.mark.django_db
def test_the_feed_is_a_window_capped_and_answers_304_while_unchanged(client, acc, settings):
    settings.TSF_ICS_PAST_DAYS, settings.TSF_ICS_FUTURE_DAYS, settings.TSF_ICS_MAX_EVENTS = 30, 60, 8
    SeanceFactory(accompagnement=acc, debut=dans(days=-31), sujet="Trop ancienne")
    SeanceFactory(accompagnement=acc, debut=dans(days=61), sujet="Trop lointaine")
    for d in range(1, 5):
        SeanceFactory(accompagnement=acc, debut=dans(days=-d), sujet=f"Passée {d}")
    a_venir = [SeanceFactory(accompagnement=acc, debut=dans(days=d), sujet=f"À venir {d}") for d in range(1, 9)]
    url = _feed(client, acc.beneficiaire)
    response = client.get(url)
    assert response.status_code == 200
    sujets = {str(e["summary"]).split(" : ")[-1] for e in _ics(response).walk("VEVENT")}
    # 8 at most: the 2 most recent past sessions, the 6 nearest coming ones; nothing outside the window.
    assert sujets == {"Passée 1", "Passée 2"} | {f"À venir {d}" for d in range(1, 7)}
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # A change in the window: a new ETag and the whole feed again.
    Seance.objects.filter(pk=a_venir[0].pk).update(sujet="Renommée", updated_at=dans(days=0) + datetime.timedelta(seconds=5))
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.django_db
def test_the_coordination_sees_sessions_too_far_apart_on_the_page(client, acc, coordinateur):
    SeanceFactory(accompagnement=acc, debut=dans(days=1))
    SeanceFactory(accompagnement=acc, debut=dans(days=20))
    url = reverse("accompagnements:detail", args=[acc.pk])
    client.force_login(coordinateur)
    page = client.get(url).content.decode()
    assert "Recommandation : 1 séance a lieu plus de 14 jours après la précédente." in page
    assert "19 jours après la précédente" in page
    client.force_login(acc.beneficiaire)
    assert "Recommandation" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_page_refuses_a_session_after_the_programme_and_keeps_the_input(client, acc, mentor):
    """Issue 13, defect 2, through the page: the message is next to the date, nothing is planned."""
    fin = acc.programme.date_fin
    client.force_login(mentor.user)
    response = client.post(
        reverse("accompagnements:seance_create", args=[acc.pk]),
        {
            "date": (fin + datetime.timedelta(days=1)).isoformat(),
            "heure": "09:30",
            "demi_journees": "1",
            "modalite": "presentiel",
            "lieu": "Salle A",
            "sujet": "Hors période",
        },
    )
    assert response.status_code == 400
    assert "pendant la période du programme" in " ".join(response.context["form"].errors["date"])
    assert "Hors période" in response.content.decode()
    assert not Seance.objects.filter(accompagnement=acc).exists()
