"""Benchmark of issue 14: the platform at the scale of years of history, served by gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_scale_bench .venv/bin/python bench/scale.py
    … bench/scale.py --scale 0.2 --load-seconds 20      # a smaller programme, a shorter load
    … bench/scale.py --scale 0.2 --scan-only            # the reminder scan only (wall and CPU time)

Creates a throw-away PostgreSQL database (test_<name>), fills one programme with the issue's large
figures (10 025 candidatures, 3 009 accompagnements, 30 020 sessions, 1 014 personnes-ressources of
whom 912 validated, 301 draft proposals, 50 000 reminders of which 10 000 due), then:

1. measures the reminder scan in this process (console e-mail backend to /dev/null): processed/s;
2. serves the app with gunicorn (2 workers × 4 threads, DEBUG=0) and, next to it, the one-view floor
   app (bench/floor.py) the same way; asks each key page per role, interleaved with the floor, and
   prints median and p95 ms, the ratio to the floor's median, the queries (counted in-process with
   the test client on the same data) and the bytes;
3. runs a mixed load of 20 users (threads with keep-alive connections, 127.0.0.1 only) for a bounded
   time over those pages: requests/s, p95, errors; then the workers' resident memory.

Targets (issue 14) are checked at the end; every miss is printed on a "TARGETS MISSED" line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess  # nosec B404 # starts our own gunicorn servers
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
# A throw-away database and servers that live for the run: a random key is enough (the settings refuse
# to load without one outside DEBUG).
os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(32).hex())

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 2000
UNUSABLE = "!"  # an unusable password hash: nobody logs in with these accounts
SIZES = {
    "candidatures": 10_025,
    "accompagnements": 3_009,
    "seances": 30_020,
    "personnes_ressources": 1_014,
    "validees": 912,
    "brouillons_appariement": 301,
    "relances": 50_000,
    "relances_dues": 10_000,
    "missions_du_mentor": 60,
}
TARGETS = {"page": 25, "dashboard": 40, "matching_s": 1.0, "html_kb": 300, "feed_ms": 200, "feed_kb": 300}
TARGETS |= {"scan_per_s": 1000, "load_rps": 60, "load_p95_ms": 500, "rss_mb": 200}


def scaled(name: str, scale: float) -> int:
    return max(1, round(SIZES[name] * scale))


def fill(scale: float) -> dict:
    """The large programme, written in bulk (bench data: not through the services)."""
    from django.contrib.contenttypes.models import ContentType

    from accompagnements.models import Accompagnement, CompteRendu, FluxCalendrier, Seance
    from accounts.models import User
    from accounts.services import user_set_roles
    from annuaire.models import PersonneRessource, Proposition
    from budget.models import Engagement, Enveloppe, Paiement
    from budget.resume import resumes_manquants
    from candidatures.models import Candidature
    from comite.models import MembreComite
    from programmes.models import DEPARTEMENTS_OCCITANIE, Format, Programme, Structure, TypeStructure
    from relances.models import Relance, TypeRelance

    rng = random.Random(14)  # nosec B311 # seeded generator for reproducible benchmark data
    today = timezone.localdate()
    now = timezone.now()
    programme = Programme.objects.create(
        nom="Programme à grande échelle",
        slug="echelle",
        date_debut=today - datetime.timedelta(days=3 * 365),
        date_fin=today + datetime.timedelta(days=365),
    )
    formats = [
        Format.objects.create(programme=programme, code="tsf", libelle="TSF", demi_journees_max=4),
        Format.objects.create(programme=programme, code="mentorat", libelle="Mentorat", demi_journees_max=8, ordre=1),
    ]
    Enveloppe.objects.create(programme=programme, montant=Decimal("1000000000.00"))
    departements, types = list(DEPARTEMENTS_OCCITANIE), list(TypeStructure.values)
    structures = Structure.objects.bulk_create(
        [
            Structure(
                raison_sociale=f"Structure {i}",
                commune="Toulouse",
                departement=departements[i % len(departements)],
                type_structure=types[i % len(types)],
            )
            for i in range(400)
        ]
    )
    n_cand, n_acc, n_pr = scaled("candidatures", scale), scaled("accompagnements", scale), scaled("personnes_ressources", scale)
    n_valid, n_draft = scaled("validees", scale), scaled("brouillons_appariement", scale)
    users = User.objects.bulk_create(
        [User(email=f"personne{i}@echelle.test", password=UNUSABLE) for i in range(n_cand + n_pr)], batch_size=BATCH
    )
    candidats, mentor_users = users[:n_cand], users[n_cand:]
    coordination = User.objects.create(email="coordination@echelle.test", password=UNUSABLE, is_staff=True, is_superuser=True)
    user_set_roles(user=coordination, role_names=["coordination"])
    comite = User.objects.create(email="comite@echelle.test", password=UNUSABLE)
    user_set_roles(user=comite, role_names=["comite_technique"])
    # The comité role opens the committee's pages; a seat on this programme's committee scopes them to it.
    MembreComite.objects.create(programme=programme, user=comite, qualite="Région Occitanie")
    mentors = PersonneRessource.objects.bulk_create(
        [
            PersonneRessource(
                user=mentor_users[i],
                prenom=f"Mentor{i}",
                nom=f"Nom{i:04d}",
                email=mentor_users[i].email,
                structure=structures[(i + 7) % len(structures)],
                departement=departements[i % len(departements)],
                etat="validee" if i < n_valid else "candidate",
            )
            for i in range(n_pr)
        ],
        batch_size=BATCH,
    )
    # Applications: the accompanied ones, the selected ones waiting for a match, forgotten drafts, the rest submitted.
    n_brouillons = scaled("relances_dues", scale) // 2
    etats = ["selectionnee"] * (n_acc + n_draft) + ["brouillon"] * n_brouillons
    etats += ["soumise"] * max(0, n_cand - len(etats))
    candidatures = Candidature.objects.bulk_create(
        [
            Candidature(
                programme=programme,
                candidat=candidats[i],
                structure=structures[i % len(structures)],
                reference="" if etat == "brouillon" else f"E-{i:06d}",
                etat=etat,
                soumise_le=None if etat == "brouillon" else now - datetime.timedelta(days=i % 1000),
                format_retenu=formats[i % 2] if etat == "selectionnee" else None,
                demi_journees_retenues=4 if etat == "selectionnee" else None,
            )
            for i, etat in enumerate(etats[:n_cand])
        ],
        batch_size=BATCH,
    )
    Candidature.objects.filter(etat="brouillon").update(updated_at=now - datetime.timedelta(days=60))
    accompagnements = Accompagnement.objects.bulk_create(
        [
            Accompagnement(
                reference=f"ACC-E-{i:06d}",
                programme=programme,
                candidature=candidatures[i],
                beneficiaire=candidats[i],
                structure_beneficiaire=structures[i % len(structures)],
                format=formats[i % 2],
                demi_journees_prevues=8,
                etat="en_cours",
            )
            for i in range(n_acc)
        ],
        batch_size=BATCH,
    )
    through = Accompagnement.mentors.through
    missions = min(scaled("missions_du_mentor", scale), n_acc)
    through.objects.bulk_create(
        [
            through(accompagnement_id=a.pk, personneressource_id=mentors[0 if i < missions else 1 + i % (n_valid - 1)].pk)
            for i, a in enumerate(accompagnements)
        ],
        batch_size=BATCH,
    )
    n_seances = scaled("seances", scale)
    seances = []
    for k in range(n_seances):
        accompagnement = accompagnements[k % n_acc]
        debut = now + datetime.timedelta(days=rng.randint(-900, 180), hours=rng.randint(8, 17))
        passee = debut < now
        seances.append(
            Seance(accompagnement=accompagnement, debut=debut, etat="realisee" if passee else "planifiee", lieu="Salle")
        )
    seances = Seance.objects.bulk_create(seances, batch_size=BATCH)
    CompteRendu.objects.bulk_create(
        [CompteRendu(seance=s, travaux="Travail", soumis_le=s.debut) for s in seances if s.etat == "realisee"],
        batch_size=BATCH,
    )
    Proposition.objects.bulk_create(
        [
            Proposition(candidature=candidatures[n_acc + i], personne_ressource=mentors[i % n_valid], etat="brouillon", score=50)
            for i in range(n_draft)
        ],
        batch_size=BATCH,
    )
    Engagement.objects.bulk_create(
        [
            Engagement(programme=programme, accompagnement=a, montant=Decimal("2000.00"), libelle="Convention")
            for a in accompagnements
        ],
        batch_size=BATCH,
    )
    Enveloppe.objects.filter(programme=programme).update(engage=Decimal("2000.00") * n_acc)
    Paiement.objects.bulk_create(
        [
            Paiement(
                accompagnement=a,
                structure=structures[0],
                date_paiement=today,
                montant=Decimal("500.00"),
                reference_facture=f"F-{a.pk}",
            )
            for a in accompagnements[::3]
        ],
        batch_size=BATCH,
    )
    # Reminders: the sent history (to the coordination, about accompagnements), and the due ones (forgotten drafts).
    ct_acc, ct_cand = ContentType.objects.get_for_model(Accompagnement), ContentType.objects.get_for_model(Candidature)
    n_dues = scaled("relances_dues", scale)
    brouillons = [c for c in candidatures if c.etat == "brouillon"]
    relances = [
        Relance(
            programme=programme,
            type_relance=TypeRelance.BROUILLON,
            destinataire_id=c.candidat_id,
            content_type=ct_cand,
            object_id=c.pk,
            rang=rang,
            echeance=now - datetime.timedelta(minutes=5),
        )
        for rang in (1, 2)
        for c in brouillons
    ][:n_dues]
    for k in range(scaled("relances", scale) - len(relances)):
        accompagnement = accompagnements[k % n_acc]
        quand = now - datetime.timedelta(days=k % 900, minutes=k)
        relances.append(
            Relance(
                programme=programme,
                type_relance=TypeRelance.ECART_SEANCES,
                destinataire=coordination,
                content_type=ct_acc,
                object_id=accompagnement.pk,
                rang=1 + k // n_acc,
                echeance=quand,
                etat="envoyee",
                envoyee_le=quand,
            )
        )
    Relance.objects.bulk_create(relances, batch_size=BATCH)
    flux = {
        "coordination": FluxCalendrier.objects.create(user=coordination),
        "mentor": FluxCalendrier.objects.create(user=mentors[0].user),
        "beneficiaire": FluxCalendrier.objects.create(user=accompagnements[0].beneficiaire),
    }
    resumes_manquants()
    # VACUUM too, as autovacuum has long done on a database with years of history: the visibility map
    # lets PostgreSQL count from an index alone (a fresh bulk load would read the tables instead).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "programme": programme,
        "users": {
            "coordination": coordination,
            "mentor": mentors[0].user,
            "beneficiaire": accompagnements[0].beneficiaire,
            "comite": comite,
        },
        "accompagnement": accompagnements[0],
        "flux": flux,
        "dues": len([r for r in relances if r.etat == "prevue"]),
    }


def pages(data: dict) -> list[tuple[str, str, str]]:
    """(role, label, path) of the key pages."""
    p, acc, flux = data["programme"].pk, data["accompagnement"].pk, data["flux"]
    return [
        ("coordination", "coordination dashboard", "/candidatures/coordination/"),
        ("coordination", "agenda", "/accompagnements/agenda/"),
        ("coordination", "matching page", f"/annuaire/appariement/?programme={p}"),
        ("coordination", "directory", "/annuaire/"),
        ("coordination", "budget dashboard", f"/budget/?programme={p}"),
        ("coordination", "programmes comparison", "/budget/comparaison/"),
        ("coordination", "sent reminders", f"/relances/programme/{p}/"),
        ("coordination", "committee meetings", "/comite/reunions/"),
        ("coordination", "admin accompagnements", "/admin/accompagnements/accompagnement/"),
        ("coordination", "admin sessions", "/admin/accompagnements/seance/"),
        ("coordination", "feed", f"/accompagnements/agenda/flux/{flux['coordination'].token}.ics"),
        ("mentor", "space", "/espace/"),
        ("mentor", "agenda", "/accompagnements/agenda/"),
        ("mentor", "feed", f"/accompagnements/agenda/flux/{flux['mentor'].token}.ics"),
        ("beneficiaire", "space", "/espace/"),
        ("beneficiaire", "accompagnement", f"/accompagnements/{acc}/"),
        ("beneficiaire", "feed", f"/accompagnements/agenda/flux/{flux['beneficiaire'].token}.ics"),
        ("comite", "budget dashboard", f"/budget/?programme={p}"),
        ("comite", "files put to the committee", "/comite/dossiers/"),
    ]


def session_cookie(user) -> str:
    """A logged-in session for `user` (as the test client's force_login), for the HTTP clients."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, port: int, env: dict, chdir: Path, *, workers: int | None = 2) -> subprocess.Popen:
    """The production configuration (its hooks included), with the issue's sizes (2 workers × 4 threads)
    or, with `workers=None`, the configuration's own number of workers; no access log."""
    command = [str(ROOT / ".venv/bin/gunicorn"), app, "-c", str(ROOT / "deploy/gunicorn.conf.py"), "--chdir", str(chdir)]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    command += ["--workers", str(workers)] if workers else []
    command += ["--threads", "4", "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603  # nosec B603 - our own fixed command
    for _ in range(300):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.1)
    raise SystemExit(f"gunicorn {app} did not start")


class Http:
    """One keep-alive connection to 127.0.0.1 (each load user has its own)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, float, dict]:
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
                continue  # the server closed an idle keep-alive connection: once more on a new one
            return response.status, body, (time.perf_counter() - started) * 1000, dict(response.getheaders())
        raise AssertionError("unreachable")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of the gunicorn workers (children of the master)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            text = status.read_text()
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            if int(fields["PPid"]) == master.pid:
                found.append(int(fields["VmRSS"].split()[0]) / 1024)
    return found


def cpu_seconds(master: subprocess.Popen) -> float:
    """User + system CPU time of the gunicorn workers so far. Unlike the wall clock, it does not grow
    when other processes share the cores: the page's own cost, comparable between runs."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master.pid:  # ppid
                total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def scan_rate(dues: int) -> tuple[int, int, float, float]:
    """Reminders processed (sent, or sent in a higher rank's e-mail), e-mails sent, wall seconds, and CPU
    seconds of this process (which, unlike the wall clock, does not grow when other processes share the
    cores: two runs' CPU figures can be compared)."""
    from django.conf import settings

    from relances.models import EtatRelance, Relance
    from relances.services import relances_envoyer_dues

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    # Warm, as the pages are before they are timed: what a worker builds once for its life (the URL
    # resolver, about 0.3 s; the e-mails' compiled templates) is not the scan's rate.
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import get_resolver

    from relances.models import TypeRelance

    get_resolver().reverse_dict  # noqa: B018 – builds the resolver's tables
    for kind in TypeRelance.values:
        for ending in (".subject.txt", ".txt", ".html"):
            with contextlib.suppress(TemplateDoesNotExist):
                get_template(f"emails/relance_{kind}{ending}")
    # This process runs Django's test environment (for the test database and the query counts), which
    # wraps every template rendering in a signal for the test client: a worker has no such thing.
    from django.template import Template

    instrumented = Template._render
    Template._render = getattr(Template, "_original_render", instrumented)
    try:
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            started, cpu_started = time.perf_counter(), time.process_time()
            sent = relances_envoyer_dues(batch=200)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        Template._render = instrumented
    processed = Relance.objects.filter(type_relance="brouillon", etat__in=[EtatRelance.ENVOYEE, EtatRelance.REGROUPEE]).count()
    return processed, sent, elapsed, cpu


def mixed_load(port: int, targets: list[tuple[str, dict]], users: int, seconds: float, label: str) -> tuple[float, float, int]:
    """`users` threads asking random pages of `targets` on keep-alive connections for `seconds`, after
    an unmeasured warm-up (each worker loads the app and compiles each page's templates once, as the
    per-page figures are warmed): prints and returns requests/s, p95 ms and server errors."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    deadline = 0.0

    def user(index: int) -> None:
        client, rng, mine = Http(port), random.Random(index), []  # nosec B311 # load pattern, not security
        while time.perf_counter() < deadline:
            path, headers = rng.choice(targets)
            try:
                status, _body, ms, _h = client.get(path, headers)
            except (http.client.HTTPException, OSError):
                status, ms = 599, 0.0
            mine.append((status, ms))
        with lock:
            results.extend(mine)

    for measured in (False, True):
        results.clear()
        started = time.perf_counter()
        deadline = started + (seconds if measured else min(10.0, seconds / 3))
        threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    errors = sum(1 for status, _ms in results if status >= 500)
    rps = len(results) / elapsed
    high = p95([ms for _status, ms in results]) if results else 0
    print(
        f"\nMixed load, {label}, {users} users, {elapsed:.0f} s: {len(results)} requests, {rps:.1f} req/s, p95 {high:.0f} ms, {errors} errors"
    )
    return rps, high, errors


def main() -> None:  # noqa: C901, PLR0912, PLR0915 – one linear script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's figures")
    parser.add_argument("--runs", type=int, default=15, help="requests per page (interleaved with the floor)")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--scan-only", action="store_true", help="build the programme, measure the reminder scan, stop")
    args = parser.parse_args()

    from django.conf import settings
    from django.test import Client

    if connection.vendor != "postgresql":
        raise SystemExit("bench/scale.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    servers: list[subprocess.Popen] = []
    missed: list[str] = []
    try:
        started = time.perf_counter()
        data = fill(args.scale)
        print(f"Programme built in {time.perf_counter() - started:.0f} s (scale {args.scale}, PostgreSQL {test_name})")

        # 1. The reminder scan, one worker (this process).
        sent, emails, elapsed, cpu = scan_rate(data["dues"])
        rate = sent / elapsed if elapsed else 0
        print(
            f"Reminder scan: {sent} of {data['dues']} due processed in {elapsed:.1f} s = {rate:.0f}/s (console backend); "
            f"CPU {cpu:.1f} s = {sent / cpu if cpu else 0:.0f}/s of CPU time; "
            f"{emails} e-mails = {emails / elapsed if elapsed else 0:.0f}/s, {emails / cpu if cpu else 0:.0f}/s of CPU time "
            "(ranks 1 and 2 of each draft's reminder are due together: one e-mail each)"
        )
        if rate < TARGETS["scan_per_s"] or sent < data["dues"]:
            missed.append(f"reminder scan {rate:.0f}/s (target ≥ {TARGETS['scan_per_s']}/s, all sent)")
        if args.scan_only:
            for line in missed:
                print(f"TARGETS MISSED: {line}")
            return

        # 2. The app and the floor, served the same way.
        url = settings.DATABASES["default"]
        database_url = f"postgres://{url['USER']}@{url['HOST'] or '127.0.0.1'}:{url['PORT'] or 5432}/{test_name}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions below are signed here
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TSF_MFA_REQUIRED_FOR_COORDINATION": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "PYTHONPATH": str(ROOT),
        }
        app_port, floor_port = free_port(), free_port()
        servers.append(serve("tsf.wsgi:application", app_port, env, ROOT))
        servers.append(serve("floor:application", floor_port, env, ROOT / "bench"))
        cookies = {role: session_cookie(user) for role, user in data["users"].items()}
        clients = {role: Client() for role in data["users"]}
        for role, user in data["users"].items():
            clients[role].force_login(user)

        app, floor = Http(app_port), Http(floor_port)
        floor_times: list[float] = []
        floor_cpu_ms: list[float] = []
        print(
            f"\n{'role':<13} {'page':<28} {'median':>8} {'p95':>8} {'× floor':>8} {'queries':>8} {'bytes':>10} {'cpu ms':>8} {'cpu ×':>8}"
        )
        rows = []
        for role, label, path in pages(data):
            headers = {"Cookie": cookies[role]}
            for _ in range(2):  # warm: templates, caches, the connection
                app.get(path, headers)
                floor.get("/")
            timings, size, status, etag = [], 0, 0, ""
            app_cpu = floor_cpu = 0.0
            for _ in range(args.runs):
                before = cpu_seconds(servers[0])
                status, body, ms, response_headers = app.get(path, headers)
                app_cpu += cpu_seconds(servers[0]) - before
                timings.append(ms)
                size, etag = len(body), response_headers.get("ETag", "")
                before = cpu_seconds(servers[1])
                floor_times.append(floor.get("/")[2])
                floor_cpu += cpu_seconds(servers[1]) - before
            cpu_ms = 1000 * app_cpu / args.runs
            floor_cpu_ms.append(1000 * floor_cpu / args.runs)
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(path)
                if response.streaming:
                    b"".join(response.streaming_content)
            rows.append(
                (
                    role,
                    label,
                    path,
                    statistics.median(timings),
                    p95(timings),
                    len(queries.captured_queries),
                    size,
                    status,
                    etag,
                    cpu_ms,
                )
            )
        floor_median = statistics.median(floor_times)
        floor_cpu = max(statistics.mean(floor_cpu_ms), 1000 / os.sysconf("SC_CLK_TCK") / args.runs)
        for role, label, path, median, high, queries, size, status, etag, cpu_ms in rows:
            ratio = median / floor_median
            print(
                f"{role:<13} {label:<28} {median:8.1f} {high:8.1f} {ratio:8.1f} {queries:8d} {size:10d} {cpu_ms:8.1f} {cpu_ms / floor_cpu:8.1f}"
                + ("" if status == 200 else f"  HTTP {status}")
            )
            dashboard = "dashboard" in label
            limit = TARGETS["dashboard"] if dashboard else TARGETS["page"]
            if status != 200:
                missed.append(f"{role} {label}: HTTP {status}")
            if ratio > limit and label != "feed":
                missed.append(f"{role} {label}: {ratio:.0f}× the floor (target ≤ {limit}×)")
            if label == "feed":
                if median > TARGETS["feed_ms"] or size > TARGETS["feed_kb"] * 1024:
                    missed.append(
                        f"{role} feed: {median:.0f} ms, {size / 1024:.0f} KB (target ≤ {TARGETS['feed_ms']} ms, ≤ {TARGETS['feed_kb']} KB)"
                    )
                not_modified = app.get(path, {"Cookie": cookies[role], "If-None-Match": etag})[0]
                print(f"{'':<13} {'  same feed, If-None-Match':<28} → HTTP {not_modified}")
                if not_modified != 304:
                    missed.append(f"{role} feed: HTTP {not_modified} when unchanged (target 304)")
            elif size > TARGETS["html_kb"] * 1024:
                missed.append(f"{role} {label}: {size / 1024:.0f} KB (target ≤ {TARGETS['html_kb']} KB)")
            if label == "matching page" and median > TARGETS["matching_s"] * 1000:
                missed.append(f"matching page: {median:.0f} ms (target ≤ {TARGETS['matching_s']} s)")
        print(
            f"{'floor':<13} {'one-view app':<28} {floor_median:8.1f} {p95(floor_times):8.1f} {'':>8} {'':>8} {'':>10} {floor_cpu:8.1f}"
        )

        # 3. Mixed load: 20 users, keep-alive connections, a bounded time; first with the 2 workers ×
        # 4 threads, then with the production configuration's own number of workers (2 × cores + 1): a
        # worker runs one thread of Python at a time, and each user's keep-alive connection stays with one
        # worker, so two workers leave a core idle whenever one waits on its queries.
        targets = [(path, {"Cookie": cookies[role]}) for role, _label, path in pages(data) if "admin" not in path]
        loads = [(mixed_load(app_port, targets, args.users, args.load_seconds, "2 workers × 4 threads"), "2 × 4")]
        memory = rss_mb(servers[0])
        print("Worker RSS after the load: " + ", ".join(f"{mb:.0f} MB" for mb in memory))
        production_port = free_port()
        servers.append(serve("tsf.wsgi:application", production_port, env, ROOT, workers=None))
        label = "production configuration (2 × cores + 1 workers × 4 threads)"
        loads.append((mixed_load(production_port, targets, args.users, args.load_seconds, label), "production"))
        memory += rss_mb(servers[-1])
        print("Worker RSS after the load: " + ", ".join(f"{mb:.0f} MB" for mb in rss_mb(servers[-1])))
        # The target holds for both: the measuring configuration and the deployed one.
        for (rps, load_p95, errors), configuration in loads:
            if rps < TARGETS["load_rps"] or load_p95 > TARGETS["load_p95_ms"] or errors:
                missed.append(
                    f"mixed load ({configuration}) {rps:.0f} req/s, p95 {load_p95:.0f} ms, {errors} errors "
                    f"(target ≥ {TARGETS['load_rps']} req/s, p95 ≤ {TARGETS['load_p95_ms']} ms, 0 errors)"
                )
        if memory and max(memory) > TARGETS["rss_mb"]:
            missed.append(f"worker RSS {max(memory):.0f} MB (target ≤ {TARGETS['rss_mb']} MB)")
        print()
        for line in missed:
            print(f"TARGETS MISSED: {line}")
        if not missed:
            print("All targets met.")
    finally:
        for server in servers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=10)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
