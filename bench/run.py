"""Throughput and p99 of NEXA endpoints against bare ceilings, measured in one run; NEXA in
production mode, and its recharge and plan listing again in development mode (test clock on).

    python bench/run.py [--seconds 10] [--connections 16]

Needs `wrk` (Debian: apt-get install wrk) and a PostgreSQL server
(BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres); it creates
and drops a database `nexa_bench`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx
import jwt
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NEXA_PORT, BARE_PORT, STACK_PORT, DEV_PORT = 18001, 18002, 18003, 18004
RESULT = re.compile(r"BENCH_RESULT rps=([\d.]+) p99_ms=([\d.]+) errors=(\d+) non2xx=(\d+)")


def database_url(server: str, name: str) -> str:
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def recreate(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server, name)


LOG = ROOT / ".nexa" / "bench-servers.log"


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early: {process.args!r}\n{LOG.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


def _stat(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the command name: [state, ppid, …] (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(database: str) -> float:
    """CPU time so far of the PostgreSQL backends serving `database`, plus every backend
    that has ended (the postmaster's reaped children: pooled connections that close take
    their time there). Meaningful when nothing else uses the server meanwhile."""
    total, postmasters = 0.0, set()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            title = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not title.startswith("postgres: ") or f" {database} " not in title:
                continue
            fields = _stat(process.name)
        except OSError:  # exited meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        postmasters.add(fields[1])
    for pid in postmasters:
        fields = _stat(pid)
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


def wrk(
    script: str,
    url: str,
    env: dict[str, str],
    seconds: int,
    connections: int,
    server: subprocess.Popen[bytes],
    database: str,
) -> dict[str, float]:
    """`wrk` against `url`: throughput, latency, and CPU per request of the server process
    and of PostgreSQL's backends serving its `database`."""
    cpu_before, db_cpu_before = cpu_seconds(server.pid), postgres_cpu_seconds(database)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(BENCH / script), url],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = RESULT.search(output)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{output}")
    rps, p99, errors, non2xx = match.groups()
    requests = float(rps) * seconds
    return {
        "rps": float(rps),
        "p99_ms": float(p99),
        "errors": int(errors),
        "non2xx": int(non2xx),
        # the server process's own CPU per answer (what sizing needs)
        "cpu_ms_per_request": round(
            (cpu_seconds(server.pid) - cpu_before) * 1000 / max(requests, 1), 3
        ),
        "db_cpu_ms_per_request": round(
            (postgres_cpu_seconds(database) - db_cpu_before) * 1000 / max(requests, 1), 3
        ),
    }


