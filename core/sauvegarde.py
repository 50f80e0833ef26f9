"""Backups proven by a restore.

`sauvegarde_creer` writes one dated archive (tar) in settings.TSF_BACKUP_DIR:

- `base.dump`: `pg_dump -Fc` of the PostgreSQL database, or `base.sqlite3`: a copy of the SQLite
  database made with sqlite3's online backup API (never a copy of a file being written);
- `fichiers/<name>`: every file of the default storage (uploads and generated PDFs), read through
  the storage API, so that the same command backs up a local folder or an S3 bucket;
- `manifeste.json`: the row count of every table and the SHA-256 of every file.

On PostgreSQL the row counts are taken in the very snapshot `pg_dump` exports (REPEATABLE READ,
`pg_export_snapshot()`), so the manifest describes exactly the dump. Files are read after the
snapshot: a file uploaded meanwhile is in the archive without its row (harmless), a file deleted
meanwhile is missing (the restore's check names it).

`sauvegarde_restaurer` puts an archive back into an EMPTY database (no table) and an empty
storage, then checks the manifest: every table's row count and every file's SHA-256. It refuses
a database or a storage that holds anything unless `force=True`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump / pg_restore with arguments built here, never a shell
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import RuleViolation

FORMAT = 1
PREFIXE = "tsf-"
MANIFESTE = "manifeste.json"
FICHIERS = "fichiers/"
DUMP_PG = "base.dump"
DUMP_SQLITE = "base.sqlite3"


@dataclass
class Bilan:
    """What a restore put back and what its check found (printed by `manage.py restaurer`)."""

    archive: str
    tables: int = 0
    lignes: int = 0
    fichiers: int = 0
    octets: int = 0
    ecarts: list[str] = field(default_factory=list)

    @property
    def conforme(self) -> bool:
        return not self.ecarts

    def lignes_texte(self) -> list[str]:
        lines = [
            f"Archive : {self.archive}",
            f"Tables : {self.tables}, lignes : {self.lignes} (identiques au manifeste : {'oui' if not self._ecarts('ligne') else 'non'})",
            f"Fichiers : {self.fichiers}, {self.octets} octets, empreintes SHA-256 identiques : "
            f"{'oui' if not self._ecarts('fichier') else 'non'}",
        ]
        return lines + [f"ÉCART : {ecart}" for ecart in self.ecarts]

    def _ecarts(self, kind: str) -> list[str]:
        return [e for e in self.ecarts if e.startswith(kind)]


def _tables() -> dict[str, Any]:
    """Every table Django manages (models and many-to-many tables), by table name."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        tables[meta.db_table] = model
    return dict(sorted(tables.items()))


