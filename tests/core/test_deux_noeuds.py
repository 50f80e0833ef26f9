"""Web nodes that share nothing on disk: two web processes of the platform on two ports share the
database (PostgreSQL when DATABASE_URL says so, else one SQLite file), the cache (Redis when one
answers) and an S3 object store, and one journey alternates between them over HTTP.

No real S3 server installs on these machines: moto's standalone S3-compatible server stands in
for it (OVH, Scaleway, Garage or MinIO in production), started here on a free port of 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from moto.server import ThreadedMotoServer

from tests.candidatures.conftest import MINIMAL_PDF
from tests.conventions.conftest import convention_en_signature, parties  # noqa: F401 - fixtures
from tests.factories import CandidatureFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
PASSWORD = "deux-noeuds-Mot-de-passe-9"  # noqa: S105 - a test account's password
BUCKET = "tsf-deux-noeuds"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "moto-test", "AWS_SECRET_ACCESS_KEY": "moto-test", "AWS_S3_REGION_NAME": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"node on port {port} exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"node on port {port} did not start")


def redis_url() -> str | None:
    """The Redis db of this branch when a server answers (the cache shared by the nodes)."""
    url = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/6"
    try:
        import redis  # imported here: only to probe for a running server

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis: each node keeps its own cache, said in the figure
        return None
    return url


@pytest.fixture
def s3(settings):
    """moto's S3 server on a free port, a private bucket, and this process's storage pointed at it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_KEYS["AWS_S3_REGION_NAME"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": S3_KEYS["AWS_ACCESS_KEY_ID"],
                "secret_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
                "region_name": S3_KEYS["AWS_S3_REGION_NAME"],
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield endpoint, client
    server.stop()


class Node:
    def __init__(self, name: str, port: int, process: subprocess.Popen, media: Path):
        self.name, self.port, self.process, self.media = name, port, process, media
        self.base = f"http://127.0.0.1:{port}"


@pytest.fixture
def nodes(s3, tmp_path):
    """Starts the two nodes once the test has written its data (call it); stops them after."""
    endpoint, _client = s3
    started: list[Node] = []

    def start() -> tuple[Node, Node]:
        if connection.vendor == "postgresql":
            db = connection.settings_dict
            credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
            database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        else:
            # The test database lives in memory: both nodes get one shared file, copied from it.
            path = tmp_path / "partagee.sqlite3"
            copy = sqlite3.connect(path)
            connection.ensure_connection()
            connection.connection.backup(copy)
            copy.close()
            database_url = f"sqlite:///{path}"
        cache = redis_url()
        for name in ("A", "B"):
            port = free_port()
            media = tmp_path / f"noeud-{name}" / "media"
            media.mkdir(parents=True)
            env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "DATABASE_URL", "UPLOAD_SCANNER")}
            env.update(
                S3_KEYS,
                DATABASE_URL=database_url,
                TSF_STORAGE="s3",
                AWS_STORAGE_BUCKET_NAME=BUCKET,
                AWS_S3_ENDPOINT_URL=endpoint,
                # Each node has a local media folder of its own: it must stay empty.
                MEDIA_ROOT=str(media),
                TSF_VAR_DIR=str(media.parent / "var"),
                DEBUG="0",
                ALLOWED_HOSTS="127.0.0.1",
                CELERY_TASK_ALWAYS_EAGER="1",
                CELERY_BROKER_URL="memory://",
                ACCOUNT_EMAIL_VERIFICATION="none",
                TSF_MFA_REQUIRED_FOR_COORDINATION="0",
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            )
            if cache:
                env["CACHE_URL"] = cache
            process = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            started.append(Node(name, port, process, media))
        for node in started:
            wait_for(node.port, node.process)
        return started[0], started[1]

    yield start
    for node in started:
        node.process.terminate()
    for node in started:
        try:
            node.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.process.kill()
        if node.process.stdout:
            node.process.stdout.close()


