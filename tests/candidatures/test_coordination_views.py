import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from candidatures import selectors
from candidatures.models import Candidature, CandidatureEvenement, EmailEnvoye, Etat
from core.models import EventKind
from programmes.models import Programme
from tests.candidatures import coordination_helpers
from tests.candidatures.coordination_helpers import diagnostiquee, planifiee, soumise
from tests.factories import CandidatureFactory, ProgrammeFactory, StructureFactory


@pytest.fixture
def coord_client(client, coordinateur):
    client.force_login(coordinateur)
    return client


@pytest.mark.django_db
def test_dashboard_counts_by_stage_and_flags_files_waiting_too_long(coord_client, programme):
    late = soumise(programme)
    Candidature.objects.filter(pk=late.pk).update(soumise_le=timezone.now() - datetime.timedelta(days=30))
    soumise(programme)
    CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE)
    CandidatureFactory(programme=programme)  # a draft: not on the desk
    response = coord_client.get(reverse("candidatures:coordination_dashboard"))
    assert response.status_code == 200
    counts = {s.etat: s.count for s in response.context["stages"]}
    assert counts["soumise"] == 2 and counts["selectionnee"] == 1 and counts["retiree"] == 0
    a_traiter = response.context["a_traiter"]
    assert [c.pk for c in a_traiter][0] == late.pk and a_traiter[0].en_retard and not a_traiter[1].en_retard
    assert "En retard" in response.content.decode()
    assert response.context["page_obj"].paginator.count == 3


@pytest.mark.django_db
def test_the_to_do_list_keeps_the_longest_waiting_files_by_their_last_change_of_state(programme):
    """The ranking is done before the applicant and structure are read: the first `nombre` must still be the
    longest-waiting files (waiting since their last transition, else their submission), in that order."""
    now = timezone.now()
    jours = {"ancienne": 40, "relancee": 30, "recente": 2, "fermee": 90}
    files = {nom: soumise(programme) for nom in jours}
    Candidature.objects.filter(pk=files["fermee"].pk).update(etat=Etat.SELECTIONNEE)
    for nom, n in jours.items():
        Candidature.objects.filter(pk=files[nom].pk).update(soumise_le=now - datetime.timedelta(days=n))
    # Submitted long ago, but its last change of state is recent: it waits since then.
    CandidatureEvenement.objects.create(
        candidature=files["ancienne"], kind=EventKind.TRANSITION, to_state=Etat.SOUMISE, created_at=now
    )
    CandidatureEvenement.objects.filter(candidature=files["ancienne"]).update(created_at=now - datetime.timedelta(days=1))
    CandidatureEvenement.objects.create(candidature=files["relancee"], kind=EventKind.EMAIL)  # not a change of state
    premiers = list(selectors.needs_action_today(programme=programme, nombre=2))
    assert [c.pk for c in premiers] == [files["relancee"].pk, files["recente"].pk]
    assert premiers[0].en_retard and not premiers[1].en_retard
    assert premiers[0].structure.raison_sociale == files["relancee"].structure.raison_sociale


@pytest.mark.django_db
def test_dashboard_filters_and_search(coord_client, programme):
    gers = soumise(programme, structure=StructureFactory(departement="32", raison_sociale="Ciné 32 Auch"))
    soumise(programme)
    url = reverse("candidatures:coordination_dashboard")
    assert [c.pk for c in coord_client.get(url, {"departement": "32"}).context["page_obj"]] == [gers.pk]
    assert [c.pk for c in coord_client.get(url, {"q": "auch"}).context["page_obj"]] == [gers.pk]
    competence = coordination_helpers.competence()
    gers.competences_souhaitees.add(competence)
    assert [c.pk for c in coord_client.get(url, {"domaine": competence.domaine_id}).context["page_obj"]] == [gers.pk]
    tsf = ProgrammeFactory.tsf(programme)
    assert list(coord_client.get(url, {"format": tsf.pk}).context["page_obj"]) == []
    bad = coord_client.get(url, {"depuis": "2026-05-01", "jusqu_au": "2026-04-01"})
    assert bad.status_code == 200 and "Cette date doit suivre" in bad.content.decode()


