"""The operator's view: `nexa` commands as a new user would run them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.database import drop_database, recreate_database, server_url


def all_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from nexa.core.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


APPLIED_ALL = f"Applied {len(all_revisions())} database migration(s): {', '.join(all_revisions())}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nexa_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {
            "NEXA_DATA_DIR": str(tmp_path / "data"),
            "ENVIRONMENT": "development",
            "ADMIN_DEFAULT_EMAIL": "boss@example.com",
            "ADMIN_DEFAULT_PASSWORD": "boss-password-1",
        }
    )
    env.update(extra)
    return env


def run_nexa(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nexa", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def empty_database() -> Iterator[str]:
    name = f"nexa_cli_{uuid.uuid4().hex[:8]}"
    yield recreate_database(server_url(), name)
    drop_database(server_url(), name)


def test_serve_on_an_empty_database_creates_schema_and_default_admin(
    empty_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = nexa_env(
        tmp_path, DATABASE_URL=empty_database.replace("postgresql://", "postgresql+psycopg2://")
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nexa",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--demo",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "server exited early"
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.3)
        login = httpx.post(
            f"{base}/admin/login", json={"email": "boss@example.com", "password": "boss-password-1"}
        )
        assert login.status_code == 200
        token = login.json()["access_token"]
        admins = httpx.get(f"{base}/admin/admins", headers={"Authorization": f"Bearer {token}"})
        assert [a["email"] for a in admins.json()] == ["boss@example.com"]
        assert httpx.get(f"{base}/ready").json()["database"] == "ok"
        # the in-process job worker registered itself with the queue
        with psycopg.connect(empty_database) as connection:
            deadline = time.monotonic() + 20
            while True:
                row = connection.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
                if row and row[0] >= 1:
                    break
                assert time.monotonic() < deadline, "no job worker registered"
                time.sleep(0.3)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert APPLIED_ALL in output
    assert "Created the default admin boss@example.com" in output
    assert "Loaded the demo catalogue" in output
    assert "boss-password-1" not in output  # passwords never reach the logs


def test_migrate_and_seed_are_idempotent(empty_database: str, tmp_path: Path) -> None:
    env = nexa_env(tmp_path, DATABASE_URL=empty_database)
    first = run_nexa("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert APPLIED_ALL in first.stdout
    second = run_nexa("migrate", env=env, cwd=tmp_path)
    assert "Database schema is up to date" in second.stdout
    seeded = run_nexa("seed", "--demo", env=env, cwd=tmp_path)
    assert "Loaded the demo catalogue" in seeded.stdout
    again = run_nexa("seed", "--demo", env=env, cwd=tmp_path)
    assert "demo data not loaded" in again.stdout


def test_create_admin_command(empty_database: str, tmp_path: Path) -> None:
    env = nexa_env(tmp_path, DATABASE_URL=empty_database)
    args = ["create-admin", "--email", "ops@example.com", "--name", "Ops", "--phone", "9123456780"]
    created = run_nexa(*args, "--password", "ops-password-1", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Created admin" in created.stdout
    duplicate = run_nexa(*args, "--password", "ops-password-1", env=env, cwd=tmp_path)
    assert duplicate.returncode == 1 and "Email already registered" in duplicate.stderr
    weak = run_nexa(
        "create-admin",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--phone",
        "9123456781",
        "--password",
        "short",
        env=env,
        cwd=tmp_path,
    )
    assert weak.returncode == 2 and "password" in weak.stderr


def test_production_refuses_to_start_with_insecure_settings(tmp_path: Path) -> None:
    env = nexa_env(
        tmp_path,
        ENVIRONMENT="production",
        SECRET_KEY="short",
        DATABASE_URL="postgresql://unused@127.0.0.1:1/none",
    )
    result = run_nexa("migrate", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_postgres_is_started_and_reused(tmp_path: Path) -> None:
    env = nexa_env(tmp_path)
    first = run_nexa("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "using the embedded PostgreSQL" in first.stdout
    assert APPLIED_ALL in first.stdout
    assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
    second = run_nexa("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Database schema is up to date" in second.stdout  # same data directory reused
