"""Real processes: an API and a separate job worker in required mode. The worker sends the
code through the simulated gateway, an admin reads it from the test inbox through the API
(another process), and the code reaches no log line (INFO, JSON) of either process."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, Process, admin_token

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(scope="module")
def processes() -> Iterator[tuple[Process, Process]]:
    cluster = LiveCluster.create("otp")
    try:
        settings = {"NEXA_PHONE_VERIFICATION": "required"}
        api = cluster.api("api-otp", **settings).start()
        worker = cluster.worker("worker-otp", **settings).start()
        yield api, worker
    finally:
        cluster.close()


def wait_for_code(http: httpx.Client, admin: dict[str, str], phone: str) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = http.get(f"/admin/test-sms/{phone}", headers=admin).json()
        if messages:
            text = messages[0]["message"]
            found = CODE.search(text)
            assert found, text
            return found.group(1), text
        time.sleep(0.2)
    raise AssertionError("the worker did not send the code within 60 s")


def test_code_by_sms_across_processes_and_never_logged(
    processes: tuple[Process, Process],
) -> None:
    api, worker = processes
    phone, password = unique_phone(), "live-verified-1"
    with httpx.Client(base_url=api.base_url, timeout=30) as http:
        admin = {"Authorization": f"Bearer {admin_token(api.base_url)}"}
        body = {"phone_number": phone, "password": password, "full_name": "Live OTP"}
        assert http.post("/customer/register", json=body).status_code == 400  # no code

        asked = http.post(
            "/customer/otp/request", json={"phone_number": phone, "purpose": "register"}
        )
        assert asked.status_code == 202
        code, text = wait_for_code(http, admin, phone)
        registered = http.post("/customer/register", json=body | {"otp": code})
        assert registered.status_code == 200, registered.text
        login = http.post("/customer/login", json={"phone_number": phone, "password": password})
        assert login.status_code == 200, login.text

        history = http.get("/admin/notifications/", headers=admin, params={"limit": 500})
        audit = http.get("/admin/audit-log", headers=admin, params={"limit": 500})
        assert history.status_code == 200 and audit.status_code == 200
        assert text not in history.text and text not in audit.text

    for process in (api, worker):
        log = process.log()
        assert text not in log, f"the SMS reached the log of {process.name}"
        assert not re.search(rf"(?<![\d.]){code}(?!\d)", log), (
            f"the code is in {process.name}'s log"
        )
    deliveries = [
        line for line in worker.json_lines() if line.get("event") == "notification_simulated"
    ]
    assert deliveries, "the worker, not the API, sent it"