@pytest.mark.django_db
def test_dashboard_filter_fields_are_drawn_as_django_and_crispy_drew_them(coord_client, programme):
    """The filter fields are drawn by hand (not one template per option): same controls, selected options,
    typed values, labels and errors next to the field as Django's widgets under crispy's Bootstrap 5 classes."""
    tsf = ProgrammeFactory.tsf(programme)
    params = {"q": 'Ciné "32" <b>', "etat": "soumise", "departement": "32", "format": tsf.pk, "depuis": "2026-05-01"}
    bad = {**params, "jusqu_au": "2026-04-01", "domaine": "abc"}
    for query, invalides in ((params, ()), (bad, ("jusqu_au", "domaine"))):
        response = coord_client.get(reverse("candidatures:coordination_dashboard"), query)
        page = response.content.decode()
        form = response.context["form"]
        for bound in form:
            control = "form-select" if bound.name in ("etat", "departement", "format", "domaine", "etiquette") else "form-control"
            classe = f"{bound.field.widget.__class__.__name__.lower()} {control}"
            attrs = {"class": classe + (" is-invalid" if bound.name in invalides else "")}
            if bound.name in invalides:
                attrs["aria-describedby"] = f"id_{bound.name}_error"
            assertInHTML(bound.as_widget(attrs=attrs), page)
            assertInHTML(f'<label for="id_{bound.name}" class="form-label">{bound.label}</label>', page)
        for name in invalides:
            errors = "".join(
                f'<p id="error_{i}_id_{name}"><strong>{e}</strong></p>' for i, e in enumerate(form.errors[name], start=1)
            )
            assertInHTML(f'<div id="id_{name}_error" class="invalid-feedback">{errors}</div>', page)
    assert "Cette date doit suivre la date de début." in page and 'value="Ciné &quot;32&quot; &lt;b&gt;"' in page


@pytest.mark.django_db(transaction=True)
def test_decision_is_a_two_step_form_with_an_editable_draft(coord_client, programme):
    candidature = soumise(programme)
    url = reverse("candidatures:coordination_decision", args=[candidature.pk, "irrecevable"])
    missing = coord_client.post(url, {"etape": "apercu", "motif_liste": "", "motif": "x"})
    assert "Ce champ est obligatoire" in missing.content.decode()
    preview = coord_client.post(url, {"etape": "apercu", "motif_liste": "hors_occitanie", "motif": "Siège à Bordeaux."})
    draft = preview.context["draft_form"]
    assert "n’est pas recevable" in draft.initial["sujet"]
    assert "Structure située hors d’Occitanie – Siège à Bordeaux." in draft.initial["corps"]
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.SOUMISE and not mail.outbox
    sent = coord_client.post(
        url,
        {
            "etape": "envoyer",
            "motif_liste": "hors_occitanie",
            "motif": "Siège à Bordeaux.",
            "sujet": "Votre candidature",
            "corps": "Texte modifié à la main.",
        },
    )
    assert sent.status_code == 302
    candidature.refresh_from_db()
    assert candidature.etat == Etat.IRRECEVABLE
    assert candidature.motif_decision == "Structure située hors d’Occitanie – Siège à Bordeaux."
    assert mail.outbox[0].body == "Texte modifié à la main."
    detail = coord_client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()
    assert "Texte modifié à la main." in detail and "Déclarer non recevable" in detail


@pytest.mark.django_db
def test_illegal_decision_shows_the_french_refusal(coord_client, programme):
    candidature = soumise(programme)
    tsf = ProgrammeFactory.tsf(programme)
    response = coord_client.post(
        reverse("candidatures:coordination_decision", args=[candidature.pk, "retenue"]),
        {"etape": "envoyer", "format": tsf.pk, "demi_journees": 2, "sujet": "s", "corps": "b"},
    )
    assert response.status_code == 200
    assert "impossible : le dossier est à l’état « Déposée, à vérifier »" in response.content.decode()
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.SOUMISE


