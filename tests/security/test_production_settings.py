"""Production refuses to start without its own SECRET_KEY; links signed with a key of the repository open nothing."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import signing
from django.core.checks.security.base import check_secret_key
from django.urls import reverse

from annuaire import services as annuaire_services
from evaluations import liens
from evaluations import services as evaluation_services
from tests.annuaire.conftest import dossier_retenu
from tests.factories import PersonneRessourceFactory, UserFactory
from tests.relances.conftest import build_dossier

# The key that earlier versions of tsf/settings.py used whenever SECRET_KEY was unset, DEBUG or not:
# it is in the repository's history, so anyone may sign with it.
OLD_FALLBACK_KEY = "dev-insecure-tsf-key-change-me-in-production-0123456789abcdef"  # noqa: S105
REPOSITORY_KEYS = [OLD_FALLBACK_KEY, settings.DEVELOPMENT_SECRET_KEY]


def _django_setup(**env_overrides: str | None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "tsf.settings"
    for key, value in env_overrides.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_and_without_secret_key_the_settings_refuse_to_load():
    result = _django_setup(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr and "DEBUG=0" in result.stderr


def test_debug_off_is_the_default_so_an_unset_debug_also_refuses():
    result = _django_setup()
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_manage_py_without_a_key_says_so_instead_of_an_unrelated_error():
    # Django's command runner keeps a settings error aside and used to fail on "Models aren't loaded yet".
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "Models aren" not in result.stderr


def test_makemigrations_check_reads_only_the_code_and_runs_without_a_key():
    # A hook or an editor checks the migrations of a checkout without the production secret (manage.py
    # gives makemigrations a throwaway key); the server and every other command still refuse (above).
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_with_a_secret_key_production_starts():
    result = _django_setup(DEBUG="0", SECRET_KEY="a-production-secret-" + "x7Q" * 20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "80"


def test_the_development_key_is_kept_for_debug_only():
    assert _django_setup(DEBUG="1").returncode == 0
    refused = _django_setup(DEBUG="0", SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    assert refused.returncode != 0 and "development key" in refused.stderr


def test_check_deploy_flags_the_development_key_if_it_ever_reaches_a_server(settings):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    assert [warning.id for warning in check_secret_key(None)] == ["security.W009"]


def test_the_test_run_itself_does_not_run_on_a_key_of_the_repository():
    assert settings.SECRET_KEY not in REPOSITORY_KEYS


@pytest.mark.django_db
@pytest.mark.parametrize("forged_with", REPOSITORY_KEYS, ids=["old-fallback-key", "development-key"])
def test_an_evaluation_link_signed_with_a_repository_key_is_refused(client, forged_with):
    dossier = build_dossier()
    evaluation_services.accompagnement_terminer(accompagnement=dossier.accompagnement, by=dossier.coordinateur)
    six = evaluation_services.evaluation_six_mois_ouvrir(accompagnement=dossier.accompagnement)
    payload = {"e": six.pk, "p": six.personne_id}
    forged = signing.dumps(payload, key=forged_with, salt=liens.SALT)
    assert client.get(reverse("evaluations:lien", args=[forged])).status_code == 404
    # The same payload signed with the server's key opens it: only the key made the difference.
    genuine = signing.dumps(payload, salt=liens.SALT)
    assert client.get(reverse("evaluations:lien", args=[genuine])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("forged_with", REPOSITORY_KEYS, ids=["old-fallback-key", "development-key"])
def test_a_mentor_mission_link_signed_with_a_repository_key_is_refused(client, programme, forged_with):
    coordinateur = UserFactory(roles=["coordination"])
    mentor = PersonneRessourceFactory()
    proposition = annuaire_services.proposition_send(
        candidature=dossier_retenu(programme), personne_ressource=mentor, by=coordinateur
    )
    payload = {"p": proposition.pk, "m": proposition.personne_ressource_id}
    forged = signing.dumps(payload, key=forged_with, salt=annuaire_services.TOKEN_SALT)
    url = reverse("annuaire:proposition_reponse", args=[forged])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reponse": "accepter"}).status_code == 404
    genuine = reverse("annuaire:proposition_reponse", args=[annuaire_services.proposition_token(proposition)])
    assert client.get(genuine).status_code == 200
