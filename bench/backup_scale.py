"""Backup and restore at scale: time and peak memory of `nexa backup` / `nexa restore`.

    .venv/bin/python bench/backup_scale.py --transactions 1000000

Creates a database `nexa_bench_backup` on BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, fills it with set-based SQL
(customers, lines, and `--transactions` purchases), then runs, each as a child process:

1. `nexa backup` — times it, reads its peak RSS (wait4), checks the archive's row counts;
2. changes data (deletes 10 000 transactions, edits 1 000 customers);
3. `nexa restore FILE --yes` — which verifies every checksum, takes a safety backup, and
   replaces every table in one transaction — times it and reads its peak RSS;
4. checks every table's row count and checksum against the values before the backup.

The database is dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.database import drop_database, recreate_database  # noqa: E402

DATABASE = "nexa_bench_backup"
PEAK_RSS_LIMIT_MB = 300


def fill(url: str, customers: int, transactions: int) -> None:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("INSERT INTO category (category_name) VALUES ('Bench')")
        db.execute(
            "INSERT INTO plan (category_id, plan_name, plan_type, price, validity_days, "
            "description, data_allowance_mb, daily_data_limit_mb) "
            "SELECT category_id, 'Bench ' || n, 'Prepaid', 199 + n, 28, 'bench plan', 28672, "
            "1024 FROM category, generate_series(1, 10) n"
        )
        db.execute(
            "INSERT INTO customer (phone_number, password_hash, full_name) "
            "SELECT '7' || lpad(g::text, 9, '0'), "
            "'$argon2id$v=19$m=65536,t=3,p=4$YmVuY2g$YmVuY2hiZW5jaGJlbmNoYmVuY2g', "
            "'Bench customer ' || g FROM generate_series(1, %s) g",
            (customers,),
        )
        db.execute("INSERT INTO line (phone_number) SELECT phone_number FROM customer")
        db.execute(
            """
            INSERT INTO transaction (customer_id, plan_id, recipient_phone_number,
                transaction_type, original_amount, discount_amount, final_amount,
                payment_method, payment_status, payment_reference, transaction_date)
            SELECT c.customer_id, p.plan_id, c.phone_number, 'prepaid_recharge', p.price, 0,
                p.price, 'upi', 'success', 'PAY' || g, now() - g * interval '1 minute'
            FROM generate_series(1, %(n)s) g
            JOIN customer c ON c.customer_id = (SELECT min(customer_id) FROM customer)
                + (g %% %(customers)s)
            JOIN plan p ON p.plan_id = (SELECT min(plan_id) FROM plan) + (g %% 10)
            """,
            {"n": transactions, "customers": customers},
        )
        db.execute("ANALYZE")


def fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of each table with rows."""
    result: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename IN ('customer', 'line', 'plan', 'category', 'transaction')"
            )
        ]
        for table in sorted(tables):
            row = db.execute(
                sql.SQL(
                    "SELECT count(*), md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) "
                    "FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
            assert row is not None
            result[table] = (int(row[0]), str(row[1]))
    return result


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `nexa ARGS`; return (seconds, peak RSS in MB, output)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "nexa", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if child.returncode != 0:
        raise SystemExit(f"nexa {' '.join(args)} failed:\n{output}")
    peak_kb = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return seconds, peak_kb / 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the database and archive")
    options = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = recreate_database(server, DATABASE)
    folder = Path(tempfile.mkdtemp(prefix="nexa-bench-backups-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BACKUP_DIR": str(folder),
        "NEXA_DATA_DIR": str(folder / "data"),
        "NEXA_LOG_JSON": "false",
        "NEXA_LOG_LEVEL": "WARNING",
    }
    try:
        subprocess.run([sys.executable, "-m", "nexa", "migrate"], env=env, check=True)
        started = time.monotonic()
        fill(url, options.customers, options.transactions)
        print(
            f"filled {options.transactions} transactions, {options.customers} customers "
            f"in {time.monotonic() - started:.1f} s"
        )
        before = fingerprints(url)

        backup_s, backup_mb, output = run(["backup"], env)
        print(output.strip().splitlines()[-1])
        archive = next(folder.glob("backup_*.zip"))

        with psycopg.connect(url, autocommit=True) as db:
            db.execute(
                "DELETE FROM transaction WHERE transaction_id IN "
                "(SELECT transaction_id FROM transaction ORDER BY transaction_id LIMIT 10000)"
            )
            db.execute(
                "UPDATE customer SET full_name = 'changed' WHERE customer_id IN "
                "(SELECT customer_id FROM customer ORDER BY customer_id LIMIT 1000)"
            )
        assert fingerprints(url) != before

        restore_s, restore_mb, output = run(["restore", str(archive), "--yes"], env)
        print(output.strip().splitlines()[-1])
        after = fingerprints(url)
        same = after == before
        size_mb = archive.stat().st_size / 2**20
        print()
        print("| step | seconds | peak RSS (MB) |")
        print("|---|---|---|")
        print(f"| `nexa backup` ({size_mb:.0f} MB archive) | {backup_s:.1f} | {backup_mb:.0f} |")
        print(
            f"| `nexa restore` (verify + safety backup + replace) | {restore_s:.1f} | "
            f"{restore_mb:.0f} |"
        )
        print()
        print(f"tables equal to the backup after the restore: {same}")
        ok = same and max(backup_mb, restore_mb) < PEAK_RSS_LIMIT_MB
        print(
            f"peak RSS under {PEAK_RSS_LIMIT_MB} MB: {max(backup_mb, restore_mb) < PEAK_RSS_LIMIT_MB}"
        )
        if not ok:
            raise SystemExit(1)
    finally:
        if not options.keep:
            drop_database(server, DATABASE)
            for path in folder.glob("**/*"):
                if path.is_file():
                    path.unlink()
        else:
            print(f"kept: database {DATABASE}, archives in {folder}")


if __name__ == "__main__":
    main()