def stop_and_drop(
    processes: list[subprocess.Popen[bytes]], server: str, databases: list[str]
) -> None:
    """Stop the servers, then drop their throwaway databases."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
    with psycopg.connect(server, autocommit=True) as connection:
        for name in databases:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def start_nexa(
    port: int, env: dict[str, str], log: IO[bytes], processes: list[subprocess.Popen[bytes]]
) -> str:
    """`nexa serve --demo` (one API process, no job worker) answering; its base URL."""
    command = [sys.executable, "-m", "nexa", "serve", "--port", str(port), "--no-worker", "--demo"]
    processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log))
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/health", processes[-1])
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    db_url = recreate(server, "nexa_bench")
    secret = "bench-secret-key-" + uuid.uuid4().hex
    nexa_env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "ENVIRONMENT": "production",
        # the load generator registers and logs in by password, with no SMS to read
        "NEXA_PHONE_VERIFICATION": "off",
        "SECRET_KEY": secret,
        "ADMIN_DEFAULT_PASSWORD": "bench-admin-password",
        # as in production: one JSON access line per request (into the servers' log file)
        "NEXA_LOG_LEVEL": "INFO",
        # one load generator on one address: keep the limiters counting, never refusing
        "NEXA_GLOBAL_RATE_LIMIT": "100000000/minute",
        "NEXA_PAYMENT_RATE_LIMIT": "100000000/minute",
        "NEXA_DATA_DIR": str(ROOT / ".nexa" / "bench"),
    }
    python = sys.executable
    LOG.parent.mkdir(parents=True, exist_ok=True)
    log = LOG.open("wb")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        base = start_nexa(NEXA_PORT, nexa_env, log, processes)
        nexa = processes[-1]
        # the same NEXA on the same database in development mode: the test clock is on, so
        # each request loads its offset (from the process's cache while it is listening)
        dev_base = start_nexa(DEV_PORT, {**nexa_env, "ENVIRONMENT": "development"}, log, processes)
        dev = processes[-1]

        phone = "7000000001"
        httpx.post(
            f"{base}/customer/register",
            json={"phone_number": phone, "password": "bench-pass", "full_name": "Bench"},
        ).raise_for_status()
        token = httpx.post(
            f"{base}/customer/login", json={"phone_number": phone, "password": "bench-pass"}
        ).json()["access_token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        auth = {"Authorization": f"Bearer {token}"}
        plans = httpx.get(f"{base}/customer/plans", headers=auth)
        plans.raise_for_status()
        plan_id = next(
            p["plan_id"] for p in plans.json() if p["plan_type"] == "Prepaid" and not p["is_topup"]
        )

        bare = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "bench.bare_app:app",
                "--port",
                str(BARE_PORT),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={
                **os.environ,
                "BENCH_DATABASE_URL": db_url,
                "BENCH_PLANS_JSON": plans.text,
                "BENCH_CUSTOMER_ID": claims["sub"],
            },
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        processes.append(bare)
        bare_base = f"http://127.0.0.1:{BARE_PORT}"
        wait_for(f"{bare_base}/bare/plans-constant", bare)

        # NEXA's own stack answering the same constant (see bench/nexa_constant.py)
        stack = subprocess.Popen(
            [
                *(python, "-m", "uvicorn", "bench.nexa_constant:app"),
                *("--port", str(STACK_PORT), "--log-level", "warning", "--no-access-log"),
            ],
            env={**nexa_env, "BENCH_PLANS_JSON": plans.text},
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        processes.append(stack)
        stack_base = f"http://127.0.0.1:{STACK_PORT}"
        wait_for(f"{stack_base}/health", stack)

        run = {"seconds": args.seconds, "connections": args.connections, "database": "nexa_bench"}
        recharge = {
            "BENCH_PATH": "/customer/recharge",
            "BENCH_PLAN_ID": str(plan_id),
            "BENCH_TOKEN": token,
        }
        results = {
            "nexa_recharge": wrk("recharge.lua", base, recharge, **run, server=nexa),
            "nexa_dev_recharge": wrk("recharge.lua", dev_base, recharge, **run, server=dev),
            "bare_recharge": wrk(
                "recharge.lua",
                bare_base,
                {"BENCH_PATH": "/bare/recharge", "BENCH_PLAN_ID": str(plan_id), "BENCH_TOKEN": ""},
                **run,
                server=bare,
            ),
            "nexa_plans": wrk(
                "get.lua", f"{base}/customer/plans", {"BENCH_TOKEN": token}, **run, server=nexa
            ),
            "nexa_dev_plans": wrk(
                "get.lua", f"{dev_base}/customer/plans", {"BENCH_TOKEN": token}, **run, server=dev
            ),
            "nexa_stack_constant": wrk(
                "get.lua",
                f"{stack_base}/bench/plans-constant",
                {"BENCH_TOKEN": token},
                **run,
                server=stack,
            ),
            "constant_plans": wrk(
                "get.lua",
                f"{bare_base}/bare/plans-constant",
                {"BENCH_TOKEN": ""},
                **run,
                server=bare,
            ),
        }
    finally:
        stop_and_drop(processes, server, ["nexa_bench"])

    for name, result in results.items():
        print(
            f"{name:19} {result['rps']:9.1f} req/s   p99 {result['p99_ms']:8.2f} ms"
            f"   server CPU {result['cpu_ms_per_request']:6.3f} ms/req"
            f"   errors {result['errors']}  non-2xx {result['non2xx']}"
        )
    ratios = {
        "recharge_vs_bare_sql": results["nexa_recharge"]["rps"] / results["bare_recharge"]["rps"],
        "plans_vs_constant_json": results["nexa_plans"]["rps"] / results["constant_plans"]["rps"],
        "plans_vs_constant_on_nexa_stack": results["nexa_plans"]["rps"]
        / results["nexa_stack_constant"]["rps"],
        "plans_development_vs_production": results["nexa_dev_plans"]["rps"]
        / results["nexa_plans"]["rps"],
        "recharge_development_vs_production": results["nexa_dev_recharge"]["rps"]
        / results["nexa_recharge"]["rps"],
    }
    print(
        f"recharge / bare same-SQL ceiling: {ratios['recharge_vs_bare_sql']:.2f}x (target >= 0.70)"
    )
    print(
        f"plans / constant JSON:            {ratios['plans_vs_constant_json']:.2f}x (target >= 0.60)"
    )
    print(
        "plans / constant on NEXA's stack: "
        f"{ratios['plans_vs_constant_on_nexa_stack']:.2f}x (same middleware and authentication)"
    )
    print(
        "plans development / production:    "
        f"{ratios['plans_development_vs_production']:.2f}x (target >= 0.85)"
    )
    print(f"recharge development / production: {ratios['recharge_development_vs_production']:.2f}x")
    print(json.dumps({"results": results, "ratios": ratios}))


if __name__ == "__main__":
    main()
