"""schemathesis over the whole OpenAPI against a live server, with valid customer and admin
tokens: no 5xx, and every documented response matches its schema.

Bounded: a few examples per operation (NEXA_SCHEMATHESIS_EXAMPLES, default 6), no shrinking
beyond hypothesis' defaults, derandomized so a CI failure reproduces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from nexa.main import create_app
from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, Process, admin_token, register_and_login

EXAMPLES = int(os.environ.get("NEXA_SCHEMATHESIS_EXAMPLES", "6"))
# operations that end the test's own session or move the service's clock for everyone
# (each has its own tests): logout, the test clock, the endless notification stream
EXCLUDED = [
    ("POST", "/logout"),
    ("POST", "/admin/test-clock"),
    ("GET", "/customer/notifications/stream"),
]

schema = schemathesis.openapi.from_dict(create_app().openapi())
for method, path in EXCLUDED:
    schema = schema.exclude(method=method, path=path)


class Live:
    def __init__(self, server: Process, customer: str, admin: str) -> None:
        self.server = server
        self.customer = {"Authorization": f"Bearer {customer}"}
        self.admin = {"Authorization": f"Bearer {admin}"}


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    cluster = LiveCluster.create("fuzz")
    try:
        server = cluster.api("api-fuzz", NEXA_PAYMENT_SIMULATOR="approve").start()
        with psycopg.connect(cluster.database_url, autocommit=True) as db:
            # our accounts get ids the fuzzer will not pick for suspend/deactivate/edit
            for table, column in (("customer", "customer_id"), ("admin", "admin_id")):
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), 987654321)"
                )
        customer = register_and_login(server.base_url, unique_phone())
        yield Live(server, customer, admin_token(server.base_url))
        statuses: dict[int, int] = {}
        for line in server.json_lines():
            if line.get("event") == "request":
                statuses[line["status"]] = statuses.get(line["status"], 0) + 1
        print(
            f"\nschemathesis: {sum(statuses.values())} requests, "
            f"by status {sorted(statuses.items())}"
        )
        assert not [status for status in statuses if status >= 500]
    finally:
        cluster.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms(case: schemathesis.Case, live: Live) -> None:
    headers = live.admin if case.path.startswith("/admin") else live.customer
    case.call_and_validate(
        base_url=live.server.base_url,
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
