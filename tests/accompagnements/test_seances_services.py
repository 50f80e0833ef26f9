import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accompagnements import services
from accompagnements.calendar import echeance_compte_rendu
from accompagnements.models import AccompagnementEvenement, EtatSeance, Seance
from accompagnements.selectors import demi_journees, seances_dans_48h, seances_trop_espacees
from core.exceptions import PermissionRefused, RuleViolation
from tests.accompagnements.conftest import dans
from tests.factories import AccompagnementFactory, ObjectifFactory, ProgrammeFactory, SeanceFactory, StructureFactory

PARIS = ZoneInfo("Europe/Paris")


def plan(acc, *, by, days=7, demi_journees=1, **kwargs):
    return services.seance_plan(
        accompagnement=acc,
        debut=dans(days=days),
        demi_journees=demi_journees,
        modalite=kwargs.pop("modalite", "presentiel"),
        lieu=kwargs.pop("lieu", "Salle de la structure"),
        by=by,
        **kwargs,
    )


@pytest.mark.django_db
def test_the_mentor_plans_a_session_and_the_beneficiary_is_told(acc, mentor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seance = plan(acc, by=mentor.user, sujet="Mécénat")
    assert seance.etat == EtatSeance.PLANIFIEE and seance.planifiee_par == mentor.user
    # Both parties (the mentor who planned included) get the invitation for their calendar.
    assert [sorted(m.to) for m in mail.outbox] == [sorted([acc.beneficiaire.email, mentor.user.email])]
    assert "Nouvelle séance" in mail.outbox[0].subject
    ((name, _content, mimetype),) = mail.outbox[0].attachments
    assert (name, mimetype) == (f"seance-{seance.pk}.ics", "text/calendar; method=REQUEST")


@pytest.mark.django_db
def test_the_beneficiary_cannot_plan_and_nothing_before_the_signature(acc, mentor):
    with pytest.raises(PermissionRefused):
        plan(acc, by=acc.beneficiaire)
    acc.etat = "convention"
    acc.save()
    with pytest.raises(RuleViolation, match="convention signée"):
        plan(acc, by=mentor.user)


@pytest.mark.django_db
def test_a_plan_beyond_the_convention_half_days_is_refused(acc, mentor):
    plan(acc, by=mentor.user, demi_journees=2)
    plan(acc, by=mentor.user, demi_journees=1, days=8)
    with pytest.raises(RuleViolation, match="demi-journées de la convention.*il en reste 1"):
        plan(acc, by=mentor.user, demi_journees=2, days=9)
    plan(acc, by=mentor.user, demi_journees=1, days=9)
    assert Seance.objects.filter(accompagnement=acc).count() == 3


@pytest.mark.django_db
def test_fifth_half_day_of_tsf_for_a_structure_is_refused_across_two_accompagnements(programme, mentor):
    structure = StructureFactory()
    # Each convention alone would allow 3 half-days; the programme allows 4 of TSF per structure.
    first = AccompagnementFactory(
        candidature__programme=programme, candidature__structure=structure, mentors=[mentor], demi_journees_prevues=3
    )
    second = AccompagnementFactory(
        candidature__programme=programme, candidature__structure=structure, mentors=[mentor], demi_journees_prevues=3
    )
    plan(first, by=mentor.user, demi_journees=2)
    plan(first, by=mentor.user, demi_journees=1, days=8)
    plan(second, by=mentor.user, demi_journees=1, days=9)
    with pytest.raises(RuleViolation, match="Limite du programme dépassée.*maximum est de 4"):
        plan(second, by=mentor.user, demi_journees=1, days=10)
    # A cancelled (not counted) session frees its half-day.
    first_session = Seance.objects.filter(accompagnement=first).first()
    services.seance_cancel(seance=first_session, motif="Report demandé", by=mentor.user)
    plan(second, by=mentor.user, demi_journees=1, days=10)


@pytest.mark.django_db
def test_ninth_half_day_of_mentorat_is_refused(mentor):
    programme = ProgrammeFactory()
    mentorat = ProgrammeFactory.mentorat(programme)
    structure = StructureFactory()
    accs = [
        AccompagnementFactory(
            candidature__programme=programme,
            candidature__structure=structure,
            format=mentorat,
            mentors=[mentor],
            demi_journees_prevues=5,
        )
        for _ in range(2)
    ]
    for day in range(4):
        plan(accs[0], by=mentor.user, demi_journees=1, days=10 + day)
    for day in range(2):
        plan(accs[1], by=mentor.user, demi_journees=2, days=20 + day)
    assert demi_journees(accompagnement_ids=[a.pk for a in accs])[accs[0].pk].consommees == 4
    with pytest.raises(RuleViolation, match="maximum est de 8"):
        plan(accs[1], by=mentor.user, demi_journees=1, days=30)


@pytest.mark.django_db
def test_rescheduling_keeps_the_history(acc, mentor):
    seance = plan(acc, by=mentor.user)
    old = seance.debut
    new = dans(days=12)
    services.seance_reschedule(
        seance=seance, debut=new, demi_journees=1, modalite="distance", lien_visio="https://visio.test/a", by=mentor.user
    )
    event = AccompagnementEvenement.objects.get(accompagnement=acc, transition="seance_deplacer")
    assert event.details["ancien_debut"] == old.isoformat() and event.details["nouveau_debut"] == new.isoformat()
    seance.refresh_from_db()
    assert seance.debut == new and seance.lieu == "" and seance.lien_visio == "https://visio.test/a"


@pytest.mark.django_db
def test_rescheduling_to_a_full_day_is_checked_against_the_limits(acc, mentor):
    plan(acc, by=mentor.user, demi_journees=2)
    plan(acc, by=mentor.user, demi_journees=1, days=8)
    seance = plan(acc, by=mentor.user, demi_journees=1, days=9)
    with pytest.raises(RuleViolation, match="il en reste 1"):
        services.seance_reschedule(
            seance=seance, debut=seance.debut, demi_journees=2, modalite="presentiel", lieu="x", by=mentor.user
        )
    services.seance_reschedule(
        seance=seance, debut=seance.debut, demi_journees=1, modalite="presentiel", lieu="x", by=mentor.user
    )


@pytest.mark.django_db
def test_late_cancellation_without_valid_reason_is_counted(acc, mentor):
    late = SeanceFactory(accompagnement=acc, debut=dans(hours=30))
    early = SeanceFactory(accompagnement=acc, debut=dans(days=5))
    services.seance_cancel(seance=late, motif="Empêchement", by=acc.beneficiaire)
    services.seance_cancel(seance=early, motif="Empêchement", by=acc.beneficiaire)
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.etat == EtatSeance.ANNULEE and late.comptee is True
    assert early.comptee is False
    figures = demi_journees(accompagnement_ids=[acc.pk])[acc.pk]
    assert figures.consommees == 1 and figures.livrees == 1 and figures.restantes == 3


@pytest.mark.django_db
def test_only_the_coordination_declares_a_valid_reason_and_can_overrule(acc, mentor, coordinateur):
    late = SeanceFactory(accompagnement=acc, debut=dans(hours=10))
    services.seance_cancel(seance=late, motif="Malade", motif_valable=True, by=mentor.user)
    late.refresh_from_db()
    assert late.comptee is True  # a mentor cannot declare their own reason valid
    with pytest.raises(PermissionRefused):
        services.seance_cancellation_overrule(seance=late, comptee=False, note="certificat", by=mentor.user)
    with pytest.raises(RuleViolation, match="note"):
        services.seance_cancellation_overrule(seance=late, comptee=False, note=" ", by=coordinateur)
    services.seance_cancellation_overrule(seance=late, comptee=False, note="Certificat médical reçu", by=coordinateur)
    late.refresh_from_db()
    assert late.comptee is False and late.note_coordination == "Certificat médical reçu"
    other = SeanceFactory(accompagnement=acc, debut=dans(hours=10))
    services.seance_cancel(seance=other, motif="Grève", motif_valable=True, by=coordinateur)
    other.refresh_from_db()
    assert other.comptee is False and other.motif_valable


@pytest.mark.django_db
def test_a_reason_is_required_to_cancel(seance, mentor):
    with pytest.raises(RuleViolation):
        services.seance_cancel(seance=seance, motif="  ", by=mentor.user)


@pytest.mark.django_db
def test_questions_until_48_hours_before(acc, mentor, coordinateur):
    seance = SeanceFactory(accompagnement=acc, debut=dans(days=3))
    services.question_seance_add(seance=seance, texte="Peut-on voir le budget ?", by=acc.beneficiaire)
    services.question_seance_add(seance=seance, texte="Apportez vos statuts.", by=mentor.user)
    with time_machine.travel(dans(days=1, hours=1), tick=False):
        with pytest.raises(RuleViolation, match="48 heures"):
            services.question_seance_add(seance=seance, texte="Trop tard ?", by=acc.beneficiaire)
    with pytest.raises(PermissionRefused):
        services.question_seance_add(seance=seance, texte="?", by=coordinateur)
    assert seance.questions.count() == 2


@pytest.mark.django_db
def test_sessions_within_48_hours_are_listed_for_the_reminder(acc):
    soon = SeanceFactory(accompagnement=acc, debut=dans(hours=47))
    SeanceFactory(accompagnement=acc, debut=dans(hours=49))
    SeanceFactory(accompagnement=acc, debut=dans(hours=-1))
    cancelled = SeanceFactory(accompagnement=acc, debut=dans(hours=20), etat=EtatSeance.ANNULEE)
    listed = list(seances_dans_48h())
    assert soon in listed and cancelled not in listed and len(listed) == 1


def test_report_deadline_is_the_7th_day_at_midnight_in_paris_across_the_dst_change(db, acc):
    # 27 March 2026 14:00 in Paris (UTC+1); clocks go forward on Sunday 29 March.
    seance = SeanceFactory(accompagnement=acc, debut=datetime.datetime(2026, 3, 27, 14, 0, tzinfo=PARIS))
    due = echeance_compte_rendu(seance)
    assert due == datetime.datetime(2026, 4, 3, 23, 59, 59, tzinfo=PARIS)
    assert due.utcoffset() == datetime.timedelta(hours=2)
    assert due == datetime.datetime(2026, 4, 3, 21, 59, 59, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_late_reports_are_accepted_and_flagged(acc, mentor):
    objectif = ObjectifFactory(accompagnement=acc)
    with time_machine.travel(datetime.datetime(2026, 3, 27, 18, 0, tzinfo=PARIS), tick=False):
        seance = SeanceFactory(accompagnement=acc, debut=datetime.datetime(2026, 3, 27, 14, 0, tzinfo=PARIS))
        services.seance_mark_held(seance=seance, by=mentor.user)
    late = SeanceFactory(accompagnement=acc, debut=datetime.datetime(2026, 3, 27, 9, 0, tzinfo=PARIS))
    with time_machine.travel(datetime.datetime(2026, 3, 27, 18, 0, tzinfo=PARIS), tick=False):
        services.seance_mark_held(seance=late, by=mentor.user)
    from accompagnements.calendar import compte_rendu_en_retard

    # On time: 3 April 23:30 in Paris (21:30 UTC).
    with time_machine.travel(datetime.datetime(2026, 4, 3, 23, 30, tzinfo=PARIS), tick=False):
        assert not compte_rendu_en_retard(seance)
        cr = services.compte_rendu_submit(
            seance=seance,
            travaux="Plan de mécénat",
            outils="Modèle",
            progres={str(objectif.pk): "Bien avancé"},
            prochaines_etapes="Relire",
            by=mentor.user,
        )
    assert cr.progres == {str(objectif.pk): "Bien avancé"}
    assert not compte_rendu_en_retard(
        Seance.objects.select_related("compte_rendu", "accompagnement__programme").get(pk=seance.pk)
    )
    # Late: 4 April 00:30 in Paris is past the deadline, still accepted.
    with time_machine.travel(datetime.datetime(2026, 4, 4, 0, 30, tzinfo=PARIS), tick=False):
        assert compte_rendu_en_retard(late)
        services.compte_rendu_submit(seance=late, travaux="x", outils="", progres={}, prochaines_etapes="y", by=mentor.user)
    late = Seance.objects.select_related("compte_rendu", "accompagnement__programme").get(pk=late.pk)
    assert compte_rendu_en_retard(late)
    event = AccompagnementEvenement.objects.filter(transition="compte_rendu_remettre").order_by("pk")
    assert [e.details["en_retard"] for e in event] == [False, True]


@pytest.mark.django_db
def test_report_rules(acc, mentor, django_capture_on_commit_callbacks):
    seance = SeanceFactory(accompagnement=acc, debut=dans(hours=-3))
    with pytest.raises(RuleViolation, match="réalisée"):
        services.compte_rendu_submit(seance=seance, travaux="x", outils="", progres={}, prochaines_etapes="", by=mentor.user)
    future = SeanceFactory(accompagnement=acc, debut=dans(days=2))
    with pytest.raises(RuleViolation, match="pas encore commencé"):
        services.seance_mark_held(seance=future, by=mentor.user)
    services.seance_mark_held(seance=seance, by=mentor.user)
    with pytest.raises(PermissionRefused):
        services.compte_rendu_submit(seance=seance, travaux="x", outils="", progres={}, prochaines_etapes="", by=acc.beneficiaire)
    foreign = ObjectifFactory()
    with pytest.raises(RuleViolation, match="objectif"):
        services.compte_rendu_submit(
            seance=seance, travaux="x", outils="", progres={str(foreign.pk): "?"}, prochaines_etapes="", by=mentor.user
        )
    with django_capture_on_commit_callbacks(execute=True):
        cr = services.compte_rendu_submit(
            seance=seance, travaux="x", outils="", progres={}, prochaines_etapes="y", by=mentor.user
        )
    assert acc.beneficiaire.email in mail.outbox[0].to
    with pytest.raises(PermissionRefused):
        services.compte_rendu_comment(compte_rendu=cr, commentaire="Merci", by=mentor.user)
    services.compte_rendu_comment(compte_rendu=cr, commentaire="Merci", by=acc.beneficiaire)
    cr.refresh_from_db()
    assert cr.commentaire_beneficiaire == "Merci" and cr.commente_le


@pytest.mark.django_db
def test_half_day_figures_in_one_query(acc, mentor, django_assert_num_queries):
    held = SeanceFactory(accompagnement=acc, debut=dans(days=-10), demi_journees=2)
    services.seance_mark_held(seance=held, by=mentor.user)
    services.compte_rendu_submit(seance=held, travaux="x", outils="", progres={}, prochaines_etapes="y", by=mentor.user)
    held_no_report = SeanceFactory(accompagnement=acc, debut=dans(days=-3))
    services.seance_mark_held(seance=held_no_report, by=mentor.user)
    SeanceFactory(accompagnement=acc, debut=dans(days=3))
    other = AccompagnementFactory()
    with django_assert_num_queries(1):
        figures = demi_journees(programme=acc.programme)
    assert other.pk not in figures
    f = figures[acc.pk]
    assert (f.prevues, f.planifiees, f.realisees, f.livrees, f.consommees, f.restantes) == (4, 1, 3, 2, 4, 0)
    assert f.jours_livres == 1


@pytest.mark.django_db
def test_sessions_more_than_two_weeks_apart_are_flagged(acc):
    first = SeanceFactory(accompagnement=acc, debut=dans(days=1))
    close = SeanceFactory(accompagnement=acc, debut=dans(days=14))
    SeanceFactory(accompagnement=acc, debut=dans(days=20), etat=EtatSeance.ANNULEE)
    far = SeanceFactory(accompagnement=acc, debut=dans(days=30))
    flagged = seances_trop_espacees()
    assert [s.pk for s in flagged] == [far.pk]
    assert flagged[0].ecart_jours == 16
    assert first not in flagged and close not in flagged


@pytest.mark.django_db
def test_supporting_records(seance, mentor, acc):
    link = services.support_add_link(seance=seance, titre="Enregistrement", url="https://video.test/1", by=mentor.user)
    assert link.type_support == "lien"
    with pytest.raises(RuleViolation):
        services.support_add_link(seance=seance, titre="", url="javascript:alert(1)", by=mentor.user)
    grille = services.support_add_grille(
        seance=seance, titre="", grille={"points_forts": "Clarté", "pistes": ""}, by=acc.beneficiaire
    )
    assert grille.grille == {"points_forts": "Clarté"}


@pytest.mark.django_db
def test_feed_token_is_regenerated_and_revoked(acc):
    user = acc.beneficiaire
    first = services.flux_calendrier_regenerate(user=user).token
    second = services.flux_calendrier_regenerate(user=user).token
    assert first != second
    services.flux_calendrier_revoke(user=user)
    assert not hasattr(type(user).objects.get(pk=user.pk), "flux_calendrier")


@pytest.mark.django_db
def test_reports_awaited_with_their_deadline(acc, mentor):
    from accompagnements.selectors import comptes_rendus_attendus

    done = SeanceFactory(accompagnement=acc, debut=dans(days=-9))
    services.seance_mark_held(seance=done, by=mentor.user)
    services.compte_rendu_submit(seance=done, travaux="x", outils="", progres={}, prochaines_etapes="y", by=mentor.user)
    overdue = SeanceFactory(accompagnement=acc, debut=dans(days=-9))
    services.seance_mark_held(seance=overdue, by=mentor.user)
    recent = SeanceFactory(accompagnement=acc, debut=dans(days=-1))
    services.seance_mark_held(seance=recent, by=mentor.user)
    SeanceFactory(accompagnement=acc, debut=dans(days=-1))  # planned, never marked held
    awaited = {s.pk: s for s in comptes_rendus_attendus()}
    assert set(awaited) == {overdue.pk, recent.pk}
    assert awaited[overdue.pk].en_retard and not awaited[recent.pk].en_retard


@pytest.mark.django_db
def test_a_session_outside_the_programme_period_is_refused_when_planned_or_moved(mentor):
    """Issue 13, defect 2: a session on 20 January 2027 was planned on the 2026 programme."""
    today = timezone.localdate()
    programme = ProgrammeFactory(date_debut=today - datetime.timedelta(days=60), date_fin=today + datetime.timedelta(days=30))
    acc = AccompagnementFactory(candidature__programme=programme, mentors=[mentor], demi_journees_prevues=4)
    with pytest.raises(RuleViolation, match="pendant la période du programme") as refused:
        plan(acc, by=mentor.user, days=40)
    assert refused.value.field == "date"
    with pytest.raises(RuleViolation, match="pendant la période du programme"):
        plan(acc, by=mentor.user, days=-70)
    assert not Seance.objects.filter(accompagnement=acc).exists()

    seance = plan(acc, by=mentor.user, days=7)
    with pytest.raises(RuleViolation, match="pendant la période du programme"):
        services.seance_reschedule(
            seance=seance, debut=dans(days=40), demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
    seance.refresh_from_db()
    assert seance.debut.date() == dans(days=7).date()
    assert demi_journees(accompagnement_ids=[acc.pk])[acc.pk].consommees == 1


@pytest.mark.django_db
def test_a_session_before_the_convention_was_signed_is_refused(acc, mentor):
    AccompagnementEvenement.objects.create(
        accompagnement=acc, transition="demarrer", from_state="convention", to_state="en_cours"
    )
    with pytest.raises(RuleViolation, match="précéder la signature de la convention") as refused:
        plan(acc, by=mentor.user, days=-3)
    assert refused.value.field == "date"
    seance = plan(acc, by=mentor.user, days=2)
    with pytest.raises(RuleViolation, match="précéder la signature"):
        services.seance_reschedule(
            seance=seance, debut=dans(days=-3), demi_journees=1, modalite="presentiel", lieu="Salle", by=mentor.user
        )
