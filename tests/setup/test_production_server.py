"""The production server: ``dangjian serve`` (gunicorn, deploy/gunicorn.conf.py) with
``DANGJIAN_ENV=production`` on a private PostgreSQL database, walked over HTTP as a browser would:
the login page, its CSRF token, a login, a page, and a static file under its hashed name."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.support.databases import private_postgres_database

pytestmark = pytest.mark.slow

DATABASE_URL = os.environ.get("DATABASE_URL", "")
DANGJIAN = str(Path(sys.executable).with_name("dangjian"))
PASSWORD = "Zhibu-Shuji-2026!"

CREATE_USER = f"""
from dangjian.accounts.services import role_grant
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.organizations.services import organization_create
root = organization_create(actor=None, parent=None,
                           data={{"code": "PS", "name": "测试区委", "level": "committee", "sector": "agency"}})
branch = organization_create(actor=None, parent=root,
                             data={{"code": "PS-01", "name": "测试党支部", "level": "branch", "sector": "agency"}})
user = User(username="zhibu", full_name="王支书", must_change_password=False)
user.set_password({PASSWORD!r})
user.save()
role_grant(actor=None, user=user, role=Role.SECRETARY, org=branch)  # no second factor for a branch secretary
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_database():
    """A PostgreSQL database of this test's own, dropped afterwards (never the suite's)."""
    with private_postgres_database("serve") as url:
        yield url


class Browser:
    """Just enough of a browser over http.client: cookies, and the headers the proxy would add."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        connection.close()
        return response, content


@pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="production runs on PostgreSQL only (docs/deploy.md); set DATABASE_URL=postgres://… to run this test",
)
def test_the_production_server_serves_login_a_page_and_hashed_static_files(private_database, tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    secrets_dir = tmp_path / "etc"  # the key files live outside the data directory (core.checks)
    secrets_dir.mkdir(mode=0o700)
    key_file = secrets_dir / "field.key"
    key_file.write_text(f"1:{secrets.token_hex(16)}\nindex:{secrets.token_hex(16)}\n")
    key_file.chmod(0o600)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")},
        "DATABASE_URL": private_database,
        "DANGJIAN_ENV": "production",
        "DANGJIAN_SECRET_KEY": secrets.token_urlsafe(50),
        "DANGJIAN_ALLOWED_HOSTS": "127.0.0.1",
        "DANGJIAN_VAR": str(var),
        "DANGJIAN_FIELD_KEY_FILE": str(key_file),
        "DANGJIAN_AUDIT_CHECKPOINT_KEY_FILE": str(secrets_dir / "audit-checkpoint.key"),
        "DANGJIAN_TRUSTED_PROXIES": "1",
        "DANGJIAN_BIND": f"127.0.0.1:{port}",
        "DANGJIAN_WORKERS": "2",
    }
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([DANGJIAN, *command], env=env, check=True, timeout=600)  # noqa: S603
    subprocess.run([DANGJIAN, "shell", "-c", CREATE_USER], env=env, check=True, timeout=120)  # noqa: S603

    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([DANGJIAN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        browser = Browser(port)
        for _attempt in range(600):  # bounded: until the workers answer, or the server has exited
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                response, page = browser.request("GET", "/login/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server never answered:\n" + (tmp_path / "server.log").read_text())
        assert response.status == 200
        html = page.decode()
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

        # Static files: the page links them under content-hashed names, served with a year's caching.
        stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html).group(1)
        response, css = browser.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200 and len(css) > 0
        assert "max-age=315360000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]

        referer = f"https://127.0.0.1:{port}/login/"
        response, _body = browser.request(
            "POST",
            "/login/",
            body=f"csrfmiddlewaretoken={token}&username=zhibu&password={PASSWORD}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": referer},
        )
        assert response.status == 302, _body.decode()[:2000]
        assert response.headers["Location"] == "/"
        assert re.search(r"sessionid=[^;]+;.*Secure", " ".join(response.headers.get_all("Set-Cookie")), re.I)
        response, home = browser.request("GET", "/")
        assert response.status == 200
        assert "王支书" in home.decode() or "测试党支部" in home.decode()
        response, _body = browser.request("GET", "/orglife/")  # the secretary's branch: redirected to it
        assert response.status == 302 and response.headers["Location"].startswith("/orglife/")
        response, branch_page = browser.request("GET", response.headers["Location"])
        assert response.status == 200 and "测试党支部" in branch_page.decode()
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    access = (tmp_path / "server.log").read_text()
    assert '"GET /login/ HTTP/1.1" 200' in access and "203.0.113.9" in access