@pytest.mark.django_db(transaction=True)
def test_plan_then_record_diagnostic_through_the_pages(coord_client, programme):
    candidature = CandidatureFactory(programme=programme, etat=Etat.RECEVABLE)
    debut = (timezone.localtime() + datetime.timedelta(days=7)).replace(hour=10, minute=0)
    plan = reverse("candidatures:coordination_diagnostic_plan", args=[candidature.pk])
    error = coord_client.post(plan, {"debut": debut.strftime("%Y-%m-%dT%H:%M"), "duree_minutes": 60, "modalite": "presentiel"})
    assert "Indiquez le lieu" in error.content.decode()
    ok = coord_client.post(
        plan, {"debut": debut.strftime("%Y-%m-%dT%H:%M"), "duree_minutes": 60, "modalite": "presentiel", "lieu": "Salle 2"}
    )
    assert ok.status_code == 302 and len(mail.outbox) == 1
    ics = coord_client.get(reverse("candidatures:diagnostic_ics", args=[candidature.pk]))
    assert ics["Content-Type"].startswith("text/calendar") and b"Salle 2" in ics.content

    competence = coordination_helpers.competence()
    record = reverse("candidatures:coordination_diagnostic_record", args=[candidature.pk])
    assert coord_client.get(record).status_code == 200
    data = {
        "besoins-TOTAL_FORMS": 5,
        "besoins-INITIAL_FORMS": 0,
        "besoins-MIN_NUM_FORMS": 5,
        "besoins-MAX_NUM_FORMS": 20,
        "nouvelles-TOTAL_FORMS": 2,
        "nouvelles-INITIAL_FORMS": 0,
        "nouvelles-MIN_NUM_FORMS": 2,
        "nouvelles-MAX_NUM_FORMS": 10,
        "besoins-0-competence": competence.pk,
        "besoins-0-priorite": 3,
        "format_recommande": ProgrammeFactory.tsf(programme).pk,
        "demi_journees": 9,
    }
    for i in range(1, 5):
        data[f"besoins-{i}-priorite"] = 2
    for i in range(2):
        data[f"nouvelles-{i}-priorite"] = 2
    too_many = coord_client.post(record, data)
    assert "Limite dépassée" in too_many.content.decode()
    data["demi_journees"] = 3
    assert coord_client.post(record, data).status_code == 302
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_REALISE and candidature.diagnostic.besoins.get().competence == competence


@pytest.mark.django_db
def test_notes_labels_and_document_request_pages(coord_client, programme):
    candidature = soumise(programme)
    coord_client.post(reverse("candidatures:coordination_note", args=[candidature.pk]), {"texte": "Rappeler lundi"})
    coord_client.post(reverse("candidatures:coordination_etiquettes", args=[candidature.pk]), {"noms": "urgent, mécénat"})
    empty = coord_client.post(reverse("candidatures:coordination_demande_piece", args=[candidature.pk]), {"type_piece": ""})
    assert empty.status_code == 200
    coord_client.post(reverse("candidatures:coordination_demande_piece", args=[candidature.pk]), {"type_piece": "statuts"})
    page = coord_client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()
    assert "Rappeler lundi" in page and "mécénat" in page and "Document demandé : Statuts de la structure" in page
    assert EmailEnvoye.objects.filter(candidature=candidature).count() == 1
    # Taking every label off is a save too (the service returns an empty list): back to the file.
    cleared = coord_client.post(reverse("candidatures:coordination_etiquettes", args=[candidature.pk]), {"noms": ""})
    assert cleared.status_code == 302 and not candidature.etiquettes_liens.exists()


@pytest.mark.django_db
def test_revert_page(coord_client, programme, coordinateur):
    candidature = diagnostiquee(programme, coordinateur)
    url = reverse("candidatures:coordination_revert", args=[candidature.pk])
    # The last move (diagnostic recorded) is not a revertible decision: the page says so at once, before
    # any reason is typed, and sends back to the file.
    refused = coord_client.get(url, follow=True)
    assert refused.redirect_chain[-1][0] == reverse("candidatures:coordination_detail", args=[candidature.pk])
    assert "Aucune décision récente" in refused.content.decode()
    coord_client.post(reverse("candidatures:coordination_await", args=[candidature.pk]))
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.EN_ATTENTE_DECISION
    assert "obligatoire" in coord_client.post(url, {"motif": ""}).content.decode()
    assert coord_client.post(url, {"motif": "trop tôt"}).status_code == 302
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.DIAGNOSTIC_REALISE


