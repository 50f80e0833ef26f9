"""Files only through Django's storage API: no code reaches uploaded or generated files by a path
under MEDIA_ROOT (which would break as soon as the files live in an object store), and the object
store is chosen by environment variables alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

ROOT = Path(settings.BASE_DIR)
APPS = [
    "accompagnements",
    "accounts",
    "annuaire",
    "budget",
    "candidatures",
    "comite",
    "conventions",
    "core",
    "evaluations",
    "programmes",
    "relances",
    "tsf",
]
ALLOWED = {Path("tsf/settings.py")}  # where MEDIA_ROOT is defined for the local storage


def file_field_names() -> set[str]:
    return {
        field.name for model in apps.get_models() for field in model._meta.get_fields() if isinstance(field, models.FileField)
    }


def forbidden_patterns() -> list[re.Pattern[str]]:
    fields = "|".join(sorted(file_field_names()))
    return [
        re.compile(r"\bMEDIA_ROOT\b"),
        re.compile(r"\bFileSystemStorage\s*\("),
        re.compile(r"storage\.path\s*\("),
        re.compile(rf"\.({fields})\.(path|file\.name)\b"),
        re.compile(rf"(?<![\w.])open\s*\([^)]*\.({fields})\b"),
        re.compile(rf"\bPath\s*\([^)]*\.({fields})\b"),
    ]


def violations() -> list[str]:
    patterns = forbidden_patterns()
    found = []
    for app in APPS:
        for source in sorted((ROOT / app).rglob("*.py")):
            relative = source.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                if line.lstrip().startswith("#"):
                    continue
                if any(pattern.search(line) for pattern in patterns):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_code_reaches_stored_files_by_a_path(figure):
    assert file_field_names() >= {"fichier", "pdf", "pdf_final", "recu_pdf", "justificatif"}
    found = violations()
    assert not found, "Direct filesystem access to stored files (use the storage API):\n" + "\n".join(found)
    scanned = sum(1 for app in APPS for _ in (ROOT / app).rglob("*.py"))
    figure(f"{scanned} source files scanned, 0 direct accesses to MEDIA_ROOT or to a stored file's path")


def test_the_check_sees_what_it_forbids():
    samples = [
        "with open(settings.MEDIA_ROOT / name) as f:",
        "data = Path(piece.fichier.path).read_bytes()",
        "handle = open(convention.pdf_final.path, 'rb')",
        "name = default_storage.path(piece.fichier.name)",
        "Path(candidature.recu_pdf.name)",
    ]
    patterns = forbidden_patterns()
    assert all(any(p.search(sample) for p in patterns) for sample in samples)
    allowed = ["with piece.fichier.open('rb') as handle:", "default_storage.open(name, 'rb')", "request.path.startswith(x)"]
    assert not any(p.search(sample) for p in patterns for sample in allowed)


def test_the_object_store_is_chosen_by_environment_variables_only():
    env = {
        **os.environ,
        "TSF_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "tsf-fichiers",
        "AWS_S3_ENDPOINT_URL": "https://s3.gra.io.cloud.ovh.net",
        "AWS_ACCESS_KEY_ID": "cle",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_S3_REGION_NAME": "gra",
    }
    script = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.default_acl, s.querystring_auth, s.file_overwrite)"
    )
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "S3Storage",
        "tsf-fichiers",
        "https://s3.gra.io.cloud.ovh.net",
        "private",
        "True",
        "False",
    ]
