"""A real server's JSON log: one access line per request with method, route template,
status, duration, request id and the caller's id; never a password or a token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, Process, admin_token


@pytest.fixture(scope="module")
def server() -> Iterator[Process]:
    cluster = LiveCluster.create("logs")
    try:
        yield cluster.api("api-logs").start()
    finally:
        cluster.close()


def test_access_lines_and_no_secrets(server: Process) -> None:
    phone, password, new_password = unique_phone(), "Pw-registration-7731", "Pw-changed-99812"
    secrets: list[str] = [password, new_password]
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assert (
            http.post(
                "/customer/register",
                json={"phone_number": phone, "password": password, "full_name": "Log Test"},
            ).status_code
            == 200
        )
        wrong = http.post("/customer/login", json={"phone_number": phone, "password": "Wr0ng-pw-x"})
        assert wrong.status_code == 401
        secrets.append("Wr0ng-pw-x")
        tokens = http.post("/customer/login", json={"phone_number": phone, "password": password})
        access, refresh = tokens.json()["access_token"], tokens.json()["refresh_token"]
        secrets += [access, refresh]
        auth = {"Authorization": f"Bearer {access}", "X-Request-ID": "req-live-log-1"}
        profile = http.get("/customer/profile/", headers=auth)
        assert profile.status_code == 200
        customer_id = profile.json()["customer_id"]
        # the deprecated query-string form must not leak either
        http.post(
            "/customer/change-password",
            params={"current_password": password, "new_password": new_password},
            headers=auth,
        )
        refreshed = http.post("/refresh", json={"refresh_token": refresh})
        secrets.append(refreshed.json().get("access_token", "absent-token"))
        admin = admin_token(server.base_url)
        secrets.append(admin)
        admin_headers = {"Authorization": f"Bearer {admin}"}
        assert http.get("/admin/customers/1", headers=admin_headers).status_code in (200, 404, 405)
        assert http.get("/admin/customers/", headers=admin_headers).status_code == 200
        metrics = http.get("/metrics").text

    log = server.log()
    for secret in secrets:
        assert secret not in log, "a password or token reached the log"
    access_lines = [line for line in server.json_lines() if line.get("event") == "request"]
    assert access_lines, log[-2000:]
    for line in access_lines:
        assert {"method", "route", "status", "duration_ms", "request_id", "level", "timestamp"} <= (
            line.keys()
        )
    profile_line = next(line for line in access_lines if line["request_id"] == "req-live-log-1")
    assert profile_line == profile_line | {
        "method": "GET",
        "route": "/customer/profile",
        "status": 200,
        "customer_id": customer_id,
    }
    admin_line = next(line for line in access_lines if line["route"] == "/admin/customers")
    assert isinstance(admin_line.get("admin_id"), int)
    assert "path" not in profile_line  # no concrete paths or query strings
    assert 'nexa_http_requests_total{method="POST",route="/customer/login",status="401"} 1.0' in (
        metrics
    )
