import datetime

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from annuaire.models import Competence, Domaine
from candidatures import services
from candidatures.models import Candidature, DemandePiece, EmailEnvoye, Etat, Modalite, NoteInterne
from candidatures.selectors import timeline_for_applicant, timeline_for_coordination
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.models import EventKind
from tests.candidatures.coordination_helpers import diagnostiquee, planifiee, soumise
from tests.factories import CandidatureFactory, CompetenceFactory, ProgrammeFactory


@pytest.mark.django_db(transaction=True)
def test_eligibility_decision_sends_the_edited_email_and_keeps_it_on_the_file(programme, coordinateur):
    candidature = soumise(programme)
    services.candidature_decide(
        candidature=candidature,
        by=coordinateur,
        decision="recevable",
        reason="",
        subject="Bonne nouvelle pour votre dossier",
        body="Texte relu et modifié par la coordination.",
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.RECEVABLE
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [candidature.candidat.email]
    assert mail.outbox[0].subject == "Bonne nouvelle pour votre dossier"
    assert "modifié par la coordination" in mail.outbox[0].body
    kept = EmailEnvoye.objects.get(candidature=candidature)
    assert kept.corps == "Texte relu et modifié par la coordination." and kept.envoye_par == coordinateur
    kinds = [e.kind for e in timeline_for_coordination(candidature)]
    assert kinds == [EventKind.TRANSITION, EventKind.EMAIL]


@pytest.mark.django_db(transaction=True)
def test_an_empty_email_leaves_the_file_untouched(programme, coordinateur):
    candidature = soumise(programme)
    with pytest.raises(RuleViolation):
        services.candidature_decide(
            candidature=candidature, by=coordinateur, decision="irrecevable", reason="Hors Occitanie", subject="Objet", body="  "
        )
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.SOUMISE
    assert not candidature.evenements.exists() and not mail.outbox


@pytest.mark.django_db
def test_selecting_a_file_never_found_eligible_is_refused_with_the_workflow_message(programme, coordinateur):
    candidature = soumise(programme)
    with pytest.raises(TransitionRefused, match="impossible"):
        services.candidature_decide(
            candidature=candidature,
            by=coordinateur,
            decision="retenue",
            reason="",
            subject="s",
            body="b",
            format=ProgrammeFactory.tsf(programme),
            demi_journees=2,
        )
    assert not EmailEnvoye.objects.exists()


@pytest.mark.django_db
def test_only_coordination_decides(programme, membre_comite):
    candidature = soumise(programme)
    with pytest.raises(PermissionRefused):
        services.candidature_decide(
            candidature=candidature, by=membre_comite, decision="recevable", reason="", subject="s", body="b"
        )


@pytest.mark.django_db(transaction=True)
def test_schedule_sends_an_invitation_with_a_calendar_file(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.RECEVABLE)
    debut = datetime.datetime(2030, 3, 14, 14, 30, tzinfo=datetime.UTC)  # 15h30 in Paris
    services.entretien_diagnostic_schedule(
        candidature=candidature, by=coordinateur, debut=debut, modalite=Modalite.PRESENTIEL, lieu="Le Metronum, Toulouse"
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_PLANIFIE
    (message,) = mail.outbox
    (name, content, mimetype) = message.attachments[0]
    assert name == "entretien-diagnostic.ics" and mimetype == "text/calendar"
    event = next(c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT")
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Paris" and (start.hour, start.minute) == (15, 30)
    assert str(event.get("location")) == "Le Metronum, Toulouse"
    assert "15h30" in message.body and "Le Metronum" in message.body


@pytest.mark.django_db
def test_a_remote_interview_needs_a_link_and_a_future_date(programme, coordinateur):
    candidature = CandidatureFactory(programme=programme, etat=Etat.RECEVABLE)
    with pytest.raises(RuleViolation) as missing:
        services.entretien_diagnostic_schedule(
            candidature=candidature,
            by=coordinateur,
            debut=timezone.now() + datetime.timedelta(days=1),
            modalite=Modalite.DISTANCE,
        )
    assert missing.value.field == "lien_visio"
    with pytest.raises(RuleViolation) as past:
        services.entretien_diagnostic_schedule(
            candidature=candidature,
            by=coordinateur,
            debut=timezone.now() - datetime.timedelta(hours=1),
            modalite=Modalite.DISTANCE,
            lien_visio="https://visio.exemple.test/abc",
        )
    assert past.value.field == "debut"
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.RECEVABLE


@pytest.mark.django_db
def test_moving_the_interview_keeps_the_state_and_sends_a_new_invitation(programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    services.entretien_diagnostic_schedule(
        candidature=candidature,
        by=coordinateur,
        debut=timezone.now() + datetime.timedelta(days=5),
        modalite=Modalite.DISTANCE,
        lien_visio="https://visio.exemple.test/abc",
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_PLANIFIE
    assert candidature.diagnostic.lieu == "" and candidature.diagnostic.lien_visio.endswith("/abc")
    assert EmailEnvoye.objects.filter(candidature=candidature).count() == 2


@pytest.mark.django_db
def test_recording_the_diagnostic_adds_needs_and_new_competences(programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    existing = CompetenceFactory()
    domaine = Domaine.objects.first()
    services.entretien_diagnostic_record(
        candidature=candidature,
        by=coordinateur,
        besoins=[(existing, 3, "urgent")],
        nouvelles_competences=[(domaine, "Booking de tournées à l’étranger", 2)],
        format_recommande=ProgrammeFactory.tsf(programme),
        demi_journees=3,
        notes="Entretien riche.",
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_REALISE
    nouvelle = Competence.objects.get(nom="Booking de tournées à l’étranger")
    assert nouvelle.issue_d_un_diagnostic
    besoins = {(b.competence_id, b.priorite) for b in candidature.diagnostic.besoins.all()}
    assert besoins == {(existing.pk, 3), (nouvelle.pk, 2)}
    assert candidature.diagnostic.demi_journees == 3 and candidature.diagnostic.realise_le is not None


@pytest.mark.django_db
def test_half_days_beyond_the_format_limit_are_refused(programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    with pytest.raises(RuleViolation, match="Limite dépassée") as refused:
        services.entretien_diagnostic_record(
            candidature=candidature,
            by=coordinateur,
            besoins=[(CompetenceFactory(), 2, "")],
            format_recommande=ProgrammeFactory.tsf(programme),
            demi_journees=5,
        )
    assert refused.value.field == "demi_journees"
    assert Candidature.objects.get(pk=candidature.pk).etat == Etat.DIAGNOSTIC_PLANIFIE


@pytest.mark.django_db
def test_tsf_then_mentorat_selection(programme, coordinateur):
    candidature = diagnostiquee(programme, coordinateur)
    services.candidature_decide(
        candidature=candidature,
        by=coordinateur,
        decision="retenue",
        reason="",
        subject="Retenue",
        body="Votre candidature est retenue.",
        format=ProgrammeFactory.tsf(programme),
        demi_journees=3,
        format_suite=ProgrammeFactory.mentorat(programme),
        demi_journees_suite=4,
    )
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SELECTIONNEE
    assert (candidature.format_retenu.code, candidature.demi_journees_retenues) == ("tsf", 3)
    assert (candidature.format_suite.code, candidature.demi_journees_suite) == ("mentorat", 4)


@pytest.mark.django_db
def test_reverting_a_decision_is_in_the_timeline(programme, coordinateur):
    candidature = soumise(programme)
    services.candidature_decide(
        candidature=candidature, by=coordinateur, decision="irrecevable", reason="Hors Occitanie", subject="s", body="b"
    )
    services.candidature_revert_decision(candidature=candidature, by=coordinateur, reason="Erreur de lecture du SIRET")
    candidature.refresh_from_db()
    assert candidature.etat == Etat.SOUMISE
    last = timeline_for_coordination(candidature).last()
    assert (last.transition, last.reason) == ("annulation", "Erreur de lecture du SIRET")


@pytest.mark.django_db(transaction=True)
def test_asking_for_a_missing_document_notifies_the_applicant(programme, coordinateur):
    candidature = soumise(programme)
    demande = services.demande_piece_create(
        candidature=candidature, by=coordinateur, type_piece="budget", message="Le budget 2025 svp."
    )
    assert DemandePiece.objects.get() == demande
    assert "Dernier budget ou bilan" in mail.outbox[0].body and "Le budget 2025 svp." in mail.outbox[0].body
    services.demande_piece_remind(demande=demande, by=coordinateur)
    assert len(mail.outbox) == 2 and "Rappel" in mail.outbox[1].subject


@pytest.mark.django_db
def test_applicant_timeline_never_shows_notes_labels_or_committee(programme, coordinateur, membre_comite):
    from comite.services import avis_give, saisine_create

    candidature = diagnostiquee(programme, coordinateur)
    services.note_interne_add(candidature=candidature, by=coordinateur, texte="Candidate un peu fragile")
    services.candidature_set_etiquettes(candidature=candidature, by=coordinateur, noms=["prioritaire", "à rappeler"])
    saisine = saisine_create(candidature=candidature, by=coordinateur, question="Avis sur le format ?")
    avis_give(saisine=saisine, membre=membre_comite, sens="favorable")
    services.demande_piece_create(candidature=candidature, by=coordinateur, type_piece="cv")

    visible = list(timeline_for_applicant(candidature))
    all_events = list(timeline_for_coordination(candidature))
    assert {e.kind for e in all_events} >= {EventKind.TRANSITION, EventKind.EMAIL, EventKind.AVIS, EventKind.DOCUMENT}
    assert {e.kind for e in visible} == {EventKind.TRANSITION, EventKind.EMAIL, EventKind.DOCUMENT}
    assert all("saisine" not in e.details for e in visible)
    assert [e.to_state for e in visible if e.kind == EventKind.TRANSITION] == ["diagnostic_planifie", "diagnostic_realise"]
    assert NoteInterne.objects.filter(candidature=candidature).count() == 1


@pytest.mark.django_db
def test_labels_are_replaced_and_deduplicated(programme, coordinateur):
    candidature = soumise(programme)
    services.candidature_set_etiquettes(candidature=candidature, by=coordinateur, noms=["Urgent", "urgent ", "Mécénat"])
    assert sorted(lien.etiquette.nom for lien in candidature.etiquettes_liens.all()) == ["Mécénat", "Urgent"]
    services.candidature_set_etiquettes(candidature=candidature, by=coordinateur, noms=["Mécénat"])
    assert [lien.etiquette.nom for lien in candidature.etiquettes_liens.all()] == ["Mécénat"]


@pytest.mark.django_db
def test_reverting_a_selection_clears_the_retained_format(programme, coordinateur):
    candidature = diagnostiquee(programme, coordinateur)
    services.candidature_select(candidature=candidature, by=coordinateur, format=ProgrammeFactory.tsf(programme), demi_journees=3)
    services.candidature_revert_decision(candidature=candidature, by=coordinateur, reason="Attendre le comité")
    candidature.refresh_from_db()
    assert candidature.etat == Etat.DIAGNOSTIC_REALISE
    assert candidature.format_retenu is None and candidature.demi_journees_retenues is None
