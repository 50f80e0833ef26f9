"""Backups proven by a restore: demo data and a signed convention → `sauvegarder` → `restaurer` into
a fresh database and an empty media folder (another process, as an operator would) → the same row
counts, every file's SHA-256 equal, the convention's integrity page still "Conforme", and the
platform's invariants hold (verifier_coherence)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from conventions import services as conventions_services
from conventions.models import EtatConvention
from core import sauvegarde
from core.exceptions import RuleViolation
from core.tasks import backup_nightly
from tests.conventions.conftest import convention_en_signature, parties  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def node_env(*, database_url: str, media: Path) -> dict[str, str]:
    """The environment of a fresh installation pointed at the restored database and media folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "TSF_STORAGE")}
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
        TSF_VAR_DIR=str(media.parent / "var"),
        DEBUG="0",
        # The integrity page is read with a logged-in coordinator (no TOTP device in a restored test base).
        TSF_MFA_REQUIRED_FOR_COORDINATION="0",
        CELERY_BROKER_URL="memory://",
    )
    return env


INTEGRITE = """
from django.test import Client
from accounts.models import User
client = Client()
client.force_login(User.objects.get(pk={user}))
response = client.get("/conventions/{convention}/integrite/")
body = response.content.decode()
print(response.status_code, "Conforme :" in body and "Non conforme" not in body)
"""


def signed_convention(parties, convention):  # noqa: F811 - the fixture's value
    for who in ("mentor", "beneficiaire", "coordinateur"):
        conventions_services.convention_sign(
            convention=convention, by=parties[who], adresse_ip="203.0.113.7", sha256_document=convention.pdf_sha256
        )
    convention.refresh_from_db()
    assert convention.etat == EtatConvention.SIGNEE and convention.pdf_final
    return convention


def drill(*, database_url: str, tmp_path: Path, convention, coordinateur, figure, label: str) -> None:
    archive = sauvegarde.sauvegarde_creer(dossier=tmp_path / "sauvegardes")
    manifeste = sauvegarde.lire_manifeste(archive=archive)
    # The manifest describes the database as it is now (nothing changed since the backup).
    assert sauvegarde.sauvegarde_verifier(manifeste=manifeste).conforme
    assert manifeste["fichiers"], "the drill needs stored files (convention PDFs)"
    assert convention.pdf_final.name in manifeste["fichiers"]

    env = node_env(database_url=database_url, media=tmp_path / "media-restauree")
    restored = manage("restaurer", str(archive), env=env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restauration conforme au manifeste." in restored.stdout
    lignes = sum(manifeste["lignes"].values())
    assert f"lignes : {lignes} (identiques au manifeste : oui)" in restored.stdout
    assert "empreintes SHA-256 identiques : oui" in restored.stdout
    # Every file, read back from the restored folder by the other process, has its recorded hash.
    rehash = manage(
        "shell",
        "-c",
        "import json, hashlib; from django.core.files.storage import default_storage as s; from core.sauvegarde import stored_files; "
        "print(json.dumps({n: hashlib.sha256(s.open(n, 'rb').read()).hexdigest() for n in stored_files()}))",
        env=env,
    )
    assert rehash.returncode == 0, rehash.stderr
    hashes = json.loads(rehash.stdout.strip().splitlines()[-1])
    assert hashes == {name: info["sha256"] for name, info in manifeste["fichiers"].items()}

    page = manage("shell", "-c", INTEGRITE.format(user=coordinateur.pk, convention=convention.pk), env=env)
    assert page.returncode == 0, page.stderr
    assert page.stdout.strip().splitlines()[-1] == "200 True", page.stdout

    coherence = manage("verifier_coherence", env=env)
    assert coherence.returncode == 0, coherence.stdout + coherence.stderr
    coherence_text = "verifier_coherence 0"

    again = manage("restaurer", str(archive), env=env)
    assert again.returncode != 0 and "n’est pas vide" in again.stderr

    octets = sum(info["octets"] for info in manifeste["fichiers"].values())
    figure(
        f"{label}: {lignes} rows in {len(manifeste['lignes'])} tables and {len(manifeste['fichiers'])} files "
        f"({octets} bytes) restored; row counts equal, {len(hashes)}/{len(manifeste['fichiers'])} SHA-256 equal, "
        f"integrity page Conforme, {coherence_text}; restore into a non-empty base refused"
    )


@pytest.mark.postgres
def test_restore_drill_on_postgresql(tmp_path, parties, convention_en_signature, figure):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("The PostgreSQL drill needs DATABASE_URL=postgres://…; CI runs it on PostgreSQL.")
    call_command("load_demo", "--force", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    convention = signed_convention(parties, convention_en_signature)

    import psycopg  # imported here: only this PostgreSQL test talks to the server directly

    db = connection.settings_dict
    name = f"{db['NAME'].removeprefix('test_')}_restauration_{uuid.uuid4().hex[:8]}"  # h_prod2_… here, unique per run
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
        url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        drill(
            database_url=url,
            tmp_path=tmp_path,
            convention=convention,
            coordinateur=parties["coordinateur"],
            figure=figure,
            label="PostgreSQL",
        )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_drill_on_sqlite(tmp_path, parties, convention_en_signature, figure):  # noqa: F811
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant of the drill")
    convention = signed_convention(parties, convention_en_signature)
    url = f"sqlite:///{tmp_path / 'restauree.sqlite3'}"
    drill(
        database_url=url,
        tmp_path=tmp_path,
        convention=convention,
        coordinateur=parties["coordinateur"],
        figure=figure,
        label="SQLite",
    )


def test_retention_keeps_the_newest_archives(tmp_path, settings):
    settings.TSF_BACKUP_DIR = tmp_path
    names = [f"tsf-2026010{day}-023000-000000.tar" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    deleted = sauvegarde.sauvegardes_purger(garder=2)
    assert sorted(p.name for p in deleted) == names[:3]
    assert [p.name for p in sauvegarde.sauvegardes()] == names[:2:-1]
    with pytest.raises(RuleViolation):
        sauvegarde.sauvegardes_purger(garder=0)


def test_the_nightly_backup_is_scheduled_and_applies_the_retention(tmp_path, settings):
    assert settings.CELERY_BEAT_SCHEDULE["sauvegarde-nocturne"]["task"] == "core.tasks.backup_nightly"
    settings.TSF_BACKUP_DIR = tmp_path
    settings.TSF_BACKUP_KEEP = 2
    for _ in range(3):
        backup_nightly()
    assert len(sauvegarde.sauvegardes()) == 2


def test_a_restore_into_a_non_empty_base_is_refused_and_changes_nothing(tmp_path):
    archive = sauvegarde.sauvegarde_creer(dossier=tmp_path)
    before = sauvegarde.lire_manifeste(archive=archive)["lignes"]
    with pytest.raises(RuleViolation, match="n’est pas vide"):
        sauvegarde.sauvegarde_restaurer(archive=archive)
    assert sauvegarde.sauvegarde_verifier(manifeste={"lignes": before, "fichiers": {}}).conforme


def test_the_command_prints_the_figures_and_applies_the_retention(tmp_path):
    for _ in range(2):
        out = StringIO()
        call_command("sauvegarder", "--dossier", str(tmp_path), "--garder", "1", stdout=out)
    text = out.getvalue()
    assert "Sauvegarde écrite" in text and "tables" in text and "Ancienne sauvegarde supprimée" in text
    assert len(sauvegarde.sauvegardes(tmp_path)) == 1
