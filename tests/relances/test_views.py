import datetime
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluations.models import EtatEvaluation, Evaluation, Moment, Repondant
from programmes.models import Programme
from relances import services
from relances.models import EtatRelance, Relance, TypeRelance
from relances.planning import relances_planifier
from tests.factories import CandidatureFactory, ConventionFactory

from .conftest import build_dossier, seance

pytestmark = pytest.mark.django_db


def test_the_coordinator_switches_a_kind_off_and_back_on(client):
    d = build_dossier()
    programme = d.accompagnement.programme
    url = reverse("relances:programme", args=[programme.pk])
    client.force_login(d.coordinateur)
    page = client.get(url).content.decode()
    assert "Séance à venir (questions à envoyer)" in page and "checked" in page
    actives = [v for v in TypeRelance.values if v != "brouillon"]
    response = client.post(url, {"actives": actives})
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.relances_desactivees == ["brouillon"]
    client.post(url, {"actives": TypeRelance.values})
    programme.refresh_from_db()
    assert programme.relances_desactivees == []


def test_an_unknown_kind_gets_a_french_error(client):
    d = build_dossier()
    client.force_login(d.coordinateur)
    response = client.post(reverse("relances:programme", args=[d.accompagnement.programme.pk]), {"actives": ["bidon"]})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide. bidon n’en fait pas partie." in response.content.decode()


def test_only_the_coordination_sees_the_reminders(client, membre_comite):
    d = build_dossier()
    url = reverse("relances:programme", args=[d.accompagnement.programme.pk])
    assert client.get(url).status_code == 302
    for user in (d.beneficiaire, d.mentor, membre_comite):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"actives": []}).status_code == 403
    assert Programme.objects.get(pk=d.accompagnement.programme.pk).relances_desactivees == []


def test_sent_reminders_appear_on_the_file_and_on_the_programme_page(client):
    d = build_dossier()
    seance(d, timezone.now() + datetime.timedelta(hours=40))
    relances_planifier()
    services.relances_envoyer_dues()
    client.force_login(d.coordinateur)
    page = client.get(reverse("accompagnements:detail", args=[d.accompagnement.pk])).content.decode()
    assert page.count("Séance à venir (questions à envoyer)") == 2 and d.beneficiaire.display_name in page
    page = client.get(reverse("relances:programme", args=[d.accompagnement.programme.pk])).content.decode()
    assert d.accompagnement.reference in page and d.mentor.display_name in page
    # The parties do not see the reminders section.
    client.force_login(d.beneficiaire)
    assert (
        "Relances de ce dossier" not in client.get(reverse("accompagnements:detail", args=[d.accompagnement.pk])).content.decode()
    )


def test_the_programme_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    d = build_dossier()
    programme = d.accompagnement.programme
    client.force_login(d.coordinateur)
    url = reverse("relances:programme", args=[programme.pk])

    def add_sessions(n):
        for i in range(n):
            seance(d, timezone.now() + datetime.timedelta(hours=40, minutes=i))
        relances_planifier()
        services.relances_envoyer_dues()

    add_sessions(2)
    with django_assert_max_num_queries(12):
        client.get(url)
    add_sessions(12)
    with django_assert_max_num_queries(12):
        client.get(url)


def test_the_programme_page_shows_each_kind_of_file_in_the_same_queries(client, django_assert_num_queries):
    """The table reads only the columns it shows (issue 14): a reminder about a session, a convention,
    an evaluation, an accompagnement or an application must still show its file, without a query
    per row for a column left out."""
    d = build_dossier()
    programme = d.accompagnement.programme
    client.force_login(d.coordinateur)
    url = reverse("relances:programme", args=[programme.pk])

    def envoyer(objet, type_relance):
        Relance.objects.create(
            programme=programme,
            type_relance=type_relance,
            destinataire=d.beneficiaire,
            content_type=ContentType.objects.get_for_model(objet),
            object_id=objet.pk,
            rang=next(rangs),  # the file's own reminder comes back at each round
            echeance=timezone.now(),
            etat=EtatRelance.ENVOYEE,
            envoyee_le=timezone.now(),
        )

    versions = itertools.count(1)
    rangs = itertools.count(1)
    evaluations = itertools.product(Moment.values, Repondant.values)

    def un_de_chaque():
        envoyer(seance(d, timezone.now() + datetime.timedelta(hours=40)), TypeRelance.SEANCE_48H)
        envoyer(ConventionFactory(accompagnement=d.accompagnement, version=next(versions)), TypeRelance.SIGNATURE)
        envoyer(
            Evaluation.objects.create(
                accompagnement=d.accompagnement,
                **dict(zip(("moment", "repondant"), next(evaluations), strict=True)),
                personne=d.beneficiaire,
                etat=EtatEvaluation.OUVERTE,
            ),
            TypeRelance.EVAL_SORTIE,
        )
        envoyer(d.accompagnement, TypeRelance.ECART_SEANCES)
        envoyer(CandidatureFactory(programme=programme, reference=f"TSF-REL-{next(versions):04d}"), TypeRelance.BROUILLON)
        envoyer(CandidatureFactory(programme=programme, reference=""), TypeRelance.BROUILLON)

    un_de_chaque()
    client.get(url)
    with CaptureQueriesContext(connection) as requetes:
        page = client.get(url).content.decode()
    lien = reverse("accompagnements:detail", args=[d.accompagnement.pk])
    assert page.count(f'href="{lien}"') == 3  # session, convention, evaluation (the file's own: its reference)
    assert page.count(d.accompagnement.reference) == 4
    assert "TSF-REL-0002" in page and "Candidature en brouillon" in page
    assert page.count(d.beneficiaire.display_name) >= 6
    Relance.objects.filter(programme=programme).delete()
    un_de_chaque()
    un_de_chaque()
    with django_assert_num_queries(len(requetes)):
        client.get(url)


