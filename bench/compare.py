"""Recharge throughput of two revisions of NEXA, measured alternately in one run.

    python bench/compare.py BEFORE [AFTER] [--rounds 4] [--seconds 15] [--connections 16]

Each revision (any git revision; AFTER defaults to the work tree as it is) is checked out in
a temporary work tree and served by `nexa serve --no-worker --demo` in production mode (as
`bench/run.py` serves it) on its own database. The two servers then take turns under the
same `wrk` load (`bench/recharge.lua`: the simulator approving, a random number per
request), so that both see the same machine; per round it prints requests per second,
the server's CPU per recharge and PostgreSQL's (of the backends serving its database), and
at the end the medians and the ratio AFTER / BEFORE.

Needs `wrk` and a PostgreSQL server (BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/postgres); the databases `nexa_bench_a` and
`nexa_bench_b` are created and dropped. Both revisions run with this virtualenv's packages.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
from bench.run import LOG, ROOT, recreate, stop_and_drop, wait_for, wrk

PORTS = {"before": 18011, "after": 18012}


def checkout(revision: str | None, into: Path) -> Path:
    """A work tree of `revision` (None: this work tree as it is, uncommitted changes too)."""
    if revision is None:
        return ROOT
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(into), revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return into


def serve(tree: Path, port: int, database: str, log: object) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "ENVIRONMENT": "production",
        # the load generator registers and logs in by password, with no SMS to read
        "NEXA_PHONE_VERIFICATION": "off",
        "SECRET_KEY": "bench-secret-key-" + uuid.uuid4().hex,
        "ADMIN_DEFAULT_PASSWORD": "bench-admin-password",
        "NEXA_LOG_LEVEL": "INFO",
        "NEXA_GLOBAL_RATE_LIMIT": "100000000/minute",
        "NEXA_PAYMENT_RATE_LIMIT": "100000000/minute",
        "NEXA_DATA_DIR": str(tree / ".nexa" / "bench"),
        # `python -m nexa` run from the tree imports that tree's code
        "PYTHONPATH": str(tree),
    }
    command = [sys.executable, "-m", "nexa", "serve", "--port", str(port), "--no-worker", "--demo"]
    process = subprocess.Popen(command, env=env, cwd=tree, stdout=log, stderr=log)  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/health", process, seconds=120)
    return process, base


def customer(base: str) -> dict[str, str]:
    """A registered customer's token and a prepaid plan to recharge."""
    phone, password = "7000000001", "bench-pass"
    httpx.post(
        f"{base}/customer/register",
        json={"phone_number": phone, "password": password, "full_name": "Bench"},
    ).raise_for_status()
    token = httpx.post(
        f"{base}/customer/login", json={"phone_number": phone, "password": password}
    ).json()["access_token"]
    plans = httpx.get(f"{base}/customer/plans", headers={"Authorization": f"Bearer {token}"})
    plans.raise_for_status()
    plan_id = next(
        p["plan_id"] for p in plans.json() if p["plan_type"] == "Prepaid" and not p["is_topup"]
    )
    return {"BENCH_PATH": "/customer/recharge", "BENCH_PLAN_ID": str(plan_id), "BENCH_TOKEN": token}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before")
    parser.add_argument("after", nargs="?")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    LOG.parent.mkdir(parents=True, exist_ok=True)
    figures: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as scratch, LOG.open("wb") as log:
        trees = {
            "before": checkout(args.before, Path(scratch) / "before"),
            "after": checkout(args.after, Path(scratch) / "after"),
        }
        try:
            loads = {}
            for side, suffix in (("before", "a"), ("after", "b")):
                name = f"nexa_bench_{suffix}"
                process, base = serve(trees[side], PORTS[side], recreate(server, name), log)
                processes.append(process)
                loads[side] = (process, base, customer(base), name)
            # a warm-up each, unrecorded
            for process, base, load, name in loads.values():
                wrk("recharge.lua", base, load, 3, args.connections, server=process, database=name)
            for round_number in range(1, args.rounds + 1):
                for side in ("before", "after"):
                    process, base, load, name = loads[side]
                    result = wrk(
                        *("recharge.lua", base, load, args.seconds, args.connections),
                        server=process,
                        database=name,
                    )
                    if result["errors"] or result["non2xx"]:
                        raise SystemExit(f"{side} answered errors: {result}")
                    figures[side].append(result)
                    print(
                        f"round {round_number} {side:6} {result['rps']:7.1f} req/s"
                        f"   CPU {result['cpu_ms_per_request']:.3f} ms/recharge"
                        f" (database {result['db_cpu_ms_per_request']:.3f} ms)"
                        f"   p99 {result['p99_ms']:.1f} ms",
                        flush=True,
                    )
        finally:
            stop_and_drop(processes, server, ["nexa_bench_a", "nexa_bench_b"])
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(
                        ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False
                    )

    medians = {
        side: {
            "rps": statistics.median(r["rps"] for r in results),
            "cpu": statistics.median(r["cpu_ms_per_request"] for r in results),
            "db_cpu": statistics.median(r["db_cpu_ms_per_request"] for r in results),
        }
        for side, results in figures.items()
    }
    for side, median in medians.items():
        label = args.before if side == "before" else (args.after or "work tree")
        print(
            f"median {side:6} {median['rps']:7.1f} req/s   CPU {median['cpu']:.3f} ms"
            f" (database {median['db_cpu']:.3f} ms)  ({label})"
        )
    print(f"after / before: {medians['after']['rps'] / medians['before']['rps']:.2f}x throughput")


if __name__ == "__main__":
    main()
