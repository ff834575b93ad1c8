"""Settings, headers and the health check: the security baseline."""

import copy
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from plumbline.settings import env_bool

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "plumbline.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestEnvBool:
    @pytest.mark.parametrize("raw", ["true", "True", "1", "yes", "on"])
    def test_yes(self, raw, monkeypatch):
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", False) is True

    @pytest.mark.parametrize("raw", ["false", "0", "no", "off"])
    def test_no(self, raw, monkeypatch):
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", True) is False

    @pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y e s"])
    def test_anything_else_is_an_error(self, raw, monkeypatch):
        monkeypatch.setenv("X_FLAG", raw)
        with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
            env_bool("X_FLAG", False)

    def test_unset_uses_default(self, monkeypatch):
        monkeypatch.delenv("X_FLAG", raising=False)
        assert env_bool("X_FLAG", True) is True


class TestProductionSettings:
    def test_check_deploy_passes(self):
        result = run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            DJANGO_SECRET_KEY="a" * 20 + "-production-like-secret-key-with-enough-entropy-9f8e7d",
            DJANGO_ALLOWED_HOSTS="plumbline.example.com",
        )
        assert result.returncode == 0, result.stderr + result.stdout

    def test_refuses_to_start_without_a_secret_key(self):
        result = run_manage("check")
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY is not set" in result.stderr

    def test_a_bad_debug_value_is_an_error(self):
        result = run_manage("check", DJANGO_SECRET_KEY="x", DJANGO_DEBUG="maybe")
        assert result.returncode != 0
        assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr

    def test_debug_is_off_by_default(self):
        result = run_manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.DEBUG)",
            DJANGO_SECRET_KEY="x",
        )
        assert result.stdout.strip() == "False", result.stderr


@pytest.mark.django_db
class TestContentSecurityPolicy:
    @pytest.mark.parametrize("path", ["/", "/people/", "/accounts/password_change/"])
    def test_pages_carry_the_policy(self, client_for, cast, path):
        response = client_for(cast.admin).get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "object-src 'none'" in policy
        assert "base-uri 'none'" in policy
        assert "frame-ancestors 'none'" in policy

    def test_login_and_error_pages_carry_it_too(self, client, client_for, cast):
        assert "Content-Security-Policy" in client.get("/accounts/login/")
        assert "Content-Security-Policy" in client_for(cast.rep).get("/people/")  # a 403
        assert "Content-Security-Policy" in client_for(cast.admin).get("/people/999999/")
        assert "Content-Security-Policy" in client_for(cast.admin).get("/people/?q=%00")  # 400

    def test_every_script_carries_the_nonce(self, client_for, cast):
        response = client_for(cast.admin).get("/")
        policy = response["Content-Security-Policy"]
        nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
        html = response.content.decode()
        scripts = html.count("<script")
        assert scripts >= 2
        assert html.count(f'nonce="{nonce}"') >= scripts
        assert "<style" not in html and " style=" not in html


@pytest.mark.django_db
class TestHealthz:
    def test_it_works(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "worker": "never seen"}

    def test_database_down_gives_503(self, client):
        # A real connection attempt to a database that is not there.
        broken = copy.deepcopy(connections.settings["default"])
        if connections["default"].vendor == "sqlite":
            broken["NAME"] = "/nonexistent-directory/plumbline.sqlite3"
        else:
            broken.update(HOST="127.0.0.1", PORT="1")
        with mock.patch.dict(connections.settings, {"default": broken}):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "error", "worker": "unknown"}
