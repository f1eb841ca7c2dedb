"""Production settings pass `check --deploy`; health endpoints answer as probes expect."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection

ROOT = Path(__file__).resolve().parents[2]


def run_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kubeprep.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    environment.pop("DEBUG", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, check=False)  # fmt: skip


@pytest.mark.slow
def test_check_deploy_has_no_warnings():
    result = run_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow
def test_production_settings():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], 'conn': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'], 'storage': s.STORAGES['staticfiles']['BACKEND'],"
        "'cache': s.CACHES['default']['BACKEND'], 'session': s.SESSION_ENGINE,"
        "'mw': 'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE}))"
    )
    result = run_production("-c", code, DJANGO_SETTINGS_MODULE="studyapp.settings",
                            REDIS_URL="redis://127.0.0.1:6379/0")  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "debug": False, "hsts": 31536000, "ssl": True, "cookies": [True, True], "conn": 60,
        "checks": True, "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "cache": "studyapp.core.cache.RedisCache",
        "session": "django.contrib.sessions.backends.cached_db", "mw": True,
    }  # fmt: skip


def test_production_refuses_to_start_without_a_secret_key():
    result = run_production("manage.py", "check", SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_json_logs_in_production():
    code = "import django, logging; django.setup(); logging.getLogger('kubeprep').warning('hello %s', 'there')"
    result = run_production("-c", code, DJANGO_SETTINGS_MODULE="studyapp.settings")
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["level"] == "WARNING" and record["message"] == "hello there"


@pytest.mark.django_db
def test_healthz_answers_without_a_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database(client, monkeypatch):
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}

    def broken():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER 10001" in dockerfile and dockerfile.count("FROM ") == 2


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_normal_sync_foreign_keys_and_a_busy_timeout(tmp_path):
    """A file database opened with the project's SQLite options, as `make run` opens db.sqlite3."""
    from django.conf import settings as django_settings
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "db.sqlite3"),
            "OPTIONS": dict(django_settings.SQLITE_OPTIONS),
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },  # fmt: skip
        alias="wal-check",
    )
    try:
        with wrapper.cursor() as cursor:
            pragmas = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        wrapper.close()
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                       "busy_timeout": 20_000}  # fmt: skip
