"""Four beat scanners in parallel over a 200-day programme: every reminder is sent exactly once.

A programme is built with the helpers of conftest (drafts left by applicants, conventions waiting
for signatures, sessions with and without report, accompagnements that end, exit and 6-month
questionnaires) and moves on while the clock advances: sessions are held, cancelled or moved,
reports come in, conventions get signed, questionnaires get answered. So reminders are cancelled
and moved as well as sent. At each step the planner runs, then four scanner threads released
together by a barrier each call `relances_envoyer_dues`, as four Celery workers would on one beat.

The second test shows that the count can fail: with a claim that reads the due rows without
`SELECT … FOR UPDATE SKIP LOCKED`, the same scanners send reminders several times.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from accompagnements.models import Accompagnement, EtatAccompagnement, EtatSeance, Seance
from conventions.models import Convention, EtatConvention, Partie
from core.invariants import find_violations
from evaluations import services as evaluation_services
from evaluations.models import Evaluation
from relances import services
from relances.models import EtatRelance, Relance, TypeRelance
from relances.planning import relances_planifier
from tests.factories import CandidatureFactory, ConventionFactory, ProgrammeFactory

from .conftest import Dossier, build_dossier, convention_en_signature, remettre_compte_rendu, seance, sign, tenir

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)  # a Monday morning
DAYS = 200
STEP = datetime.timedelta(hours=6)
SCANNERS = 4
# Each scanner claims one row at a time, so the four keep competing for the same rows all along
# the run (with the production batch of 100, the first scanner takes every due row at once).
BATCH = 1
BARRIER_TIMEOUT = 60  # seconds: a stuck scanner fails the test instead of hanging the CI


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Parallel scanners need PostgreSQL row locks (SELECT … FOR UPDATE SKIP LOCKED); SQLite locks the file.")


def day(n: float, hour: int = 13) -> datetime.datetime:
    return T0.replace(hour=hour) + datetime.timedelta(days=n)


class Scanners:
    """`count` threads living for the whole run, like Celery workers; `scan()` releases them together."""

    def __init__(self, count: int, *, batch: int) -> None:
        self.batch = batch
        self.start = threading.Barrier(count + 1, timeout=BARRIER_TIMEOUT)
        self.done = threading.Barrier(count + 1, timeout=BARRIER_TIMEOUT)
        self.now: datetime.datetime | None = None
        self.stop = False
        self.errors: list[str] = []
        self.sent_by: Counter[int] = Counter()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(count)]

    def __enter__(self) -> Scanners:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop = True
        try:
            self.start.wait()  # the scanners wake up, see `stop` and leave
        except threading.BrokenBarrierError:
            pass
        self.start.abort()
        self.done.abort()
        for thread in self.threads:
            thread.join(BARRIER_TIMEOUT)

    def _run(self, index: int) -> None:
        try:
            while True:
                self.start.wait()
                if self.stop:
                    return
                try:
                    self.sent_by[index] += services.relances_envoyer_dues(now=self.now, batch=self.batch)
                except Exception:  # noqa: BLE001 – reported by the test, the other scanners go on
                    self.errors.append(f"scanner {index} at {self.now}: {traceback.format_exc()}")
                self.done.wait()
        except threading.BrokenBarrierError:
            if not self.stop:
                self.errors.append(f"scanner {index}: barrier broken (another scanner stuck?)")
        finally:
            connections.close_all()

    def scan(self, now: datetime.datetime) -> None:
        self.now = now
        self.start.wait()
        self.done.wait()


class Timeline:
    """What people do during the programme, run at the first step at or after its moment."""

    def __init__(self) -> None:
        self._events: list[tuple[datetime.datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, when: datetime.datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self._events, (when, next(self._order), action))

    def run_until(self, now: datetime.datetime) -> None:
        while self._events and self._events[0][0] <= now:
            _when, _order, action = heapq.heappop(self._events)
            action()  # may plan further events


@dataclass
class Tally:
    sent: int
    duplicates: int
    missed: list[str]
    stray: list[int]
    late: list[str]
    per_type: Counter[str] = field(default_factory=Counter)
    cancelled: int = 0

    def line(self) -> str:
        return (
            f"{DAYS}-day simulation, {SCANNERS} parallel scanners: "
            f"{self.sent} reminders sent, {self.duplicates} duplicates, {len(self.missed)} missed"
        )


def tally(*, end: datetime.datetime) -> Tally:
    """Compare the outbox with the Relance rows: one e-mail per sent row, nothing due left behind."""
    # Counted by Message-ID: it is stable per reminder, so it is what a mail server would dedupe on.
    per_message = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    relance_of = {m.extra_headers["Message-ID"]: int(m.extra_headers["X-TSF-Relance"]) for m in mail.outbox}
    emails = Counter({relance_of[message_id]: n for message_id, n in per_message.items()})
    rows = list(Relance.objects.all())
    sent = [r for r in rows if r.etat == EtatRelance.ENVOYEE]
    missed = [
        f"{r.type_relance} #{r.pk} ({r.etat}, due {r.echeance:%Y-%m-%d %H:%M})"
        for r in rows
        if (r.etat == EtatRelance.ENVOYEE and r.pk not in emails)
        or r.etat == EtatRelance.EN_COURS
        or (r.etat == EtatRelance.PREVUE and r.echeance <= end)
    ]
    late = [
        f"{r.type_relance} #{r.pk} due {r.echeance:%Y-%m-%d %H:%M}, sent {r.envoyee_le:%Y-%m-%d %H:%M}"
        for r in sent
        if r.envoyee_le is not None and r.envoyee_le - r.echeance > STEP
    ]
    return Tally(
        sent=len(sent),
        duplicates=sum(n - 1 for n in emails.values()),
        missed=missed,
        stray=sorted(set(emails) - {r.pk for r in sent}),
        late=late,
        per_type=Counter(r.type_relance for r in sent),
        cancelled=sum(r.etat == EtatRelance.ANNULEE for r in rows),
    )


# --- What happens in the programme -------------------------------------------------------------


def tenue(timeline: Timeline, d: Dossier, s: Seance, *, compte_rendu_apres: float | None) -> None:
    """The session is held on its day; its report comes `compte_rendu_apres` days later, or never."""
    timeline.at(s.debut + datetime.timedelta(hours=4), lambda: tenir(s))
    if compte_rendu_apres is not None:
        timeline.at(s.debut + datetime.timedelta(days=compte_rendu_apres), lambda: remettre_compte_rendu(s, d.mentor))


def planifiee(timeline: Timeline, d: Dossier, debut: datetime.datetime, *, compte_rendu_apres: float | None) -> Seance:
    s = seance(d, debut)
    tenue(timeline, d, s, compte_rendu_apres=compte_rendu_apres)
    return s


def signer(convention: Convention, partie: str, user, *, derniere: bool = False) -> None:
    sign(convention, partie, user, timezone.now())
    if derniere:  # the third signature: the convention is signed and the accompagnement starts
        Convention.objects.filter(pk=convention.pk).update(etat=EtatConvention.SIGNEE)
        Accompagnement.objects.filter(pk=convention.accompagnement_id).update(etat=EtatAccompagnement.EN_COURS)


def repondre(d: Dossier, moment: str, repondant: str) -> None:
    evaluation = Evaluation.objects.get(accompagnement=d.accompagnement, moment=moment, repondant=repondant)
    if repondant == "mentor":
        reponses = {"transmis": "Méthode de mécénat", "appris": "Un autre regard sur mon métier"}
        evaluation_services.evaluation_repondre(evaluation=evaluation, by=d.mentor, reponses=reponses)
        return
    reponses = {"competences": "Construire un dossier", "avancee_projet": "Deux mécènes"}
    indicateurs = {d.quantitatif.pk: {"valeur": "2"}, d.qualitatif.pk: {"niveau": 4}}
    evaluation_services.evaluation_repondre(evaluation=evaluation, by=d.beneficiaire, reponses=reponses, indicateurs=indicateurs)


def build_programme(timeline: Timeline) -> None:
    """Seven accompagnements and six drafts, each at a different stage; the comments give the reminders expected."""
    programme = ProgrammeFactory()

    # Drafts: three left at T0 (reminded on day 14; one edited on day 7, so reminded on day 21),
    # two more on day 60 and one on day 150.
    drafts = [CandidatureFactory(programme=programme) for _ in range(3)]
    timeline.at(day(7), lambda: drafts[0].save())
    timeline.at(day(60), lambda: [CandidatureFactory(programme=programme) for _ in range(2)])
    timeline.at(day(150), lambda: CandidatureFactory(programme=programme))

    # A: the beneficiary signs last, on day 12, after both chases (days 3 and 10). Two sessions:
    # the first report comes early, the second never (J+5, J+8 and the coordination's alert).
    # The exit questionnaires open on day 33; the beneficiary answers, the mentor is chased.
    a = build_dossier(etat="convention", programme=programme)
    convention_a = convention_en_signature(a, T0)

    def a_demarre() -> None:
        signer(convention_a, Partie.BENEFICIAIRE, a.beneficiaire, derniere=True)
        planifiee(timeline, a, day(19), compte_rendu_apres=3)
        planifiee(timeline, a, day(33), compte_rendu_apres=None)
        timeline.at(day(36), lambda: repondre(a, "sortie", "beneficiaire"))

    timeline.at(day(12), a_demarre)

    # B: only the pilot structure has signed. Mentor and beneficiary are chased on day 3; the
    # mentor signs on day 5 (their second chase is cancelled, the beneficiary's moves to day 15);
    # the beneficiary signs on day 14 (cancelled). Session 48 is cancelled on day 45 and replaced
    # by one on day 52 (18 days after the previous one: the coordination is alerted); session 62
    # is moved to day 66 on day 50 (its 48-hour reminders follow).
    b = build_dossier(etat="convention", demi_journees=4, programme=programme)
    convention_b = ConventionFactory(accompagnement=b.accompagnement, etat=EtatConvention.EN_SIGNATURE)
    sign(convention_b, Partie.STRUCTURE_PILOTE, b.coordinateur, T0)
    timeline.at(day(5), lambda: signer(convention_b, Partie.PERSONNE_RESSOURCE, b.mentor))
    b_seances: dict[str, Seance] = {}

    def b_demarre() -> None:
        signer(convention_b, Partie.BENEFICIAIRE, b.beneficiaire, derniere=True)
        planifiee(timeline, b, day(20), compte_rendu_apres=2)
        planifiee(timeline, b, day(34), compte_rendu_apres=6)
        b_seances["annulee"] = seance(b, day(48))

    def b_replanifie() -> None:
        Seance.objects.filter(pk=b_seances["annulee"].pk).update(
            etat=EtatSeance.ANNULEE, annulee_le=timezone.now(), motif_annulation="Intempéries", motif_valable=True
        )
        planifiee(timeline, b, day(52), compte_rendu_apres=None)
        b_seances["deplacee"] = seance(b, day(62))

    def b_deplace() -> None:
        moved = b_seances["deplacee"]
        Seance.objects.filter(pk=moved.pk).update(debut=day(66))
        moved.refresh_from_db()
        tenue(timeline, b, moved, compte_rendu_apres=1)
        timeline.at(day(70), lambda: repondre(b, "sortie", "beneficiaire"))

    timeline.at(day(14), b_demarre)
    timeline.at(day(45), b_replanifie)
    timeline.at(day(50), b_deplace)

    # C: under way at T0, a session every two weeks; reports after 6 days, never, after 1 day,
    # after 9 days. Nobody answers the exit questionnaires (day 44): both are chased.
    c = build_dossier(demi_journees=4, programme=programme)
    for n, apres in ((2, 6), (16, None), (30, 1), (44, 9)):
        planifiee(timeline, c, day(n), compte_rendu_apres=apres)

    # D: closed 165 days before T0: the 6-month questionnaire opens on day 16, is chased on
    # day 30 and answered on day 35 (the second chase is cancelled).
    d = build_dossier(etat="clos", programme=programme)
    Accompagnement.objects.filter(pk=d.accompagnement.pk).update(termine_le=T0 - datetime.timedelta(days=165))
    timeline.at(day(35), lambda: repondre(d, "six_mois", "beneficiaire"))

    # G: closed 120 days before T0: the 6-month questionnaire (day 62) is never answered.
    g = build_dossier(etat="clos", programme=programme)
    Accompagnement.objects.filter(pk=g.accompagnement.pk).update(termine_le=T0 - datetime.timedelta(days=120))

    # E: ended elsewhere just before T0: the exit questionnaires open at T0; the mentor answers on
    # day 3, the beneficiary is chased on day 7. Its 6-month questionnaire opens on day 184.
    e = build_dossier(etat="termine", programme=programme)
    timeline.at(day(3), lambda: repondre(e, "sortie", "mentor"))

    # F: last session 10 days before T0, next one on day 20 (alert at T0); then nothing planned
    # while a half-day remains (alert on day 34), so the coordination plans one on day 41.
    f = build_dossier(demi_journees=3, programme=programme)
    passee = seance(f, T0 - datetime.timedelta(days=10), etat=EtatSeance.REALISEE)
    remettre_compte_rendu(passee, f.mentor)
    planifiee(timeline, f, day(20), compte_rendu_apres=2)
    timeline.at(day(36), lambda: planifiee(timeline, f, day(41), compte_rendu_apres=1))
    timeline.at(day(43), lambda: (repondre(f, "sortie", "mentor"), repondre(f, "sortie", "beneficiaire")))


# --- The tests ---------------------------------------------------------------------------------

# What build_programme's story sends in 200 days (the comments there say who gets what, when).
EXPECTED_SENT = {
    TypeRelance.SEANCE_48H: 24,  # 12 sessions held × beneficiary and mentor (the cancelled one: none)
    TypeRelance.CR_DU: 6,  # A 33, B 34 and 52, C 2, 16 and 44
    TypeRelance.CR_RETARD: 4,  # A 33, B 52, C 16 and 44
    TypeRelance.CR_RETARD_COORDINATION: 4,
    TypeRelance.SIGNATURE: 4,  # A beneficiary twice, B mentor and beneficiary once each
    TypeRelance.EVAL_SORTIE: 10,  # A, B, C, E, F × two
    TypeRelance.EVAL_SORTIE_RELANCE: 5,  # A and B mentors, C both, E beneficiary
    TypeRelance.EVAL_6MOIS: 3,  # D, G, E
    TypeRelance.EVAL_6MOIS_RELANCE: 4,  # D first chase, G both, E first (its second falls after day 200)
    TypeRelance.BROUILLON: 6,
    TypeRelance.ECART_SEANCES: 4,  # B 34→52, F at T0, F nothing planned (day 34), F 20→41
    # Nobody confirms the service fait in this simulation: each of the 12 held sessions chases both
    # parties once (3 days after), then alerts the coordination once (7 days after).
    TypeRelance.SERVICE_FAIT: 24,
    TypeRelance.SERVICE_FAIT_COORDINATION: 12,
}


SIMULATION_INVARIANTS = [
    "relances.envoyees",
    "accompagnements.demi_journees_convention",
    "accompagnements.demi_journees_structure",
    "accompagnements.seance_periode_programme",
    "evaluations.dates_etat",
]


def test_four_parallel_scanners_over_200_days_send_each_reminder_exactly_once(figure):
    require_postgresql()
    timeline = Timeline()
    with time_machine.travel(T0, tick=False) as clock:
        build_programme(timeline)
        with Scanners(SCANNERS, batch=BATCH) as scanners:
            now = T0
            while now <= T0 + datetime.timedelta(days=DAYS):
                clock.move_to(now)
                timeline.run_until(now)
                relances_planifier(now=now)
                scanners.scan(now)
                end, now = now, now + STEP
        # Issue 13: at the end, no reminder is left behind and the sessions stay within their limits.
        # (The dossiers are built by the ORM at their stage, without PDF or commitment: the convention
        # and budget invariants are checked on the lifecycle of tests/relances/test_parcours.py.)
        violations = find_violations(SIMULATION_INVARIANTS)
        assert not violations, "\n".join(f"{v.code} – {v.objet} : {v.message}" for v in violations)

    result = tally(end=end)
    figure(result.line())  # in the "figures" section at the end of the run (tests/conftest.py)
    context = f"{result.line()}; sent per type: {dict(result.per_type)}; sent per scanner: {dict(scanners.sent_by)}"
    assert not scanners.errors, "\n".join(scanners.errors)
    assert result.duplicates == 0, context
    assert not result.stray, f"{context}; e-mails for reminders not marked sent: {result.stray}"
    assert not result.missed, f"{context}; due but not sent: {result.missed}"
    assert not result.late, f"{context}; sent more than one step after their date: {result.late}"
    assert not Relance.objects.exclude(derniere_erreur="").exists(), f"{context}; a reminder failed to send"
    assert len(mail.outbox) == result.sent == sum(scanners.sent_by.values())
    # Not vacuous: every kind of reminder went out, as many as the story of build_programme
    # says (a row wrongly cancelled would not show as "missed"), and some were cancelled on the way.
    assert dict(result.per_type) == EXPECTED_SENT, context
    assert result.cancelled >= 20, f"{context}; cancelled: {result.cancelled}"


class RendezVousBackend(EmailBackend):
    """The locmem backend, where every scanner waits for the others before handing its e-mail over."""

    barrier: threading.Barrier | None = None

    def send_messages(self, messages):
        if self.barrier is not None:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the scanners did not all get here: send anyway, the count tells
        return super().send_messages(messages)


def test_without_the_row_lock_parallel_scanners_send_duplicates(monkeypatch, settings):
    """The same scanners and count, with a claim that reads the due rows without locking them.

    Two rendezvous make the interleaving certain instead of likely: every scanner reads the due
    rows before any of them writes its claim, and every scanner hands its e-mail over before any
    marks the row sent. With the real claim the first rendezvous cannot happen (the other
    scanners skip the locked rows and find nothing), which is what the first test relies on.
    """
    require_postgresql()
    everyone_has_read = threading.Barrier(SCANNERS, timeout=10)

    def claim_without_lock(*, now=None, limit=100):
        with transaction.atomic():
            ids = list(
                Relance.objects.filter(
                    Q(etat=EtatRelance.PREVUE, echeance__lte=now)
                    | Q(etat=EtatRelance.EN_COURS, reservee_le__lt=now - services.reclaim_after())
                )
                .order_by("echeance", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            everyone_has_read.wait()
            Relance.objects.filter(pk__in=ids).update(etat=EtatRelance.EN_COURS, reservee_le=now, tentatives=F("tentatives") + 1)
        return ids, now

    monkeypatch.setattr(services, "relances_reserver", claim_without_lock)
    settings.EMAIL_BACKEND = f"{__name__}.RendezVousBackend"
    monkeypatch.setattr(RendezVousBackend, "barrier", threading.Barrier(SCANNERS, timeout=10))

    with time_machine.travel(T0, tick=False):
        d = build_dossier()
        seance(d, T0 + datetime.timedelta(hours=47))  # both parties' 48-hour reminders are due
        relances_planifier(now=T0)
        with Scanners(SCANNERS, batch=100) as scanners:
            scanners.scan(T0)

    result = tally(end=T0)
    assert not scanners.errors, "\n".join(scanners.errors)
    assert result.sent == 2
    # Each of the two reminders went out once per scanner.
    assert result.duplicates == 2 * (SCANNERS - 1), result.line()
