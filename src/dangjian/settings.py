"""Settings for Dangjian, driven by environment variables.

Production differs from development only by environment, never by code paths:
set ``DANGJIAN_ENV=production`` and the required secrets, and the checks in
``core.checks`` refuse to start without them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("DANGJIAN_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite, the development key file and temporary uploads live here


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


ENVIRONMENT = env_str("DANGJIAN_ENV", "development")
# API requests per user (or per address) and window; empty switches the limit off (core.api.UserRateLimit).
API_RATE_LIMIT = env_str("DANGJIAN_API_RATE_LIMIT", "1200/m")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DANGJIAN_DEBUG", default=not PRODUCTION)

# A development key is fine on a laptop; production refuses to start with it (core.checks).
DEV_SECRET_KEY = "dev-insecure-dangjian-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("DANGJIAN_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = [h for h in env_str("DANGJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",  # the background jobs' queue (TASKS below)
    "dangjian.core",
    "dangjian.organizations",
    "dangjian.members",
    "dangjian.posts",
    "dangjian.cadres",
    "dangjian.orglife",
    "dangjian.training",
    "dangjian.rectification",
    "dangjian.points",
    "dangjian.community",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dangjian.accounts",
    "dangjian.reports",
    "dangjian.dashboard",
    "dangjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangjian.core.middleware.LanguageMiddleware",  # Chinese unless the user chose otherwise
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "dangjian.accounts.middleware.AuthenticationPolicyMiddleware",  # session lifetime, 2FA, password change
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into the login page
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dangjian.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite in ./var by default; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}")
# Persistent connections in production (a WSGI server's worker threads live on). Not under
# ``runserver``: it starts a thread per request and never closes that thread's connection, so a kept
# connection stays open until the garbage collector finds it (PostgreSQL ran out of connections).
CONN_MAX_AGE = env_int("DANGJIAN_CONN_MAX_AGE", 60 if PRODUCTION else 0)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": env_str("DANGJIAN_TEST_SQLITE", "")} if env_str("DANGJIAN_TEST_SQLITE") else {}
    )
else:
    # PostgreSQL per connection (docs/deploy.md, "Database settings"): JIT off (it compiled for 600 ms on
    # every dashboard request, issue 15) and a work_mem at which the district dashboards' distinct counts
    # and subtree-year sorts stay in memory. Empty values leave the server's own setting.
    PG_JIT = env_str("DANGJIAN_PG_JIT", "off")
    PG_WORK_MEM = env_str("DANGJIAN_PG_WORK_MEM", "32MB")
    _pg_options = " ".join(
        f"-c {name}={value}" for name, value in (("jit", PG_JIT), ("work_mem", PG_WORK_MEM)) if value
    )
    if _pg_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = _pg_options
# A kept connection is checked before a request reuses it (a restarted database is survived).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DANGJIAN_CONN_HEALTH_CHECKS", CONN_MAX_AGE > 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (core.jobs): Django's tasks API. The default queue lives in the database (django-tasks-db:
# SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so `dangjian jobs worker` may run on any number of
# machines; on SQLite it serves `make run`). DANGJIAN_TASKS_BACKEND=immediate runs each job inside the
# request that queued it (no worker), or any dotted backend path. docs/deploy.md "The worker".
_TASKS_BACKEND = env_str("DANGJIAN_TASKS_BACKEND", "db")
TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }.get(_TASKS_BACKEND, _TASKS_BACKEND),
    }
}
# Where the scheduled backups are written (core.job_kinds.run_backup): a separate volume in production.
BACKUP_DIR = Path(env_str("DANGJIAN_BACKUP_DIR", str(VAR_DIR / "backups")))

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "dangjian.accounts.validators.PasswordComplexityValidator"},  # PASSWORD_MIN_LENGTH, _MIN_CLASSES
    {"NAME": "dangjian.accounts.validators.UsernameInPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "dangjian.accounts.validators.CommonPatternValidator"},  # Chinese lists, Admin@123, name in pinyin
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dangjian.accounts.validators.PasswordHistoryValidator"},  # PASSWORD_HISTORY; keeps the history
]
AUTHENTICATION_BACKENDS = [
    "dangjian.accounts.lockout.LockoutBackend",  # django-axes: refuses locked accounts and addresses first
    "django.contrib.auth.backends.ModelBackend",
]

# --- Authentication (身份鉴别, 等保 8.1.4.1): dangjian.accounts ---------------------------------
# Password policy: length and at least 3 of 4 character classes; not the username; not one of
# the last 5; changed every 90 days (0 = never), when every page leads to the change form.
PASSWORD_MIN_LENGTH = env_int("DANGJIAN_PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = env_int("DANGJIAN_PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY = env_int("DANGJIAN_PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = env_int("DANGJIAN_PASSWORD_MAX_AGE_DAYS", 90)
# Absolute session lifetime from the login, however active (the idle timeout is SESSION_COOKIE_AGE);
# the three administrators idle out sooner. 0 = no limit / the same as everyone.
SESSION_LIFETIME_SECONDS = env_int("DANGJIAN_SESSION_LIFETIME_SECONDS", 8 * 3600)
ADMIN_SESSION_IDLE_SECONDS = env_int("DANGJIAN_ADMIN_SESSION_IDLE_SECONDS", 15 * 60)
# Two-factor (TOTP, django-otp): required for these roles wherever held, and for the root roles at a
# root organization (depth 1), and for superusers. Anyone else may turn it on on their account page.
# Enforced in production (a deploy check refuses to start without it); optional in a development demo.
OTP_ENFORCED = env_bool("DANGJIAN_OTP_ENFORCED", PRODUCTION)
OTP_REQUIRED_ROLES = ["sysadmin", "secadmin", "auditor"]
OTP_REQUIRED_ROOT_ROLES = ["organizer"]
OTP_TOTP_ISSUER = env_str("DANGJIAN_OTP_ISSUER", "Dangjian")
# Lockout (django-axes): 5 failures within 30 minutes lock the username for the source address they
# came from (never the account for other addresses, nor the address for other accounts) for 30
# minutes. Failures while locked do not extend it. 20 failures within an hour across addresses alert
# the security administrator (an audit event and their lockouts page) rather than lock anything.
# Logins are audited by core, so axes keeps no access log of its own.
AXES_FAILURE_LIMIT = env_int("DANGJIAN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("DANGJIAN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "dangjian.core.context.client_address"
LOGIN_ALERT_FAILURES = env_int("DANGJIAN_LOGIN_ALERT_FAILURES", 20)
LOGIN_ALERT_MINUTES = env_int("DANGJIAN_LOGIN_ALERT_MINUTES", 60)
# The client's address (audit source, lockout): REMOTE_ADDR, or behind N reverse proxies the address
# the outermost of them saw, from X-Forwarded-For (core.context.client_address). Set it to the number
# of proxies that append to X-Forwarded-For in front of the app, and no more: 0 without a proxy.
TRUSTED_PROXIES = env_int("DANGJIAN_TRUSTED_PROXIES", 0)
# Where an activation code (a new account, a password reset) goes: a class of accounts.delivery, e.g.
# "dangjian.accounts.delivery.EmailChannel" or an SMS gateway of your own; empty: every code is
# released by the security administrator. The console channel (the log) is for development only.
ACTIVATION_CHANNEL = env_str(
    "DANGJIAN_ACTIVATION_CHANNEL", "" if PRODUCTION else "dangjian.accounts.delivery.ConsoleChannel"
)
AXES_DISABLE_ACCESS_LOG = True

SESSION_COOKIE_AGE = env_int("DANGJIAN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: every request extends the session
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DANGJIAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DANGJIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # --- Production security (checked by core.checks; `dangjian check --deploy --fail-level WARNING`) ---
    # Hosts must be named explicitly: no development defaults in production.
    ALLOWED_HOSTS = [h for h in env_str("DANGJIAN_ALLOWED_HOSTS").split(",") if h]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content security policy (Django's own, django.middleware.csp), the same in every environment.
# No 'unsafe-inline' or 'unsafe-eval' for scripts. 'unsafe-hashes' admits exactly one inline
# handler, the tree toggle's onclick in organizations/_nodes.html, by its SHA-256; it goes once that
# handler moves to a static script (tests/security/test_settings.py fails if the two disagree).
CSP_INLINE_HANDLER_HASHES = ["'sha256-h0QYWqIO4eUmWH97mhOS9BJgRIfzYHJZEBiEsTqnOZg='"]
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", *(["'unsafe-hashes'", *CSP_INLINE_HANDLER_HASHES] if CSP_INLINE_HANDLER_HASHES else [])],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # Bootstrap draws its icons as data: SVGs
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and the production server (deploy/gunicorn.conf.py, docs/deploy.md) ---------------
# whitenoise serves them from the application, right after SecurityMiddleware (so that the HTTPS
# redirect still comes first). In production `dangjian collectstatic` copies them into STATIC_ROOT
# under content-hashed names (app.3f2a9c.css) with gzip and Brotli copies; whitenoise gives those
# names a year's `Cache-Control: immutable`, and a new release gets new names. Development and the
# tests keep the plain storage: no collectstatic needed, files served from the apps' folders
# (whitenoise's finders; `runserver` serves them itself under DEBUG).
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DANGJIAN_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")  # fmt: skip
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "dangjian.core.staticfiles.StaticStorage"  # whitenoise, hashed and compressed
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Personal-data protection -------------------------------------------------
# SM4-GCM field key (32 hex chars = 128 bits) and SM3-HMAC blind-index key. In
# production both come from the environment or a key file outside the database.
FIELD_KEY_FILE = Path(env_str("DANGJIAN_FIELD_KEY_FILE", str(VAR_DIR / "field.key")))
FIELD_KEY = env_str("DANGJIAN_FIELD_KEY", "")
# Roles that see a national ID number unmasked (each reveal is logged).
FULL_ID_ROLES = {"organizer"}

# --- Audit chain checkpoints (dangjian.core.checkpoints) -------------------------------------------------
# Signed checkpoints (chain length, last event id, head hash, time) anchor the audit chain outside the
# database: an append-only file whose lines are chained by HMAC-SM3 under a key that is not in the
# database (hex, 32 bytes; from the environment or a 0600 key file created on first use).
# The file belongs to one database: by default var/audit-checkpoints-<database name>.log (core.checkpoints.path),
# so a restore drill into another database on the same host never touches production's checkpoints.
AUDIT_CHECKPOINT_FILE = env_str("DANGJIAN_AUDIT_CHECKPOINT_FILE", "")
AUDIT_CHECKPOINT_KEY = env_str("DANGJIAN_AUDIT_CHECKPOINT_KEY", "")
AUDIT_CHECKPOINT_KEY_FILE = Path(env_str("DANGJIAN_AUDIT_CHECKPOINT_KEY_FILE", str(VAR_DIR / "audit-checkpoint.key")))
# Where each signed line is also sent (dotted paths of sink classes, comma-separated), e.g.
# "dangjian.core.checkpoints.SyslogSink,dangjian.core.checkpoints.FileSink". A failing sink never fails the write.
AUDIT_CHECKPOINT_SINKS = [s.strip() for s in env_str("DANGJIAN_AUDIT_CHECKPOINT_SINKS", "").split(",") if s.strip()]
# SyslogSink: "/dev/log" (a Unix socket) or "host:port" (UDP); FileSink: a second append-only file.
AUDIT_CHECKPOINT_SYSLOG_ADDRESS = env_str("DANGJIAN_AUDIT_CHECKPOINT_SYSLOG", "/dev/log")
AUDIT_CHECKPOINT_MIRROR_FILE = env_str("DANGJIAN_AUDIT_CHECKPOINT_MIRROR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "dangjian": {"handlers": ["console"], "level": env_str("DANGJIAN_LOG_LEVEL", "INFO")},
    },
}

# --- Organizational life (dangjian.orglife) ---------------------------------------------------
# The outbound channel for reminders (a dotted path; the default writes them to the console log).
ORGLIFE_REMINDER_CHANNEL = env_str("DANGJIAN_REMINDER_CHANNEL", "dangjian.orglife.channels.LogChannel")
# Meeting attachments (photos, PDF): size limit per file and files per meeting.
ORGLIFE_ATTACHMENT_MAX_BYTES = env_int("DANGJIAN_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
ORGLIFE_ATTACHMENTS_PER_MEETING = env_int("DANGJIAN_ATTACHMENTS_PER_MEETING", 10)

# --- Uploads, the SQLite file and the API's schema (入侵防范, 数据保密性) -------------------------------
# What an uploaded .xlsx may cost, checked before parsing and counted while parsing
# (dangjian.core.excel.budget). Unset, each limit follows IMPORT_MAX_ROWS (per-row figures measured
# on a 40,000-member register, in budget.limits).
IMPORT_MAX_ROWS = env_int("DANGJIAN_IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_SHEET_BYTES = env_int("DANGJIAN_IMPORT_MAX_SHEET_BYTES", None)  # a worksheet's XML
IMPORT_MAX_PART_BYTES = env_int("DANGJIAN_IMPORT_MAX_PART_BYTES", None)  # any other XML part
IMPORT_MAX_SHARED_STRINGS = env_int("DANGJIAN_IMPORT_MAX_SHARED_STRINGS", None)
IMPORT_MAX_SHARED_STRINGS_BYTES = env_int("DANGJIAN_IMPORT_MAX_SHARED_STRINGS_BYTES", None)
IMPORT_MAX_SHEET_ROWS = env_int("DANGJIAN_IMPORT_MAX_SHEET_ROWS", None)  # blank rows included
IMPORT_MAX_COLUMNS = env_int("DANGJIAN_IMPORT_MAX_COLUMNS", None)
IMPORT_MAX_ROW_BYTES = env_int("DANGJIAN_IMPORT_MAX_ROW_BYTES", None)
IMPORT_PARSE_BUDGET = env_int("DANGJIAN_IMPORT_PARSE_BUDGET", None)  # shared-string elements + cells
# The OpenAPI document and its docs page need a signed-in session or a token (core api.py);
# development keeps them public for the tools that read the schema.
API_DOCS_LOGIN_REQUIRED = env_bool("DANGJIAN_API_DOCS_LOGIN_REQUIRED", PRODUCTION)
# The SQLite file (and the -wal/-shm files SQLite makes with its mode) readable by its owner only,
# as the key file: created 0600 here, before any connection; a file made looser (before this, or
# replaced since) is tightened when a connection opens it (core.checks.tighten_sqlite_file).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_FILE_MODE = 0o600
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name not in ("", ":memory:") and not _sqlite_name.startswith("file:"):
        if Path(_sqlite_name).parent.is_dir():
            os.close(os.open(_sqlite_name, os.O_CREAT | os.O_WRONLY, SQLITE_FILE_MODE))

# --- Lists ----------------------------------------------------------------------------------------------
# Rows per page of every list page (core.pages.page_of) and the API's default page size (at most 200).
PAGE_SIZE = min(max(env_int("DANGJIAN_PAGE_SIZE", 50), 1), 200)

# --- Read replica for reports (dangjian.core.dbrouter, docs/scale.md) ---------------------------------------
# DANGJIAN_REPLICA_URL=postgres://…: a streaming standby of the primary. The views below (URL names, or
# prefixes ending in "*"), on GET, read from it; writes, forms, sessions, roles and the audit chain stay
# on the primary, and so does every read of a request after its first write. Unset: one database.
REPLICA_URL = env_str("DANGJIAN_REPLICA_URL", "")
if REPLICA_URL:
    # The primary's options (connection lifetime, health checks, session settings) with the replica's address.
    _replica = dj_database_url.parse(REPLICA_URL)
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # the suite: its own test db
    DATABASES["replica"].update({k: _replica[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")})
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = _replica.get("OPTIONS", {})
DATABASE_ROUTERS = ["dangjian.core.dbrouter.ReplicaRouter"]
# Before django-axes, which stays last.
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "dangjian.core.dbrouter.ReportingMiddleware")
REPORT_VIEWS = [
    "home",  # the dashboards
    "orglife-compliance", "orglife-compliance-orgs",
    "points-distribution", "points-balances",
    "community-index", "community-table",
    "training-figures", "training-figure-sessions", "training-figure-attendance", "training-figure-persons",
    "org-warnings",
    "io-export-*",  # whole-subtree exports (streamed)
]  # fmt: skip
