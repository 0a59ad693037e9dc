"""System checks that refuse to start with broken cryptography or unsafe production settings.

* ``dangjian.E001``: the SM4/SM3 known-answer self-test, in every environment.
* ``dangjian.E010``–``E025``: with ``DANGJIAN_ENV=production``, every setting that keeps
  personal data safe in transit and in the browser, and a field key that comes from the
  environment or an operator's key file. These are errors, not warnings: ``runserver``,
  ``migrate`` and ``check`` stop on them, and the WSGI application refuses to load with them
  or with active demo accounts or superusers (:func:`refuse_unsafe_production_start`); the
  deployment still runs ``dangjian check --deploy --fail-level WARNING`` before starting it.
* The SQLite database file is kept readable by its owner only (:func:`tighten_sqlite_file`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from dangjian.core import crypto

CSP_MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
UNSAFE_SCRIPT_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


@register(Tags.security)
def crypto_self_test(app_configs, **kwargs):
    return [
        Error(
            f"Cryptographic self-test failed: {failure}",
            hint="Install a cryptography/OpenSSL build with SM3 and SM4 (GCM) support.",
            id="dangjian.E001",
        )
        for failure in crypto.self_test()
    ]


@register(Tags.security)
def spreadsheets_parsed_with_defusedxml(app_configs, **kwargs):
    """Uploaded .xlsx files are parsed by openpyxl through defusedxml (entity declarations refused), never
    through lxml, which openpyxl prefers when it is installed (dangjian/__init__.py turns that off)."""
    from openpyxl.xml import DEFUSEDXML, LXML

    if DEFUSEDXML and not LXML:
        return []
    return [
        Error(
            "openpyxl does not parse uploads with defusedxml (lxml in use, or defusedxml missing).",
            hint="Import dangjian before openpyxl (it sets OPENPYXL_LXML=False) and install defusedxml.",
            id="dangjian.E020",
        )
    ]


def _script_sources(policy: dict) -> list[str] | None:
    for directive in ("script-src", "default-src"):
        if directive in policy:
            return [str(v) for v in policy[directive]]
    return None


def csp_problems(policy) -> list[str]:
    """What is wrong with a SECURE_CSP policy for this application (empty when it is good)."""
    if not policy:
        return ["no content security policy (SECURE_CSP) is set"]
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        return [f"{CSP_MIDDLEWARE} is not in MIDDLEWARE, so SECURE_CSP is never sent"]
    problems = []
    scripts = _script_sources(policy)
    if scripts is None:
        problems.append("the policy has neither script-src nor default-src")
    else:
        problems.extend(f"script sources allow {v}" for v in scripts if v in UNSAFE_SCRIPT_SOURCES)
    if "'none'" not in [str(v) for v in policy.get("object-src", [])]:
        problems.append("object-src is not 'none'")
    if not policy.get("frame-ancestors"):
        problems.append("frame-ancestors is not set")
    return problems


def _field_key_problem() -> str | None:
    if settings.FIELD_KEY:
        source = None
    else:
        path = Path(settings.FIELD_KEY_FILE)
        if path.resolve().parent == Path(settings.VAR_DIR).resolve():
            return (
                f"the key file {path} lies in the application's data directory, where development creates its "
                "own key; set DANGJIAN_FIELD_KEY, or DANGJIAN_FIELD_KEY_FILE to a file outside it"
            )
        if not path.is_file():
            return f"the field key file {path} does not exist"
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return f"the field key file {path} is readable by others (chmod 600)"
        source = path
    try:
        crypto.keyring.cache_clear()
        crypto.keyring()
    except (ImproperlyConfigured, ValueError) as exc:
        return f"the field key ring is not usable ({exc}){f' in {source}' if source else ''}"
    return None


@register(Tags.security)
def production_settings(app_configs, **kwargs):
    """In production, refuse to start unless the settings protect personal data."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []

    def need(ok: bool, message: str, code: int, hint: str | None = None) -> None:
        if not ok:
            errors.append(Error(message, hint=hint, id=f"dangjian.E{code:03d}"))

    need(not settings.DEBUG, "DEBUG must be off in production.", 10, "Unset DANGJIAN_DEBUG.")
    need(
        settings.SECRET_KEY != settings.DEV_SECRET_KEY and len(set(settings.SECRET_KEY)) >= 5,
        "SECRET_KEY is the development key.",
        11,
        "Set DANGJIAN_SECRET_KEY to 50 or more random characters.",
    )
    need(len(settings.SECRET_KEY) >= 50, "SECRET_KEY is shorter than 50 characters.", 12)
    need(settings.SESSION_COOKIE_SECURE, "SESSION_COOKIE_SECURE must be on (HTTPS-only session cookie).", 13)
    need(settings.CSRF_COOKIE_SECURE, "CSRF_COOKIE_SECURE must be on (HTTPS-only CSRF cookie).", 14)
    need(settings.SESSION_COOKIE_HTTPONLY, "SESSION_COOKIE_HTTPONLY must be on.", 15)
    need(
        getattr(settings, "SECURE_HSTS_SECONDS", 0) >= 31536000,
        "HSTS must be on for at least a year (SECURE_HSTS_SECONDS).",
        16,
    )
    need(
        getattr(settings, "SECURE_SSL_REDIRECT", False) or getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
        "Neither SECURE_SSL_REDIRECT nor SECURE_PROXY_SSL_HEADER is set: requests could arrive over plain HTTP.",
        17,
        "Redirect to HTTPS, or terminate TLS at the gateway and set the documented X-Forwarded-Proto header.",
    )
    need(settings.X_FRAME_OPTIONS == "DENY", "X_FRAME_OPTIONS must be DENY.", 18)
    need(
        "django.middleware.clickjacking.XFrameOptionsMiddleware" in settings.MIDDLEWARE,
        "XFrameOptionsMiddleware is missing.",
        18,
    )
    need(settings.SECURE_CONTENT_TYPE_NOSNIFF, "SECURE_CONTENT_TYPE_NOSNIFF must be on.", 19)
    need(
        "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE,
        "SecurityMiddleware is missing.",
        19,
    )
    need(
        bool(settings.SECURE_REFERRER_POLICY) and "unsafe-url" not in str(settings.SECURE_REFERRER_POLICY),
        "A restrictive Referrer-Policy (SECURE_REFERRER_POLICY) is required.",
        20,
    )
    for problem in csp_problems(getattr(settings, "SECURE_CSP", None)):
        errors.append(Error(f"Content security policy: {problem}.", id="dangjian.E021"))
    problem = _field_key_problem()
    need(
        problem is None,
        f"Field encryption key: {problem}.",
        22,
        "Set DANGJIAN_FIELD_KEY or DANGJIAN_FIELD_KEY_FILE (mode 600) to a ring made with `dangjian keys new`.",
    )
    need("*" not in settings.ALLOWED_HOSTS, "ALLOWED_HOSTS must name the hosts, not '*'.", 23)
    need(
        getattr(settings, "API_DOCS_LOGIN_REQUIRED", False),
        "The API's schema and docs page must require a login in production (API_DOCS_LOGIN_REQUIRED).",
        25,
        "Unset DANGJIAN_API_DOCS_LOGIN_REQUIRED.",
    )
    need(
        getattr(settings, "OTP_ENFORCED", False),
        "Two-factor authentication must be enforced in production (OTP_ENFORCED).",
        24,
        "Unset DANGJIAN_OTP_ENFORCED; administrators and root organizers then need a TOTP device.",
    )
    return errors


def refuse_unsafe_production_start(database: str = "default") -> None:
    """In production, raise ImproperlyConfigured instead of serving while a security check fails.

    Called by the WSGI application as it loads (gunicorn, uWSGI, ``runserver``) and by
    ``dangjian runserver`` before anything else: the checks tagged ``security`` or ``database``,
    with the database — the production settings above, and accounts.E001/E002 (active demo or
    default accounts, active superusers: one query). A server does not run the system checks by
    itself, so without this it would serve with the demo's well-known passwords active.
    """
    if not getattr(settings, "PRODUCTION", False):
        return
    from django.db import connections

    try:
        found = run_checks(tags=[Tags.security, Tags.database], databases=[database])
    finally:
        if not connections[database].in_atomic_block:
            connections[database].close()  # a pre-forking server must not hand its connection to workers
    serious = [m for m in found if m.is_serious() and not m.is_silenced()]
    if serious:
        problems = " ".join(f"[{m.id}] {m.msg}{f' ({m.hint})' if m.hint else ''}" for m in serious)
        raise ImproperlyConfigured(f"Refusing to serve in production: {problems}")


SQLITE_SIBLINGS = ("", "-wal", "-shm", "-journal")


@receiver(connection_created)
def tighten_sqlite_file(sender, connection, **kwargs) -> None:
    """Make the SQLite database file and its siblings readable by the owner only (as the key file).

    settings creates the file 0600 before the first connection, and SQLite gives the -wal, -shm and
    -journal files the database file's mode; this covers a file made before that, or replaced since
    (a restore, a fresh test database). One ``stat`` a file per new connection.
    """
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    mode = getattr(settings, "SQLITE_FILE_MODE", 0o600)
    for suffix in SQLITE_SIBLINGS:
        try:
            if os.stat(name + suffix).st_mode & 0o777 & ~mode:
                os.chmod(name + suffix, mode)
        except FileNotFoundError:
            continue