@pytest.mark.django_db
def test_detail_shows_precheck_and_timeline(coord_client, programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    Candidature.objects.filter(pk=candidature.pk).update(
        precheck={"criteres": [{"code": "occitanie", "libelle": "Structure en Occitanie", "statut": "ok", "explication": "31"}]}
    )
    page = coord_client.get(reverse("candidatures:coordination_detail", args=[candidature.pk])).content.decode()
    assert "Structure en Occitanie" in page
    assert "Planifier l’entretien diagnostic : « Recevable, diagnostic à planifier » → « Entretien diagnostic planifié »" in page
    assert "E-mail envoyé à" in page


@pytest.mark.django_db
def test_decision_page_says_at_once_when_the_move_is_not_allowed(coord_client, programme):
    candidature = soumise(programme)
    url = reverse("candidatures:coordination_decision", args=[candidature.pk, "refusee"])
    assert "impossible" in coord_client.get(url).content.decode()
    preview = coord_client.post(url, {"etape": "apercu", "motif_liste": "enveloppe"})
    assert preview.context["draft_form"] is None and "impossible" in preview.content.decode()


@pytest.mark.django_db
def test_dashboard_rows_show_format_lateness_and_link_and_the_count_of_each_filter(coord_client, programme, coordinateur):
    """The rows' recommended format, late badge and link, and the list's length (read from the count by
    stage when the list is whole or one stage's): what the page showed before they were computed apart."""
    late = soumise(programme)
    Candidature.objects.filter(pk=late.pk).update(soumise_le=timezone.now() - datetime.timedelta(days=60))
    fresh = soumise(programme)
    diagnostic = diagnostiquee(programme, coordinateur)
    tsf = ProgrammeFactory.tsf(programme)
    retenue = CandidatureFactory(programme=programme, etat=Etat.SELECTIONNEE, format_retenu=tsf)
    Candidature.objects.filter(pk=retenue.pk).update(soumise_le=timezone.now() - datetime.timedelta(days=60))
    CandidatureFactory(programme=programme)  # a draft: neither listed nor counted
    url = reverse("candidatures:coordination_dashboard")
    response = coord_client.get(url)
    rows = {
        c.pk: row
        for row in response.content.decode().split("<tbody>")[1].split("</tr>")
        for c in (late, fresh, diagnostic, retenue)
        if f">{c.reference}</a>" in row
    }
    for c in (late, fresh, diagnostic, retenue):
        assert f'href="{reverse("candidatures:coordination_detail", args=[c.pk])}"' in rows[c.pk]
    assert "En retard" in rows[late.pk] and "En retard" not in rows[fresh.pk]
    assert "En retard" not in rows[retenue.pk]  # waiting long, but not for the coordinator
    assert f"{tsf.libelle} <span" in rows[diagnostic.pk] and "(recommandé)" in rows[diagnostic.pk]
    assert f"<td>{tsf.libelle}</td>" in rows[retenue.pk] and "(recommandé)" not in rows[retenue.pk]
    assert "(recommandé)" not in rows[fresh.pk]
    assert response.context["page_obj"].paginator.count == 4
    for query, expected in (({"etat": "soumise"}, 2), ({"etat": "retiree"}, 0), ({"q": late.reference}, 1)):
        page = coord_client.get(url, query).context["page_obj"]
        assert page.paginator.count == len(page.object_list) == expected, query


@pytest.mark.django_db
def test_dashboard_opens_on_the_current_programme_as_programme_courant_says(coord_client, programme):
    """The desk picks the current programme from the list it already read: the running one started last, else
    the latest one, as Programme.courant()."""
    today = timezone.localdate()
    url = reverse("candidatures:coordination_dashboard")
    ProgrammeFactory(date_debut=today + datetime.timedelta(days=30), date_fin=today + datetime.timedelta(days=400))
    ProgrammeFactory(date_debut=today - datetime.timedelta(days=900), date_fin=today - datetime.timedelta(days=500))
    assert Programme.courant() == programme
    assert coord_client.get(url).context["programme"] == programme
    Programme.objects.filter(pk=programme.pk).update(date_fin=today - datetime.timedelta(days=1))
    latest = Programme.courant()
    assert latest != programme and latest.date_debut > today
    assert coord_client.get(url).context["programme"] == latest