def _count_rows(cursor: Any, table_names: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for name in table_names:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608  # nosec B608 # table names from Django's models
        counts[name] = int(cursor.fetchone()[0])
    return counts


def stored_files(storage: Storage | None = None, path: str = "") -> list[str]:
    """Every file name of the storage, through the storage API (local folder or object store)."""
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [posixpath.join(path, name) if path else name for name in files]
    for directory in dirs:
        names += stored_files(storage, posixpath.join(path, directory) if path else directory)
    return sorted(names)


def _pg_env() -> dict[str, str]:
    """libpq's environment for the Django database (no password on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603 # fixed arguments, no shell
    if result.returncode != 0:
        raise RuleViolation(_("%(cmd)s a échoué : %(err)s") % {"cmd": command[0], "err": result.stderr.strip()[:2000]})


def _dump_database(workdir: Path) -> tuple[str, dict[str, int]]:
    """Dump the database into workdir; return the dump's name and its row counts."""
    tables = list(_tables())
    if connection.vendor == "postgresql":
        target = workdir / DUMP_PG
        with transaction.atomic(), connection.cursor() as cursor:
            # The counts and pg_dump read the same snapshot: the manifest describes exactly the dump.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_rows(cursor, tables)
            _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(target)])
        return DUMP_PG, counts
    if connection.vendor == "sqlite":
        target = workdir / DUMP_SQLITE
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
            copy_cursor = copy.cursor()
            counts = {}
            for name in tables:
                copy_cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608  # nosec B608 # table names from Django's models
                counts[name] = int(copy_cursor.fetchone()[0])
        finally:
            copy.close()
        return DUMP_SQLITE, counts
    raise RuleViolation(_("Sauvegarde impossible : base %(vendor)s non prise en charge.") % {"vendor": connection.vendor})


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def sauvegarde_creer(*, dossier: Path | str | None = None, storage: Storage | None = None) -> Path:
    """Write a dated archive (database, every stored file, manifest) and return its path."""
    storage = storage or default_storage
    dossier = Path(dossier or settings.TSF_BACKUP_DIR)
    dossier.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    final = dossier / f"{PREFIXE}{stamp}.tar"
    partial = final.with_suffix(".tar.part")
    with tempfile.TemporaryDirectory(prefix="tsf-sauvegarde-") as workdir:
        dump_name, counts = _dump_database(Path(workdir))
        fichiers: dict[str, dict[str, Any]] = {}
        with tarfile.open(partial, "w") as archive:
            archive.add(Path(workdir) / dump_name, arcname=dump_name)
            for name in stored_files(storage):
                with storage.open(name, "rb") as handle:
                    content = handle.read()
                fichiers[name] = {"sha256": hashlib.sha256(content).hexdigest(), "octets": len(content)}
                _add_bytes(archive, FICHIERS + name, content)
            manifeste = {
                "format": FORMAT,
                "cree_le": timezone.now().isoformat(),
                "base": {"moteur": connection.vendor, "fichier": dump_name},
                "lignes": counts,
                "fichiers": fichiers,
            }
            _add_bytes(archive, MANIFESTE, json.dumps(manifeste, indent=1, sort_keys=True).encode())
    # Renamed once complete: a crash never leaves a truncated archive that looks whole.
    partial.replace(final)
    final.chmod(0o600)
    return final


def sauvegardes(dossier: Path | str | None = None) -> list[Path]:
    """The archives of the folder, newest first."""
    dossier = Path(dossier or settings.TSF_BACKUP_DIR)
    if not dossier.is_dir():
        return []
    return sorted(dossier.glob(f"{PREFIXE}*.tar"), reverse=True)


def sauvegardes_purger(*, garder: int | None = None, dossier: Path | str | None = None) -> list[Path]:
    """Delete the archives beyond the newest `garder` (TSF_BACKUP_KEEP). Returns the deleted ones."""
    garder = settings.TSF_BACKUP_KEEP if garder is None else garder
    if garder < 1:
        raise RuleViolation(_("Il faut garder au moins une sauvegarde."))
    anciennes = sauvegardes(dossier)[garder:]
    for path in anciennes:
        path.unlink(missing_ok=True)
    return anciennes


def sauvegarde_nocturne() -> str:
    """Beat, nightly: one archive, then the retention count applied."""
    archive = sauvegarde_creer()
    purgees = sauvegardes_purger()
    return f"{archive.name} ({len(purgees)} ancienne(s) supprimée(s))"


def lire_manifeste(*, archive: Path | str) -> dict[str, Any]:
    with tarfile.open(archive, "r") as tar:
        member = tar.extractfile(MANIFESTE)
        if member is None:
            raise RuleViolation(_("Archive sans manifeste : %(a)s") % {"a": archive})
        return json.loads(member.read())


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _restore_database(tar: tarfile.TarFile, manifeste: dict[str, Any], *, force: bool) -> None:
    moteur = manifeste["base"]["moteur"]
    if moteur != connection.vendor:
        raise RuleViolation(
            _("L’archive vient d’une base %(a)s, la base cible est %(b)s.") % {"a": moteur, "b": connection.vendor}
        )
    if not _database_is_empty() and not force:
        raise RuleViolation(_("La base cible n’est pas vide : restauration refusée (--force pour l’écraser)."))
    with tempfile.TemporaryDirectory(prefix="tsf-restauration-") as workdir:
        member = tar.extractfile(manifeste["base"]["fichier"])
        if member is None:
            raise RuleViolation(_("Archive sans copie de la base."))
        dump = Path(workdir) / manifeste["base"]["fichier"]
        with dump.open("wb") as out:
            shutil.copyfileobj(member, out)
        if moteur == "postgresql":
            connection.close()
            command = [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                str(connection.settings_dict["NAME"]),
            ]
            if force:
                command += ["--clean", "--if-exists"]
            _run([*command, str(dump)])
        else:
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                # Copies every page into the live database, whatever it held (file or memory).
                source.backup(connection.connection)
            finally:
                source.close()
    connection.close()


