"""Settings of the TSF / Mentorat platform.

One module, read top to bottom. Every value that differs between a laptop and production
comes from an environment variable; the defaults run the whole platform on a bare machine
(SQLite, a Celery broker kept in files, e-mails printed on the console).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.logs import logging_config
from core.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime data (SQLite file, uploads, broker folders, e-mails) lives under var/, never in static/.
VAR_DIR = Path(os.environ.get("TSF_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# Development only (DEBUG=1, as `python3 dev.py run` sets it): a fixed key so that sessions survive
# restarts. Its "django-insecure-" prefix makes `check --deploy` flag it (security.W009) if it ever
# reaches a server. Without DEBUG there is no fallback: signed links (mentors' missions, evaluation
# questionnaires) and sessions would be forgeable by anyone who read this repository.
DEVELOPMENT_SECRET_KEY = "django-insecure-tsf-development-key-never-in-production-0123456789"  # noqa: S105  # nosec B105 # development-only key, refused without DEBUG
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production (DEBUG=0) the platform refuses to start without it: "
            "set SECRET_KEY to a long random value, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For development, set DEBUG=1 (python3 dev.py run does)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the development key of the repository: set a secret one in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The programme's own apps, in the order of the lifecycle: installed below, and the apps whose models the
# coordination group is given every permission on (accounts/services.py), so that a new app is named once.
TSF_DOMAIN_APPS = [
    "core",  # the access log of personal data (read only in the admin)
    "accounts",
    "programmes",
    "questionnaires",
    "candidatures",
    "annuaire",
    "accompagnements",
    "ateliers",
    "conventions",
    "evaluations",
    "budget",
    "relances",
    "comite",
]

INSTALLED_APPS = [
    "core.admin_site.TsfAdminConfig",  # django.contrib.admin, its site building the app list lazily (issue 14)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "anymail",
    *TSF_DOMAIN_APPS,
    # What spans every stage (personal-data retention, demo data): the top layer.
    "plateforme",
]

MIDDLEWARE = [
    # First: every log line of the request, and the jobs it enqueues, carry its id (core/logs.py).
    "core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "accounts.middleware.CoordinationMfaRequiredMiddleware",
]

ROOT_URLCONF = "tsf.urls"
WSGI_APPLICATION = "tsf.wsgi.application"
ASGI_APPLICATION = "tsf.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "programmes.context_processors.pilot",
                "plateforme.context_processors.menu_coordination",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL=postgres://user@127.0.0.1:5432/tsf for production; SQLite file by default.
_DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tsf.sqlite3'}")
# A new PostgreSQL connection costs 8–11 ms per request: keep them for a minute by default, and check
# them before reuse (a restarted server does not turn into one failed request per worker thread).
_PERSISTENT_BY_DEFAULT = "60" if _DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://")) else "0"
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", _PERSISTENT_BY_DEFAULT)),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts (django-allauth, login by e-mail) -----------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
# A password change keeps the session where it was made and ends every other session of the
# account (Django's session hash); a deactivated account (is_active=False) is logged out everywhere.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Rate limits (allauth, kept in the shared cache): failed logins per address and per account,
# sign-ups and password resets per IP. Over the limit: the form says so, nothing else happens.
# (bandit reads the rates of "*_password" keys as passwords: they are not.)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",  # nosec B105
    "reset_password_from_key": "20/m/ip",  # nosec B105
    "change_password": "5/m/user",  # nosec B105
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TSF Occitanie] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG and SITE_URL.startswith("https") else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "TSF Occitanie"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# The coordination sees every personal file: TOTP is mandatory for it (accounts/middleware.py).
TSF_MFA_REQUIRED_FOR_COORDINATION = env_bool("TSF_MFA_REQUIRED_FOR_COORDINATION", True)
# Staff sessions end after this many minutes without a request.
TSF_STAFF_IDLE_MINUTES = int(os.environ.get("TSF_STAFF_IDLE_MINUTES", "30"))

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files and uploads -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
# Uploaded files are personal data: stored outside static/, never under a public URL,
# and only served by permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-non-public/"
# Where uploads and generated files live. Every read and write goes through Django's storage API
# (never a path under MEDIA_ROOT), so that several web nodes can share an object store:
# TSF_STORAGE=s3 with AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL (OVH, Scaleway, Garage, MinIO…),
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_S3_REGION_NAME. Objects are private; their
# signed URLs are never shown: downloads go through the permission-checked views.
TSF_STORAGE = os.environ.get("TSF_STORAGE", "local")
if TSF_STORAGE == "s3":
    DEFAULT_STORAGE: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "default_acl": "private",
            "querystring_auth": True,
            # Two uploads with the same name must never replace each other.
            "file_overwrite": False,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_MAX_FILES = int(os.environ.get("UPLOAD_MAX_FILES", "20"))
DATA_UPLOAD_MAX_NUMBER_FILES = 100
FILE_UPLOAD_PERMISSIONS = 0o640
# Antivirus (core/antivirus.py): e.g. UPLOAD_SCANNER=core.antivirus.clamd_scan with
# CLAMD_ADDRESS=unix:/run/clamav/clamd.ctl. Empty: no scan, documents are served at once.
UPLOAD_SCANNER = os.environ.get("UPLOAD_SCANNER", "")
CLAMD_ADDRESS = os.environ.get("CLAMD_ADDRESS", "unix:/run/clamav/clamd.ctl")

# --- E-mail -----------------------------------------------------------------------------
# Any Django backend: console by default; SMTP (django.core.mail.backends.smtp.EmailBackend with
# EMAIL_HOST…) or a provider's API through django-anymail, e.g. Brevo:
# EMAIL_BACKEND=anymail.backends.brevo.EmailBackend and BREVO_API_KEY. Every message sent is
# recorded (core.MessageEnvoye) with the provider's message id; the provider's tracking webhook
# (/anymail/brevo/tracking/, HTTP basic auth with WEBHOOK_SECRET="user:password") marks it
# delivered, bounced or complained, and a bounced address holds the reminders to it.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TSF Occitanie <ne-pas-repondre@tsf-occitanie.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "BREVO_API_KEY": os.environ.get("BREVO_API_KEY", ""),
    "MAILJET_API_KEY": os.environ.get("MAILJET_API_KEY", ""),
    "MAILJET_SECRET_KEY": os.environ.get("MAILJET_SECRET_KEY", ""),
    # "user:password" the provider sends as HTTP basic auth. Unset: every webhook is refused
    # (core/views.py), where anymail alone would accept unauthenticated posts with a warning.
    "WEBHOOK_SECRET": os.environ.get("WEBHOOK_SECRET", ""),
}

# --- Celery -----------------------------------------------------------------------------
# Default: a broker kept in folders (kombu's filesystem transport), so that `make run` has a
# real worker and beat with nothing to install. Production: redis://127.0.0.1:6379/0.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
# Redis: publishing gives up within about two seconds when the server is away (kombu would
# otherwise retry for six): the job is already in the database (core/jobs.py) and goes out later.
REDIS_BROKER_OPTIONS: dict[str, object] = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = REDIS_BROKER_OPTIONS
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Otherwise kombu writes its exchange tables in ./control of the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Processes of the worker; empty: one per CPU core (Celery's default).
CELERY_WORKER_CONCURRENCY = int(os.environ["CELERY_CONCURRENCY"]) if os.environ.get("CELERY_CONCURRENCY") else None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat only triggers scans; what is due lives in the database (core.TacheDifferee and
# relances.Relance rows), so that nothing is lost when Redis restarts.
# The worker's heartbeat (core.tasks.heartbeat): `/sante/` answers 503 when the last one is older
# than TSF_HEARTBEAT_MAX_AGE_SECONDS (no worker consumes the queue, or beat is stopped).
TSF_HEARTBEAT_SECONDS = float(os.environ.get("TSF_HEARTBEAT_SECONDS", "15"))
TSF_HEARTBEAT_MAX_AGE_SECONDS = float(os.environ.get("TSF_HEARTBEAT_MAX_AGE_SECONDS", str(4 * TSF_HEARTBEAT_SECONDS)))
CELERY_BEAT_SCHEDULE = {
    "battement-worker": {"task": "core.tasks.heartbeat", "schedule": TSF_HEARTBEAT_SECONDS},
    "taches-differees": {"task": "core.tasks.dispatch_jobs", "schedule": 30.0},
    "scan-relances": {"task": "relances.tasks.scan_due_relances", "schedule": 60.0},
    "plan-relances": {"task": "relances.tasks.plan_relances", "schedule": 15 * 60.0},
    "retention-donnees": {"task": "plateforme.tasks.apply_retention", "schedule": 24 * 3600.0},
    # The coordination menu's count of the work queue (plateforme/a_traiter.py), read from the cache by every page.
    "compte-a-traiter": {"task": "plateforme.tasks.count_a_traiter", "schedule": 60.0},
    # Nightly backup (database dump + every stored file + manifest), see core/sauvegarde.py.
    "sauvegarde-nocturne": {
        "task": "core.tasks.backup_nightly",
        "schedule": crontab(hour=int(os.environ.get("TSF_BACKUP_HOUR", "2")), minute=30),
    },
    # Every night, the invariants of core/invariants.py are checked on the data (alert by e-mail).
    "verifier-coherence": {"task": "core.tasks.verifier_coherence", "schedule": crontab(hour=3, minute=30)},
}
# Backups: archives written in this folder (put it on another disk or sync it off-site); the
# nightly task keeps the newest TSF_BACKUP_KEEP archives.
TSF_BACKUP_DIR = Path(os.environ.get("TSF_BACKUP_DIR", VAR_DIR / "sauvegardes"))
TSF_BACKUP_KEEP = int(os.environ.get("TSF_BACKUP_KEEP", "14"))
# A reminder claimed by a worker that died is claimable again after this delay (see relances/services.py).
RELANCES_RECLAIM_AFTER_SECONDS = int(os.environ.get("RELANCES_RECLAIM_AFTER_SECONDS", "600"))
# Validity of the signed link to a questionnaire sent by e-mail (no login needed).
EVALUATION_LIEN_JOURS = int(os.environ.get("EVALUATION_LIEN_JOURS", "45"))

# --- Forms and pages --------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline script or style, nothing from another site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Shared cache (allauth's rate limits and used TOTP codes): Redis in production, in-process memory
# by default. A Redis outage does not stop logins: core.cache falls back to this process's memory
# with a logged warning (short timeouts, so that a stopped server costs at most a second per try).
# Sessions are in the database, never only in the cache: a cache outage keeps everyone logged in.
# With several web nodes CACHE_URL is required, or each node counts alone.
_CACHE_OPTIONS = {
    "socket_connect_timeout": float(os.environ.get("CACHE_CONNECT_TIMEOUT", "1")),
    "socket_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "1")),
    "retry_after": float(os.environ.get("CACHE_RETRY_AFTER", "10")),
}
# The calendar feeds' bodies (accompagnements/calendar.py flux_corps, up to ~170 KB each, one per
# subscriber) have a cache of their own: in the default one, bounded in memory (LocMemCache culls at
# MAX_ENTRIES), they would push out the rate-limit counters and used TOTP codes, a security control.
# In memory: at most FLUX_CACHE_MAX_ENTRIES bodies per process. On Redis: FLUX_CACHE_URL (another db
# number, or another server with its own maxmemory) or else CACHE_URL, under the key prefix "flux".
FLUX_CACHE_URL = os.environ.get("FLUX_CACHE_URL") or os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": os.environ["CACHE_URL"], "OPTIONS": _CACHE_OPTIONS}
    if os.environ.get("CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "flux": {
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": FLUX_CACHE_URL,
        "KEY_PREFIX": "flux",
        "OPTIONS": _CACHE_OPTIONS,
    }
    if FLUX_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tsf-flux",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("FLUX_CACHE_MAX_ENTRIES", "50"))},
    },
}
# The db store with its read on every page in plain SQL (core/sessions.py).
SESSION_ENGINE = "core.sessions"

# Logs: one JSON object per line on stderr (journald, or any collector), with the request id
# (core/logs.py); LOG_FORMAT=text for readable lines. The worker and beat use the same (tsf/celery.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

# Errors to Sentry (or GlitchTip) when SENTRY_DSN is set, without personal data (core/sentry.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# --- Health (plateforme/health.py) -------------------------------------------------------------
# `/sante/` (load balancers: 200 or 503, nothing personal) is served over plain HTTP too, so that
# a check from inside the network is not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# A reminder still waiting this long after its due date counts as late on the status page.
TSF_RELANCES_RETARD_MINUTES = int(os.environ.get("TSF_RELANCES_RETARD_MINUTES", "15"))

# --- Personal data (RGPD) ----------------------------------------------------------------
# Retention periods in months, after which plateforme/retention.py anonymises (beat, daily).
TSF_RETENTION = {
    "brouillon_mois": int(os.environ.get("TSF_RETENTION_BROUILLON_MOIS", "12")),
    "sans_suite_mois": int(os.environ.get("TSF_RETENTION_SANS_SUITE_MOIS", "24")),
    "accompagnee_mois": int(os.environ.get("TSF_RETENTION_ACCOMPAGNEE_MOIS", "60")),
    "compte_inactif_mois": int(os.environ.get("TSF_RETENTION_COMPTE_INACTIF_MOIS", "36")),
    "journal_acces_mois": int(os.environ.get("TSF_RETENTION_JOURNAL_ACCES_MOIS", "12")),
    # Finished background jobs (their arguments hold the texts of the e-mails sent).
    "taches_mois": int(os.environ.get("TSF_RETENTION_TACHES_MOIS", "1")),
}

# --- The programme ----------------------------------------------------------------------
# The rules of a programme (envelope, daily rate, half-day limits…) are data on the
# Programme model; only the pilot structure's identity is a deployment setting.
# The RGAA 4.1 self-audit grid the accessibility statement takes its rate from (core/rgaa.py).
TSF_RGAA_GRID = BASE_DIR / "docs" / "accessibilite" / "grille-rgaa.csv"

TSF_PILOT = {
    "name": os.environ.get("TSF_PILOT_NAME", "GE OPEP (structure pilote)"),
    "address": os.environ.get("TSF_PILOT_ADDRESS", "1 rue de l'Exemple, 31000 Toulouse"),
    "representative": os.environ.get("TSF_PILOT_REPRESENTATIVE", "Camille Exemple, directrice"),
    "email": os.environ.get("TSF_PILOT_EMAIL", "coordination@tsf-occitanie.example"),
    "logo": os.environ.get("TSF_PILOT_LOGO", "img/logo-pilote.svg"),
}

# --- Bounded pages and feeds (issue 14) ----------------------------------------------------
# No list page shows more rows than this, whatever the list's own page size.
TSF_PAGE_SIZE_MAX = int(os.environ.get("TSF_PAGE_SIZE_MAX", "100"))
# Calendar feeds carry the sessions from this many days ago to this many days ahead.
TSF_ICS_PAST_DAYS = int(os.environ.get("TSF_ICS_PAST_DAYS", "90"))
TSF_ICS_FUTURE_DAYS = int(os.environ.get("TSF_ICS_FUTURE_DAYS", "365"))
# …and never more than this many sessions (the coordination's feed holds every session of the window).
TSF_ICS_MAX_EVENTS = int(os.environ.get("TSF_ICS_MAX_EVENTS", "400"))
# Availability slots: the pages show those of the coming weeks; a recurring publication spans at most
# this many weeks.
TSF_CRENEAUX_SEMAINES = int(os.environ.get("TSF_CRENEAUX_SEMAINES", "12"))
TSF_CRENEAUX_RECURRENCE_MAX = int(os.environ.get("TSF_CRENEAUX_RECURRENCE_MAX", "26"))
