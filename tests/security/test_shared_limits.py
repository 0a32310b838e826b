"""Two API processes with one REDIS_URL share their rate-limit counters; without Redis each
process counts alone."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster

REDIS_URL = os.environ.get("NEXA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def cluster() -> Iterator[LiveCluster]:
    cluster = LiveCluster.create("limits")
    try:
        yield cluster
    finally:
        cluster.close()


def failed_logins(base_url: str, phone: str, address: str, count: int) -> list[int]:
    # behind the trusted proxy (127.0.0.1) the client address comes from X-Forwarded-For
    headers = {"X-Forwarded-For": address}
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as http:
        return [
            http.post(
                "/customer/login", json={"phone_number": phone, "password": "wrong-guess"}
            ).status_code
            for _ in range(count)
        ]


def test_two_processes_share_counters_through_redis(cluster: LiveCluster) -> None:
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    limits = {
        "REDIS_URL": REDIS_URL,
        "NEXA_RATE_LIMIT_ENABLED": "true",
        "NEXA_LOGIN_RATE_LIMIT": "3/minute",
    }
    a = cluster.api("api-a", **limits).start()
    b = cluster.api("api-b", **limits).start()
    phone = unique_phone()
    address = f"198.51.100.{random.randrange(1, 255)}"  # a documentation address, per run
    assert failed_logins(a.base_url, phone, address, 3) == [401, 401, 401]
    # B never saw these attempts, yet refuses: the counter lives in Redis
    with httpx.Client(base_url=b.base_url, timeout=30) as http:
        refused = http.post(
            "/customer/login",
            json={"phone_number": phone, "password": "wrong-guess"},
            headers={"X-Forwarded-For": f"203.0.113.{random.randrange(1, 255)}"},
        )
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_without_redis_each_process_counts_alone(cluster: LiveCluster) -> None:
    limits = {"NEXA_RATE_LIMIT_ENABLED": "true", "NEXA_LOGIN_RATE_LIMIT": "3/minute"}
    a = cluster.api("api-a", **limits).start()
    b = cluster.api("api-b", **limits).start()
    phone = unique_phone()
    assert failed_logins(a.base_url, phone, "198.51.100.7", 4) == [401, 401, 401, 429]
    assert failed_logins(b.base_url, phone, "198.51.100.8", 1) == [401]
