"""NEXA at operator scale: analytics, listings, a streamed export and the lifecycle job over
a database seeded with `nexa seed --synthetic`, through the real server.

    python bench/scale.py [--customers 100000] [--transactions 1000000] [--repeat 5] [--reuse]

Needs a PostgreSQL server (BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/postgres), where it (re)creates the throwaway database
`nexa_scale` (`--reuse` keeps a database seeded by an earlier run with the same sizes). It
starts `nexa serve --no-worker` (ENVIRONMENT=production, one process) and times every request
with httpx; server memory is read from /proc. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PORT = 18011
NAME = "nexa_scale"
ADMIN = ("scale-admin@example.com", "scale-admin-password-1")
LOG = ROOT / ".nexa" / "bench-scale-server.log"
TARGET_ANALYTICS_S = 0.1

ANALYTICS = [
    ("GET /admin/analytics/dashboard", "/admin/analytics/dashboard", {}),
    ("GET /admin/analytics/revenue daily 30", "/admin/analytics/revenue", {"days": 30}),
    ("GET /admin/analytics/revenue daily 366", "/admin/analytics/revenue", {"days": 366}),
    (
        "GET /admin/analytics/revenue weekly 366",
        "/admin/analytics/revenue",
        {"period": "weekly", "days": 366},
    ),
    (
        "GET /admin/analytics/revenue monthly 366",
        "/admin/analytics/revenue",
        {"period": "monthly", "days": 366},
    ),
    ("GET /admin/analytics/customers/growth 90", "/admin/analytics/customers/growth", {}),
    (
        "GET /admin/analytics/customers/growth 366",
        "/admin/analytics/customers/growth",
        {"days": 366},
    ),
    ("GET /admin/analytics/referrals/trend 90", "/admin/analytics/referrals/trend", {}),
    ("GET /admin/analytics/plans/performance", "/admin/analytics/plans/performance", {}),
    ("GET /admin/dashboard 30", "/admin/dashboard", {"days": 30}),
]


def database_url(server: str, name: str) -> str:
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def recreate(server: str) -> str:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(NAME))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
    return database_url(server, NAME)


def seeded_sizes(url: str) -> tuple[int, int] | None:
    try:
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM transaction)"
            ).fetchone()
    except psycopg.Error:
        return None
    return (int(row[0]), int(row[1])) if row else None


def nexa_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        # the synthetic customers log in by password, with no SMS to read
        "NEXA_PHONE_VERIFICATION": "off",
        "SECRET_KEY": "scale-bench-secret-key-0123456789abcdef",
        "ADMIN_DEFAULT_EMAIL": ADMIN[0],
        "ADMIN_DEFAULT_PASSWORD": ADMIN[1],
        "NEXA_LOG_LEVEL": "WARNING",
        "NEXA_RATE_LIMIT_ENABLED": "false",
        "NEXA_GLOBAL_RATE_LIMIT": "100000000/minute",
        "NEXA_DATA_DIR": str(ROOT / ".nexa" / "bench-scale"),
    }


def seed(url: str, customers: int, transactions: int) -> float:
    """`nexa seed --synthetic` (in ENVIRONMENT=development: production refuses it)."""
    env = {**nexa_env(url), "ENVIRONMENT": "development"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexa",
            "seed",
            "--synthetic",
            "--customers",
            str(customers),
            "--transactions",
            str(transactions),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    print(done.stdout.strip())
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return elapsed


class Memory:
    """The server's resident memory, sampled every 20 ms while a block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    @contextmanager
    def peak(self) -> Iterator[dict[str, float]]:
        seen = {"before_mb": self.rss_mb(), "peak_mb": 0.0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                seen["peak_mb"] = max(seen["peak_mb"], self.rss_mb())
                time.sleep(0.02)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield seen
        finally:
            stop.set()
            thread.join()
            seen["peak_mb"] = max(seen["peak_mb"], self.rss_mb())


def timed(client: httpx.Client, path: str, params: dict[str, Any], repeat: int) -> dict[str, Any]:
    client.get(path, params=params).raise_for_status()  # warm-up (caches, plans)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, params=params)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    return {
        "median_s": statistics.median(times),
        "max_s": max(times),
        "total": response.headers.get("X-Total-Count"),
    }