def test_ranks_of_one_reminder_due_together_make_one_email_and_the_lower_one_is_listed_as_sent_with_it(client):
    """After an outage, ranks 1 and 2 of a draft's reminder are due at once: one e-mail (rank 2's), rank 1
    recorded as sent in it and shown so on the programme's page; another person's draft is not grouped with it."""
    from django.contrib.contenttypes.models import ContentType
    from django.core import mail

    from candidatures.models import Candidature
    from relances.models import EtatRelance, Relance
    from tests.factories import CandidatureFactory

    d = build_dossier()
    programme = d.accompagnement.programme
    now = timezone.now()
    drafts = [CandidatureFactory(programme=programme) for _ in range(2)]
    Candidature.objects.filter(pk__in=[c.pk for c in drafts]).update(updated_at=now - datetime.timedelta(days=30))
    content_type = ContentType.objects.get_for_model(Candidature)
    rows = [(drafts[0], 1), (drafts[0], 2), (drafts[1], 1)]
    Relance.objects.bulk_create(
        Relance(
            programme=programme,
            type_relance=TypeRelance.BROUILLON,
            destinataire_id=draft.candidat_id,
            content_type=content_type,
            object_id=draft.pk,
            rang=rang,
            echeance=now - datetime.timedelta(minutes=rang),
        )
        for draft, rang in rows
    )
    mail.outbox.clear()
    assert services.relances_envoyer_dues() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.candidat.email for c in drafts)
    etats = {(r.object_id, r.rang): (r.etat, r.envoyee_le is not None) for r in Relance.objects.filter(type_relance="brouillon")}
    assert etats == {
        (drafts[0].pk, 1): (EtatRelance.REGROUPEE, True),
        (drafts[0].pk, 2): (EtatRelance.ENVOYEE, True),
        (drafts[1].pk, 1): (EtatRelance.ENVOYEE, True),
    }
    (sent,) = [m for m in mail.outbox if m.to == [drafts[0].candidat.email]]
    rang_2 = Relance.objects.get(object_id=drafts[0].pk, rang=2)
    assert sent.extra_headers["X-TSF-Relance"] == str(rang_2.pk)
    client.force_login(d.coordinateur)
    page = client.get(reverse("relances:programme", args=[programme.pk])).content.decode()
    assert page.count("envoyée dans l’e-mail de la relance suivante") == 1
    # A second scan sends nothing more.
    assert services.relances_envoyer_dues() == 0 and len(mail.outbox) == 2


def test_the_sent_list_is_read_newest_first_from_one_index_and_only_sent_rows_have_a_date():
    """The sent list (both sent states) filters on the sending date: an index on (programme, date) gives a
    page without sorting every sent row of the programme (40 000 at scale), which the index on (programme,
    state, date) no longer did with two states. A constraint keeps "has a date" the same set as "sent"."""
    from django.db import IntegrityError, transaction

    from relances.selectors import relances_envoyees

    d = build_dossier()
    programme = d.accompagnement.programme
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(d.accompagnement)

    def relance(rang, etat, envoyee_le):
        return Relance.objects.create(
            programme=programme,
            type_relance=TypeRelance.ECART_SEANCES,
            destinataire=d.coordinateur,
            content_type=content_type,
            object_id=d.accompagnement.pk,
            rang=rang,
            echeance=now,
            etat=etat,
            envoyee_le=envoyee_le,
        )

    envoyee = relance(1, EtatRelance.ENVOYEE, now - datetime.timedelta(hours=2))
    regroupee = relance(2, EtatRelance.REGROUPEE, now - datetime.timedelta(hours=1))
    relance(3, EtatRelance.ANNULEE, None)
    relance(4, EtatRelance.PREVUE, None)
    assert list(relances_envoyees(programme)) == [regroupee, envoyee]
    for etat, envoyee_le in [(EtatRelance.ENVOYEE, None), (EtatRelance.REGROUPEE, None), (EtatRelance.ANNULEE, now)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            relance(9, etat, envoyee_le)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a handful of rows: the planner would scan the table
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = relances_envoyees(programme)[:50].explain()
    assert "relance_envoyees_idx" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan
