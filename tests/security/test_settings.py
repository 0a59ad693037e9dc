"""Production settings (等保 8.1.4.1c, ASVS V3/V16): `check --deploy` clean, refusals, headers, error pages."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import path

from dangjian.core import checks
from tests.security.scratch import DANGJIAN, REPO, ring_string

TEMPLATES = Path(django_settings.BASE_DIR)


def production_env(tmp_path, **overrides):
    key_file = tmp_path / "keys" / "field.key"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text(ring_string().replace(",", "\n") + "\n")
    key_file.chmod(0o600)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DANGJIAN_ENV": "production",
        "DANGJIAN_SECRET_KEY": secrets.token_urlsafe(50),
        "DANGJIAN_ALLOWED_HOSTS": "dangjian.example.cn",
        "DANGJIAN_FIELD_KEY_FILE": str(key_file),
        "DANGJIAN_VAR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def deploy_check(env):
    return subprocess.run(  # noqa: S603 - our own console script
        [DANGJIAN, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path):
    result = deploy_check(production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DANGJIAN_SECRET_KEY": None}, "dangjian.E011"),  # the development secret key
        ({"DANGJIAN_SECRET_KEY": "short"}, "dangjian.E012"),
        ({"DANGJIAN_DEBUG": "1"}, "dangjian.E010"),
        ({"DANGJIAN_FIELD_KEY_FILE": None}, "dangjian.E022"),  # the auto-created development key file
        ({"DANGJIAN_ALLOWED_HOSTS": None}, "security.W020"),
        ({"DANGJIAN_API_DOCS_LOGIN_REQUIRED": "0"}, "dangjian.E025"),  # a public OpenAPI document
    ],
)
def test_production_refuses_to_start_without_its_settings(tmp_path, overrides, expected):
    result = deploy_check(production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert expected in result.stderr


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    env = production_env(tmp_path)
    Path(env["DANGJIAN_FIELD_KEY_FILE"]).chmod(0o644)
    result = deploy_check(env)
    assert result.returncode != 0 and "readable by others" in result.stderr


def test_the_production_check_names_every_missing_protection(settings):
    settings.PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False
    settings.SECURE_REFERRER_POLICY = None
    settings.SECURE_CSP = {}
    ids = {e.id for e in checks.production_settings(None)}
    assert {f"dangjian.E{n:03d}" for n in (10, 11, 13, 14, 16, 17, 18, 19, 20, 21)} <= ids


def test_development_is_not_held_to_production_rules(settings):
    settings.PRODUCTION = False
    assert checks.production_settings(None) == []


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ({"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]}, "'unsafe-inline'"),
        ({"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-eval'"]}, "'unsafe-eval'"),
        ({"default-src": ["*"]}, "allow *"),
        ({"style-src": ["'self'"]}, "neither script-src nor default-src"),
    ],
)
def test_a_weak_content_security_policy_is_refused(policy, problem):
    assert any(problem in p for p in checks.csp_problems(policy))


def test_the_configured_policy_is_strict():
    assert checks.csp_problems(django_settings.SECURE_CSP) == []
    scripts = django_settings.SECURE_CSP["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts


def inline_handler_hashes() -> set[str]:
    """The CSP hash of every inline event handler (onclick=…) in the project's templates."""
    found = set()
    for template in TEMPLATES.rglob("templates/**/*.html"):
        for match in re.finditer(r'\son[a-z]+="([^"]*)"', template.read_text(encoding="utf-8")):
            digest = hashlib.sha256(html.unescape(match.group(1)).encode()).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return found


def test_every_inline_handler_is_admitted_by_its_hash_and_no_stale_hash_remains():
    """A new or edited onclick would be blocked by the policy: move it to a static script instead."""
    assert inline_handler_hashes() == set(django_settings.CSP_INLINE_HANDLER_HASHES)


def test_no_template_has_an_inline_script():
    for template in TEMPLATES.rglob("templates/**/*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(encoding="utf-8")):
            assert "src=" in tag or 'type="application/json"' in tag, f"inline <script> in {template}"


def test_pages_carry_the_security_headers(world, client_for):
    response = client_for(world.secretary).get("/members/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def boom(request):
    raise RuntimeError("secret detail 410102198005170011 in a traceback")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls("tests.security.test_settings")
def test_a_server_error_shows_the_generic_page_without_a_traceback(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统暂时出现问题" in body
    for leak in ("Traceback", "RuntimeError", "410102198005170011", "secret detail", "File &quot;"):
        assert leak not in body
