"""`nexa seed --synthetic` from the command line, into an empty database."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.test_cli import empty_database, nexa_env, run_nexa

__all__ = ["empty_database"]


def test_seed_synthetic_fills_an_empty_database_once(empty_database: str, tmp_path: Path) -> None:
    env = nexa_env(tmp_path, DATABASE_URL=empty_database)
    seeded = run_nexa(
        "seed", "--synthetic", "--customers", "50", "--transactions", "400", env=env, cwd=tmp_path
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "50 customers, 400 transactions" in seeded.stdout
    assert "synthetic-pass-1" in seeded.stdout
    with psycopg.connect(empty_database) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM transaction), "
            "(SELECT count(*) FROM admin), "
            "(SELECT summarized_until IS NOT NULL FROM transaction_summary_state)"
        ).fetchone()
    assert row == (50, 400, 1, True)  # and the default admin, to look at it
    again = run_nexa(
        "seed", "--synthetic", "--customers", "50", "--transactions", "400", env=env, cwd=tmp_path
    )
    assert again.returncode == 1 and "exist already" in again.stderr
    neither = run_nexa("seed", env=env, cwd=tmp_path)
    assert neither.returncode == 2
    tiny = run_nexa("seed", "--synthetic", "--customers", "5", env=env, cwd=tmp_path)
    assert tiny.returncode == 1 and "customers must be" in tiny.stderr
