import pytest

from tests.factories import (
    AccompagnementFactory,
    CandidatureFactory,
    PersonneRessourceFactory,
    ProgrammeFactory,
    StructureFactory,
    UserFactory,
)


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
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager():
    from tsf.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def coordinateur(db):
    return UserFactory(email="coordination@exemple.test", roles=["coordination"])


@pytest.fixture
def membre_comite(db):
    return UserFactory(email="comite@exemple.test", roles=["comite_technique"])


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