def _restore_files(tar: tarfile.TarFile, manifeste: dict[str, Any], storage: Storage, *, force: bool) -> None:
    if stored_files(storage) and not force:
        raise RuleViolation(_("Le stockage des fichiers n’est pas vide : restauration refusée (--force pour l’écraser)."))
    for name in manifeste["fichiers"]:
        member = tar.extractfile(FICHIERS + name)
        if member is None:
            continue  # reported by the check below
        if force and storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(member.read()))
        if saved != name:
            raise RuleViolation(_("Le fichier %(a)s a été enregistré sous %(b)s.") % {"a": name, "b": saved})


def sauvegarde_verifier(*, manifeste: dict[str, Any], archive: str = "", storage: Storage | None = None) -> Bilan:
    """Compare the database and the storage with a manifest: every row count, every file's SHA-256."""
    storage = storage or default_storage
    bilan = Bilan(archive=archive)
    attendues: dict[str, int] = manifeste["lignes"]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, expected in sorted(attendues.items()):
            if table not in existing:
                bilan.ecarts.append(f"ligne : table {table} absente")
                continue
            found = _count_rows(cursor, [table])[table]
            bilan.tables += 1
            bilan.lignes += found
            if found != expected:
                bilan.ecarts.append(f"ligne : {table} a {found} ligne(s), le manifeste en annonce {expected}")
    for name, info in sorted(manifeste["fichiers"].items()):
        try:
            with storage.open(name, "rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            bilan.ecarts.append(f"fichier : {name} absent")
            continue
        bilan.fichiers += 1
        bilan.octets += len(content)
        if hashlib.sha256(content).hexdigest() != info["sha256"]:
            bilan.ecarts.append(f"fichier : {name} n’a plus la même empreinte SHA-256")
    return bilan


def sauvegarde_restaurer(*, archive: Path | str, force: bool = False, storage: Storage | None = None) -> Bilan:
    """Put an archive back into an empty database and storage, then check it against its manifest."""
    storage = storage or default_storage
    archive = Path(archive)
    with tarfile.open(archive, "r") as tar:
        member = tar.extractfile(MANIFESTE)
        if member is None:
            raise RuleViolation(_("Archive sans manifeste : %(a)s") % {"a": archive})
        manifeste = json.loads(member.read())
        if manifeste.get("format") != FORMAT:
            raise RuleViolation(_("Format d’archive inconnu."))
        # Both emptiness checks come first: a refusal changes nothing at all.
        if not force and not _database_is_empty():
            raise RuleViolation(_("La base cible n’est pas vide : restauration refusée (--force pour l’écraser)."))
        if not force and stored_files(storage):
            raise RuleViolation(_("Le stockage des fichiers n’est pas vide : restauration refusée (--force pour l’écraser)."))
        _restore_database(tar, manifeste, force=force)
        _restore_files(tar, manifeste, storage, force=force)
    return sauvegarde_verifier(manifeste=manifeste, archive=str(archive), storage=storage)


def age_derniere_sauvegarde(dossier: Path | str | None = None) -> datetime.timedelta | None:
    """How old the newest archive is (for monitoring); None without any."""
    newest = next(iter(sauvegardes(dossier)), None)
    if newest is None:
        return None
    written = datetime.datetime.fromtimestamp(newest.stat().st_mtime, tz=datetime.UTC)
    return timezone.now() - written
