"""``dangjian serve`` and deploy/gunicorn.conf.py, without starting a server: what they refuse and
what the configuration trusts. (The server itself: test_production_server.py, on PostgreSQL.)"""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from dangjian import cli

DANGJIAN = str(Path(sys.executable).with_name("dangjian"))


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("DANGJIAN_TRUSTED_PROXIES", "DANGJIAN_PROXY_IPS", "DANGJIAN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(cli.gunicorn_config()))


def test_the_repository_holds_the_gunicorn_configuration_serve_uses():
    assert cli.gunicorn_config() == Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
    assert cli.gunicorn_config().is_file()


def test_forwarded_headers_are_believed_only_from_the_trusted_proxies(monkeypatch):
    assert gunicorn_settings(monkeypatch)["forwarded_allow_ips"] == ""
    behind_nginx = gunicorn_settings(monkeypatch, DANGJIAN_TRUSTED_PROXIES="1")
    assert behind_nginx["forwarded_allow_ips"] == "127.0.0.1,::1"
    named = gunicorn_settings(monkeypatch, DANGJIAN_TRUSTED_PROXIES="2", DANGJIAN_PROXY_IPS="10.0.0.5")
    assert named["forwarded_allow_ips"] == "10.0.0.5"


def test_workers_follow_the_cores_and_the_log_keeps_no_query_string(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["workers"] == min(2 * os.cpu_count() + 1, 17)
    assert gunicorn_settings(monkeypatch, DANGJIAN_WORKERS="3")["workers"] == 3
    assert conf["preload_app"] is True and conf["wsgi_app"] == "dangjian.wsgi:application"
    assert "%(U)s" in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]


def run_serve(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_") and k != "DATABASE_URL"}
    var = tmp_path / "var"
    return subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [DANGJIAN, "serve"],
        env={**clean, "DANGJIAN_VAR": str(var), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_serve_refuses_unsafe_production_settings_before_binding(tmp_path):
    result = run_serve(tmp_path, DANGJIAN_ENV="production")
    assert result.returncode == 2
    assert "Refusing to serve in production" in result.stderr and "dangjian.E011" in result.stderr


@pytest.mark.slow
def test_serve_refuses_without_collected_static_files(tmp_path):
    keys = tmp_path / "etc"
    keys.mkdir(mode=0o700)
    (keys / "field.key").write_text(f"1:{secrets.token_hex(16)}\nindex:{secrets.token_hex(16)}\n")
    (keys / "field.key").chmod(0o600)
    result = run_serve(
        tmp_path,
        DANGJIAN_ENV="production",
        DANGJIAN_SECRET_KEY=secrets.token_urlsafe(50),
        DANGJIAN_ALLOWED_HOSTS="dangjian.example.cn",
        DANGJIAN_FIELD_KEY_FILE=str(keys / "field.key"),
    )
    assert result.returncode == 2, result.stderr
    assert "run `dangjian collectstatic --noinput` first" in result.stderr
