import pytest

from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    StructureFactory,
    UserFactory,
)

# --- Figures: security and robustness tests print what they proved (e.g. "924 cases, 0
# unexpected"); pytest hides the output of passing tests, and xdist runs them elsewhere, so the
# figures travel in the test reports and are printed together at the end of the run.
_FIGURES: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _FIGURES.extend(str(value) for key, value in report.user_properties if key == "figure")


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("figures")
        for line in sorted(_FIGURES):
            terminalreporter.write_line(line)


@pytest.fixture
def figure(record_property, request):
    """`figure("N cases, 0 unexpected")`: printed in the summary of the run, prefixed by the test's name."""

    def emit(text: str) -> None:
        line = f"{request.node.name}: {text}"
        print(line)
        record_property("figure", line)

    return emit


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # allauth's rate limits live in the cache: each test starts with none spent.
    # The feeds' bodies too (their own cache, tsf/settings.py): a test's body is not another's.
    from django.core.cache import caches

    for alias in ("default", "flux"):
        caches[alias].clear()
    yield
    for alias in ("default", "flux"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _celery_eager():
    from core import jobs
    from tsf.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    jobs._broker_down_until = 0.0  # a test that stopped the broker must not silence the next ones
    yield
    jobs._broker_down_until = 0.0


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def coordinateur(db):
    return UserFactory(email="coordination@exemple.test", roles=["coordination"])


@pytest.fixture
def membre_comite(db, programme):
    """A member of the committee of `programme` (the fixture's): they read that programme's files only."""
    return UserFactory(email="comite@exemple.test", roles=["comite_technique"], comite=[programme])


@pytest.fixture
def candidat(db):
    return UserFactory(email="candidate-a@exemple.test", roles=["candidat"])


@pytest.fixture
def autre_candidat(db):
    return UserFactory(email="candidate-b@exemple.test", roles=["candidat"])


@pytest.fixture
def structure(db):
    return StructureFactory()


@pytest.fixture
def personne_ressource(db):
    return PersonneRessourceFactory()


@pytest.fixture
def candidature(db, programme, candidat):
    return CandidatureFactory(programme=programme, candidat=candidat)


@pytest.fixture
def accompagnement(db, programme):
    return AccompagnementFactory(candidature__programme=programme)
