"""`nexa backup` and `nexa restore FILE` as an operator runs them, on a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.database import drop_database, recreate_database, server_url


@pytest.fixture
def scratch_database() -> Iterator[str]:
    name = f"nexa_cli_backup_{uuid.uuid4().hex[:8]}"
    yield recreate_database(server_url(), name)
    drop_database(server_url(), name)


def _nexa(
    *args: str, env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nexa", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _offers_and_prices(url: str) -> tuple[int, list[str]]:
    with psycopg.connect(url) as connection:
        offers = connection.execute("SELECT count(*) FROM offer").fetchone()
        prices = connection.execute("SELECT price::text FROM plan ORDER BY plan_id").fetchall()
    assert offers is not None
    return int(offers[0]), [row[0] for row in prices]


def test_backup_and_restore_commands(scratch_database: str, tmp_path: Path) -> None:
    folder = tmp_path / "archives"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DATABASE_URL=scratch_database,
        BACKUP_DIR=str(folder),
        NEXA_DATA_DIR=str(tmp_path / "data"),
        ENVIRONMENT="development",
        NEXA_LOG_JSON="false",
    )
    assert _nexa("seed", "--demo", env=env, cwd=tmp_path).returncode == 0
    original = _offers_and_prices(scratch_database)
    assert original[0] >= 1

    taken = _nexa("backup", env=env, cwd=tmp_path)
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert "Backup 1 written to" in taken.stdout
    (archive,) = folder.glob("backup_*.zip")
    assert str(archive) in taken.stdout

    with psycopg.connect(scratch_database) as connection:
        connection.execute("DELETE FROM offer")
        connection.execute("UPDATE plan SET price = price + 1")
    changed = _offers_and_prices(scratch_database)
    assert changed != original

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:2000])
    refused = _nexa("restore", str(truncated), "--yes", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "Refused:" in refused.stderr and "nothing was changed" in refused.stderr
    declined = _nexa("restore", str(archive), env=env, cwd=tmp_path, stdin="n\n")
    assert declined.returncode == 1
    assert "every checksum matches" in declined.stdout
    assert _offers_and_prices(scratch_database) == changed

    restored = _nexa("restore", str(archive), "--yes", env=env, cwd=tmp_path)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restore 1 completed" in restored.stdout and "safety backup 2" in restored.stdout
    assert _offers_and_prices(scratch_database) == original
    with psycopg.connect(scratch_database) as connection:
        rows = connection.execute(
            "SELECT restore_id, admin_id, status, backup_source_id FROM restore"
        ).fetchall()
    assert rows == [(1, 0, "completed", 1)]