class Person:
    """One browser (one cookie jar) whose requests go to whichever node the balancer picks."""

    def __init__(self, email: str):
        self.email = email
        self.http = requests.Session()

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def login(self, node: Node) -> None:
        page = self.http.get(f"{node.base}/comptes/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.http.post(
            f"{node.base}/comptes/login/",
            data={"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code == 302, (node.name, response.status_code, response.text[:2000])

    def get(self, node: Node, path: str) -> requests.Response:
        response = self.http.get(f"{node.base}{path}", allow_redirects=False, timeout=120)
        assert response.status_code == 200, (node.name, path, response.status_code, response.text[:2000])
        return response

    def post(self, node: Node, path: str, data: dict, files: dict | None = None) -> requests.Response:
        response = self.http.post(
            f"{node.base}{path}",
            data={**data, "csrfmiddlewaretoken": self.csrf()},
            files=files,
            headers={"Referer": f"{node.base}{path}"},
            allow_redirects=False,
            timeout=120,
        )
        assert response.status_code == 302, (node.name, path, response.status_code, response.text[:3000])
        return response


def with_password(user):
    # The nodes verify with the production hashers (the tests' MD5 hasher is not among them).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def local_files(node: Node) -> list[Path]:
    return [p for p in node.media.rglob("*") if p.is_file()]


def test_two_nodes_share_the_database_the_sessions_and_the_object_store(
    s3,
    nodes,
    parties,  # noqa: F811
    convention_en_signature,  # noqa: F811
    figure,
):
    _endpoint, bucket = s3
    coordination = with_password(parties["coordinateur"])
    mentor = with_password(parties["mentor"])
    beneficiaire = with_password(parties["beneficiaire"])
    candidat = with_password(UserFactory(roles=["candidat"]))
    candidature = CandidatureFactory(programme=parties["programme"], candidat=candidat, etat="soumise")
    convention = convention_en_signature
    assert bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] >= 1  # the PDF to sign went to the object store
    a, b = nodes()

    # 1. The coordination logs in on A and asks for a document on B (the session made on A works on B).
    coord = Person(coordination.email)
    coord.login(a)
    coord.post(b, f"/candidatures/coordination/dossiers/{candidature.pk}/demande-de-document/", {"type_piece": "autre"})

    # 2. The applicant logs in on B, finds the request on A and uploads the document on A.
    applicant = Person(candidat.email)
    applicant.login(b)
    dossier = applicant.get(a, f"/candidatures/{candidature.pk}/").text
    demande = re.search(r'name="demande-(\d+)-fichier"', dossier).group(1)
    applicant.post(
        a,
        f"/candidatures/{candidature.pk}/demandes/{demande}/",
        {},
        files={f"demande-{demande}-fichier": ("statuts.pdf", MINIMAL_PDF, "application/pdf")},
    )

    # 3. The coordination downloads it on B; the applicant downloads it again on B.
    detail = coord.get(b, f"/candidatures/coordination/dossiers/{candidature.pk}/").text
    lien = re.search(rf'href="(/candidatures/coordination/dossiers/{candidature.pk}/documents/\d+/)"', detail).group(1)
    downloaded = coord.get(b, lien)
    assert downloaded.content == MINIMAL_PDF and "attachment" in downloaded.headers["Content-Disposition"]
    dossier = applicant.get(b, f"/candidatures/{candidature.pk}/").text
    lien = re.search(rf'href="(/candidatures/{candidature.pk}/pieces/\d+/telecharger/)"', dossier).group(1)
    assert applicant.get(b, lien).content == MINIMAL_PDF

    # 4. The convention: the mentor signs on A, the beneficiary on B, the coordination on A; the
    #    signed PDF (made by the node that took the last signature) is downloaded on B.
    for person, node in ((mentor, a), (beneficiaire, b), (coordination, a)):
        signer = coord if person == coordination else Person(person.email)
        if signer is not coord:
            signer.login(node)
        signer.post(node, f"/conventions/{convention.pk}/signer/", {"accepte": "on", "sha256_document": convention.pdf_sha256})
    pk = convention.pk
    signed = coord.get(b, f"/conventions/{pk}/document-signe/")
    assert signed.content.startswith(b"%PDF") and "attachment" in signed.headers["Content-Disposition"]
    integrite = coord.get(b, f"/conventions/{pk}/integrite/").text
    assert "Conforme :" in integrite and "Non conforme" not in integrite
    assert coord.get(a, f"/conventions/{pk}/integrite/").text.count("Conforme :") == 1

    # 5. Everything is in the object store, private; nothing was written in either node's folder.
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    stored = {hashlib.sha256(bucket.get_object(Bucket=BUCKET, Key=k)["Body"].read()).hexdigest() for k in keys}
    assert hashlib.sha256(MINIMAL_PDF).hexdigest() in stored
    assert hashlib.sha256(signed.content).hexdigest() in stored
    assert not local_files(a) and not local_files(b)
    acl = bucket.get_object_acl(Bucket=BUCKET, Key=keys[0])
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}))]

    figure(
        f"2 nodes ({connection.vendor}, cache {'Redis' if redis_url() else 'per node (no Redis)'}, moto S3): "
        f"session from A used on B, upload on A → download on B, 3 signatures across A/B → signed PDF on B, "
        f"integrity Conforme on both; {len(keys)} objects in the bucket, 0 files on the nodes' disks"
    )
