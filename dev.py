#!/usr/bin/env python3
"""The platform's two commands, for a machine that has only Python >= 3.11.

    python3 dev.py run    # venv, install, migrate, demo data, then the Procfile (web, worker, beat) by honcho
    python3 dev.py test   # the whole test suite (pytest); extra arguments go to pytest

Uses only the standard library until the virtual environment exists.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess  # nosec B404 # runs pip, manage.py, celery and pytest with fixed argument lists
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 ou plus récent est nécessaire.")
    if not PY.exists():
        say("Création de l’environnement virtuel .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        say("Installation des dépendances (requirements.txt)")
        subprocess.run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)  # nosec B603 # fixed argument list, no shell
        subprocess.run([PY, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], check=True)  # nosec B603 # fixed argument list, no shell
        STAMP.write_text(wanted)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, env=env)  # nosec B603 # fixed argument list, no shell


def run() -> int:
    ensure_venv()
    # The local demo: debug pages, and the coordination's TOTP not forced (the demo logins are shared);
    # production keeps TSF_MFA_REQUIRED_FOR_COORDINATION on by default.
    env = {
        **os.environ,
        "DEBUG": os.environ.get("DEBUG", "1"),
        "TSF_MFA_REQUIRED_FOR_COORDINATION": os.environ.get("TSF_MFA_REQUIRED_FOR_COORDINATION", "0"),
    }
    Path(os.environ.get("TSF_VAR_DIR", ROOT / "var")).mkdir(parents=True, exist_ok=True)
    say("Base de données : migrations")
    manage("migrate", "--noinput", env=env)
    # The broker's folders first: the demo's jobs are handed to them as the load commits.
    subprocess.run(  # nosec B603 # fixed argument list, no shell
        [PY, "-c", "import django; django.setup(); from tsf.celery import ensure_broker_folders; ensure_broker_folders()"],
        cwd=ROOT,
        check=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "tsf.settings"},
    )
    say("Données de démonstration")
    manage("load_demo", env=env)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    # The Procfile's three processes (gunicorn, Celery worker, beat), started by honcho as in
    # production; small numbers of processes for a laptop, unless set.
    env.update(
        {
            "PATH": f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "TSF_BIND": f"{host}:{port}",
            "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2"),
            "CELERY_CONCURRENCY": env.get("CELERY_CONCURRENCY", "2"),
        }
    )
    say(f"Plateforme démarrée : http://{host}:{port}/  (administration : http://{host}:{port}/admin/)")
    say("Serveur web (gunicorn), worker Celery et beat tournent (Procfile, honcho). Ctrl+C pour tout arrêter.")
    honcho = subprocess.Popen([PY, "-m", "honcho", "start", "-f", "Procfile"], cwd=ROOT, env=env)  # nosec B603 # fixed argument list, no shell
    signal.signal(signal.SIGTERM, lambda *_: honcho.terminate())
    interrupted = False
    while True:
        try:
            returncode = honcho.wait()
            break
        except KeyboardInterrupt:
            # honcho received the same Ctrl+C and is stopping the three processes: wait for it.
            interrupted = True
    return 0 if interrupted or returncode in (0, -signal.SIGTERM, 130) else 1


def test(extra: list[str]) -> int:
    ensure_venv()
    workers = os.environ.get("TEST_WORKERS", "2")
    args = ["-n", workers, "--dist", "loadfile"] if workers != "0" else []
    return subprocess.run([PY, "-m", "pytest", *args, *extra], cwd=ROOT).returncode  # nosec B603 # fixed argument list, no shell


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "setup"}:
        print(__doc__)
        return 2
    command = sys.argv[1]
    if command == "setup":
        ensure_venv()
        return 0
    if command == "run":
        return run()
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
