"""PostgreSQL stops under load: requests fail fast with 503 (never 500, never hang), and the
API recovers by itself when the database returns.

The test runs its own throwaway PostgreSQL cluster (initdb on a free port), never the shared
server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, free_port, register_and_login


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@dataclass
class ThrowawayPostgres:
    port: int
    data: Path
    as_postgres: list[str] = field(default_factory=list)

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        assert pg_ctl
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(pg_ctl, "-D", str(self.data / "db"), "-o", options, "-l",
                 str(self.data / "pg.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        assert pg_ctl
        self.run(pg_ctl, "-D", str(self.data / "db"), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[ThrowawayPostgres]:
    initdb = _pg_bin("initdb")
    if initdb is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    data = Path(tempfile.mkdtemp(prefix="nexa-outage-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(data, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    server = ThrowawayPostgres(free_port(), data, as_postgres)
    server.run(initdb, "-D", str(data / "db"), "-U", "postgres", "-A", "trust", "--no-sync")
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Sample:
    at: float
    status: int | None
    seconds: float


def test_database_outage_fails_fast_and_recovers(postgres: ThrowawayPostgres) -> None:
    cluster = LiveCluster.create("outage", database_url=postgres.url)
    try:
        api = cluster.api("api-outage", NEXA_DB_CONNECT_TIMEOUT="2").start()
        token = register_and_login(api.base_url, unique_phone())
        samples: list[Sample] = []
        stop = threading.Event()

        def load() -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=api.base_url, timeout=15, headers=headers) as http:
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        status: int | None = http.get("/customer/profile").status_code
                    except httpx.TransportError:
                        status = None
                    samples.append(Sample(started, status, time.monotonic() - started))
                    time.sleep(0.02)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        stopped_at = time.monotonic()
        postgres.stop()
        time.sleep(4)
        with httpx.Client(base_url=api.base_url, timeout=15) as http:
            ready = http.get("/ready")
            assert (ready.status_code, ready.json()["database"]) == (503, "unreachable")
        restarted_at = time.monotonic()
        postgres.start()
        recovered_at = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            recent = [s for s in samples if s.at > time.monotonic() - 1]
            if recent and all(s.status == 200 for s in recent):
                recovered_at = time.monotonic()
                break
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(30)

        before = [s for s in samples if s.at + s.seconds < stopped_at]
        during = [s for s in samples if stopped_at + 0.5 < s.at < restarted_at]
        assert before and all(s.status == 200 for s in before)
        assert len(during) > 20
        # fail fast, with a 503 and never a 500 or a dropped connection
        assert {s.status for s in during} == {503}, sorted({str(s.status) for s in during})
        assert max(s.seconds for s in during) < 3.0
        assert 500 not in {s.status for s in samples}
        assert recovered_at is not None, "the API did not recover after PostgreSQL returned"
        print(
            f"\nPostgreSQL outage: {len(before)} OK before, {len(during)} answered 503 during "
            f"(slowest {max(s.seconds for s in during) * 1000:.0f} ms), recovered "
            f"{recovered_at - restarted_at:.1f} s after the restart (no API restart)"
        )
    finally:
        cluster.close(drop=False)
