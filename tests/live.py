"""Real NEXA processes for tests that need them (faults, scale-out, logs, shared limits).

Each test gets its own database on the test server; servers are `python -m nexa serve` /
`worker` child processes on free loopback ports, their output in a log file that the test
can read. Everything is stopped (and the database dropped) by `LiveCluster.close()`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.database import ROOT, drop_database, recreate_database, server_url

SECRET = "live-test-secret-key-that-is-long-enough-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "nexa", *self.args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        if self.port is not None:
            self.wait_healthy(wait)
        return self

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.popen is not None
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer in {seconds}s:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup."""
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def json_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(line))
        return lines


@dataclass
class LiveCluster:
    """A database and the NEXA processes using it."""

    database_url: str
    database_name: str
    server: str
    workdir: Path
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def create(cls, label: str, database_url: str | None = None) -> LiveCluster:
        server = server_url()
        name = f"nexa_live_{label}_{uuid.uuid4().hex[:8]}"
        url = database_url or recreate_database(server, name)
        workdir = Path(tempfile.mkdtemp(prefix=f"nexa-live-{label}-"))
        return cls(url, name, server, workdir)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NEXA_", "PYTEST_", "REDIS_URL"))
        }
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "SECRET_KEY": SECRET,
                "ENVIRONMENT": "test",
                "NEXA_DATA_DIR": str(self.workdir / "data"),
                "NEXA_LOG_JSON": "true",
                "NEXA_LOG_LEVEL": "INFO",
                "NEXA_RATE_LIMIT_ENABLED": "false",
                "NEXA_DB_CONNECT_TIMEOUT": "2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def api(self, name: str = "api", *, worker: bool = False, **env: str) -> Process:
        port = free_port()
        args = ["serve", "--port", str(port)] + ([] if worker else ["--no-worker"])
        process = Process(name, args, self.env(**env), self.workdir / f"{name}.log", port)
        self.processes.append(process)
        return process

    def worker(self, name: str = "worker", **env: str) -> Process:
        process = Process(
            name, ["worker", "--concurrency", "4"], self.env(**env), self.workdir / f"{name}.log"
        )
        self.processes.append(process)
        return process

    def close(self, drop: bool = True) -> None:
        for process in self.processes:
            process.stop()
        if drop:
            # the database may live on a server that is gone (outage tests)
            with contextlib.suppress(Exception):
                drop_database(self.server, self.database_name)


def register_and_login(base_url: str, phone: str, password: str = "live-pass-1") -> str:  # noqa: S107
    """A new customer's access token."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        created = http.post(
            "/customer/register",
            json={"phone_number": phone, "password": password, "full_name": "Live Test"},
        )
        assert created.status_code == 200, created.text
        login = http.post("/customer/login", json={"phone_number": phone, "password": password})
        assert login.status_code == 200, login.text
        return str(login.json()["access_token"])


def admin_token(base_url: str) -> str:
    """The default admin's token (created by `nexa serve` at start)."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        login = http.post("/admin/login", json={"email": "admin@nexa.com", "password": "admin123"})
        assert login.status_code == 200, login.text
        return str(login.json()["access_token"])


def make_prepaid_plan(base_url: str, token: str, price: str = "199.00") -> int:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as http:
        category = http.post("/admin/categories/", json={"category_name": f"Live {uuid.uuid4()}"})
        assert category.status_code in (200, 201), category.text
        plan = http.post(
            "/admin/plans/",
            json={
                "category_id": category.json()["category_id"],
                "plan_name": "Live plan",
                "plan_type": "Prepaid",
                "price": price,
                "validity_days": 28,
                "description": "live test plan",
                "data_allowance_gb": 10,
            },
        )
        assert plan.status_code in (200, 201), plan.text
        return int(plan.json()["plan_id"])