def export(client: httpx.Client, memory: Memory, params: dict[str, Any]) -> dict[str, Any]:
    rows = size = 0
    with memory.peak() as rss:
        started = time.perf_counter()
        with client.stream(
            "POST", "/admin/transactions/export", params={"format": "csv", **params}
        ) as response:
            response.raise_for_status()
            first_byte = None
            for chunk in response.iter_bytes():
                first_byte = first_byte or time.perf_counter() - started
                rows += chunk.count(b"\n")
                size += len(chunk)
        elapsed = time.perf_counter() - started
    rows -= 1  # the header line
    return {
        "rows": rows,
        "megabytes": round(size / 2**20, 1),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "first_byte_s": round(first_byte or 0, 3),
        "rss_before_mb": round(rss["before_mb"], 1),
        "rss_peak_mb": round(rss["peak_mb"], 1),
    }


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early:\n{LOG.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def direct(url: str, query: str, *params: Any) -> Any:
    with psycopg.connect(url) as connection:
        row = connection.execute(query, params).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


# --- in-process parts: EXPLAIN ANALYZE of the slowest analytics, the lifecycle job ---------


class ExplainingSession:
    """Runs every statement twice: EXPLAIN (ANALYZE, BUFFERS) first (kept), then for real."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.plans: list[tuple[float, str, str]] = []

    async def execute(self, statement: Any, params: Any = None) -> Any:
        from sqlalchemy import text

        explained = await self.session.execute(
            text("EXPLAIN (ANALYZE, BUFFERS) " + statement.text), params or {}
        )
        lines = [row[0] for row in explained]
        total = next(
            (float(line.split()[2]) for line in lines if line.startswith("Execution Time")), 0.0
        )
        self.plans.append((total, statement.text, "\n".join(lines)))
        return await self.session.execute(statement, params or {})


async def explain(label: str) -> tuple[float, str, str]:
    from nexa.analytics import service
    from nexa.core.db import dispose_engine, get_sessionmaker

    calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "GET /admin/analytics/dashboard": service.dashboard,
        "GET /admin/analytics/revenue daily 30": lambda db: service.revenue(db, "daily", 30),
        "GET /admin/analytics/revenue daily 366": lambda db: service.revenue(db, "daily", 366),
        "GET /admin/analytics/revenue weekly 366": lambda db: service.revenue(db, "weekly", 366),
        "GET /admin/analytics/revenue monthly 366": lambda db: service.revenue(db, "monthly", 366),
        "GET /admin/analytics/customers/growth 90": lambda db: service.customer_growth(db, 90),
        "GET /admin/analytics/customers/growth 366": lambda db: service.customer_growth(db, 366),
        "GET /admin/analytics/referrals/trend 90": lambda db: service.referral_trend(db, 90),
        "GET /admin/analytics/plans/performance": lambda db: service.plan_performance(db, 10),
        "GET /admin/dashboard 30": lambda db: service.admin_dashboard(db, 30),
    }
    try:
        async with get_sessionmaker()() as db, db.begin():
            session = ExplainingSession(db)
            await calls[label](session)
            await db.rollback()
    finally:
        await dispose_engine()
    return max(session.plans)


async def lifecycle(days_ahead: int) -> dict[str, Any]:
    """The subscription lifecycle job as its worker runs it (a transaction per batch of 500
    lines), once now (nothing due) and once as if `days_ahead` days had passed."""
    from sqlalchemy import text

    from nexa.core import clock
    from nexa.core.db import dispose_engine, get_sessionmaker
    from nexa.recharge import lifecycle as job

    async def run(at: Any) -> tuple[int, int, float]:
        lines = batches = 0
        started = time.perf_counter()
        while True:
            async with get_sessionmaker()() as db, db.begin():
                settled = await job.settle_due_lines(db, at)
            batches += 1
            lines += settled
            if settled <= 0:
                return lines, batches, time.perf_counter() - started

    try:
        async with get_sessionmaker()() as db:
            count = "SELECT status, count(*) FROM subscription GROUP BY status ORDER BY 1"
            before = dict((await db.execute(text(count))).all())
        now = clock.now()
        idle = await run(now)
        ahead = now + timedelta(days=days_ahead)
        busy = await run(ahead)
        async with get_sessionmaker()() as db:
            after = dict((await db.execute(text(count))).all())
    finally:
        await dispose_engine()
    return {
        "subscriptions": sum(before.values()),
        "before": before,
        "after": after,
        "idle_run_s": round(idle[2], 3),
        "days_ahead": days_ahead,
        "lines_settled": busy[0],
        "batches": busy[1],
        "seconds": round(busy[2], 1),
        "lines_per_s": round(busy[0] / busy[2]) if busy[2] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded nexa_scale")
    parser.add_argument("--out", type=Path, default=ROOT / ".nexa" / "bench-scale.json")
    args = parser.parse_args()

    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = database_url(server, NAME)
    report: dict[str, Any] = {"customers": args.customers, "transactions": args.transactions}
    if args.reuse and seeded_sizes(url) == (args.customers, args.transactions):
        print(f"reusing {NAME}")
    else:
        url = recreate(server)
        report["seed_s"] = round(seed(url, args.customers, args.transactions), 1)
        print(f"seeded in {report['seed_s']} s")

    env = nexa_env(url)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "nexa", "serve", "--no-worker", "--port", str(PORT)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_for(f"{base}/health", process)
        memory = Memory(process.pid)
        token = httpx.post(
            f"{base}/admin/login", json={"email": ADMIN[0], "password": ADMIN[1]}
        ).json()["access_token"]
        admin = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600
        )

        results: dict[str, Any] = {}
        for label, path, params in ANALYTICS:
            results[label] = timed(admin, path, params, args.repeat)
            print(f"{label:45} {results[label]['median_s'] * 1000:8.1f} ms")

        # revenue at seeded size: the API equals the table to the cent
        total = Decimal(
            direct(
                url,
                "SELECT coalesce(sum(final_amount), 0) FROM transaction "
                "WHERE payment_status = 'success'",
            )
        )
        daily = admin.get("/admin/analytics/revenue", params={"days": 366}).json()
        overview = admin.get("/admin/analytics/dashboard").json()["overview"]
        report["revenue_check"] = {
            "sql_total": str(total),
            "api_366_days": str(sum(Decimal(str(d["revenue"])) for d in daily)),
            "api_total": str(Decimal(str(overview["total_revenue_amount"]))),
        }
        assert Decimal(report["revenue_check"]["api_total"]) == total, report["revenue_check"]
        assert Decimal(report["revenue_check"]["api_366_days"]) == total, report["revenue_check"]

        total_rows = int(timed(admin, "/admin/transactions/", {"limit": 100}, 1)["total"])
        results["GET /admin/transactions/ first page"] = timed(
            admin, "/admin/transactions/", {"limit": 100}, args.repeat
        )
        results["GET /admin/transactions/ last page"] = timed(
            admin, "/admin/transactions/", {"limit": 100, "skip": total_rows - 100}, args.repeat
        )
        busiest = direct(
            url,
            "SELECT c.phone_number FROM customer c JOIN transaction t USING (customer_id) "
            "WHERE c.account_status = 'active' AND c.deleted_at IS NULL "
            "GROUP BY c.phone_number ORDER BY count(*) DESC LIMIT 1",
        )
        customer_token = httpx.post(
            f"{base}/customer/login",
            json={"phone_number": busiest, "password": "synthetic-pass-1"},
        ).json()["access_token"]
        customer = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {customer_token}"}, timeout=60
        )
        results["GET /customer/transactions (busiest customer)"] = timed(
            customer, "/customer/transactions", {}, args.repeat
        )
        for label in list(results)[len(ANALYTICS) :]:
            print(f"{label:45} {results[label]['median_s'] * 1000:8.1f} ms")
        report["requests"] = results

        quarter_from = direct(
            url,
            "SELECT transaction_date FROM transaction ORDER BY transaction_date DESC "
            "OFFSET %s LIMIT 1",
            total_rows // 4,
        )
        report["export_quarter"] = export(admin, memory, {"date_from": quarter_from.isoformat()})
        report["export_all"] = export(admin, memory, {})
        for name in ("export_quarter", "export_all"):
            print(name, report[name])
    finally:
        process.terminate()
        process.wait(timeout=60)

    slowest = max(
        (label for label, _, _ in ANALYTICS), key=lambda label: results[label]["median_s"]
    )
    os.environ.update(env)  # nexa is imported only now, for the in-process parts
    took, statement, plan = asyncio.run(explain(slowest))
    report["slowest_analytics"] = {
        "endpoint": slowest,
        "statement_ms": took,
        "sql": statement,
        "explain_analyze": plan,
    }
    print(f"\nslowest analytics endpoint: {slowest}\n{plan}")
    report["lifecycle"] = asyncio.run(lifecycle(days_ahead=7))
    print("lifecycle", report["lifecycle"])
    report["analytics_under_target"] = all(
        results[label]["median_s"] < TARGET_ANALYTICS_S for label, _, _ in ANALYTICS
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
