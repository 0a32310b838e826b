"""Issue 15, item 6: a query integer the reference API declares without a maximum is never
refused with 422. A page size above `MAX_LIMIT` is served as `MAX_LIMIT` rows with the full
total in `X-Total-Count`; other numbers are served at NEXA's documented maximum."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.pagination import MAX_LIMIT
from nexa.core.schemas import MAX_DB_ID
from nexa.models import (
    Backup,
    BackupStatus,
    BackupType,
    Customer,
    ReferralProgram,
    Restore,
)
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_admin, login_customer

# the API that existing NEXA clients speak (a copy of the earlier implementation's OpenAPI)
REFERENCE = Path(__file__).with_name("reference-openapi.json")
HUGE = 10**30
BACKUPS = "/admin/backup-restore"


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return dict(json.loads(REFERENCE.read_text()))


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    return bearer((await login_admin(client, await make_admin(db)))["access_token"])


@pytest.fixture
async def customer_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    return bearer((await login_customer(client, await make_customer(db)))["access_token"])


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        node: Any = spec
        for key in item["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        item = node
    return item


def _integer(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The integer branch of a schema (`int` or `int | None`), if it has one."""
    for branch in [schema, *schema.get("anyOf", [])]:
        if branch.get("type") == "integer":
            return branch
    return None


def _query_parameters(spec: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """name -> schema of the GET's query parameters (NEXA serves paths with and without `/`)."""
    paths = spec["paths"]
    operation = (paths.get(path) or paths.get(path.rstrip("/")) or paths[path + "/"])["get"]
    parameters = (_resolve(spec, p) for p in operation.get("parameters", []))
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def _stand_in(schema: dict[str, Any]) -> Any:
    """A valid value for a required parameter that is not the one under test."""
    branch = _integer(schema) or schema
    return {"integer": 1, "number": 10}.get(branch.get("type", ""), "x")


def _unbounded(reference: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, name, the GET's query parameters) for every unbounded query integer."""
    found = []
    for path, operations in reference["paths"].items():
        if "get" not in operations:
            continue
        parameters = _query_parameters(reference, path)
        for name, parameter in parameters.items():
            branch = _integer(parameter["schema"])
            if branch is not None and "maximum" not in branch:
                found.append((path, name, parameters))
    return found


async def test_no_unbounded_reference_parameter_is_refused_for_its_size(
    app: Any,
    reference: dict[str, Any],
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
) -> None:
    nexa = app.openapi()
    unbounded = _unbounded(reference)
    assert len(unbounded) >= 30  # ids, skip/limit, days ... (a broken walk finds none)
    failures = []
    for path, name, parameters in unbounded:
        ours = _query_parameters(nexa, path).get(name)
        assert ours is not None, f"NEXA does not document {name} on GET {path}"
        maximum = (_integer(ours["schema"]) or {}).get("maximum")
        # only database ids carry one, the BIGINT range (a larger id is malformed input)
        assert maximum in (None, MAX_DB_ID), (path, name, maximum)
        headers = admin_headers if path.startswith("/admin") else customer_headers
        required = {
            other: _stand_in(p["schema"])
            for other, p in parameters.items()
            if p.get("required") and other != name
        }
        for value in (1_000_000, HUGE if maximum is None else maximum):
            response = await client.get(path, headers=headers, params={**required, name: value})
            if response.status_code == 422 or response.status_code >= 500:
                failures.append((path, name, value, response.status_code, response.text[:200]))
    assert failures == []


# --- page sizes, with data ------------------------------------------------------------------


def _backup(admin_id: int, **fields: Any) -> dict[str, Any]:
    """The columns a backup and a restore history row share."""
    return {
        "admin_id": admin_id,
        "file_name": f"nexa-{uuid.uuid4().hex}.tar.gz",
        "path": "/backups/test",
        "type": BackupType.manual,
        "status": BackupStatus.completed,
        "date": clock.business_date(),
        "data_list": {},
        "created_at": clock.now(),
        **fields,
    }


async def _count(db: AsyncSession, column: Any) -> int:
    return int((await db.execute(select(func.count(column)))).scalar_one())


async def _page(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: int
) -> tuple[list[dict[str, Any]], int]:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json(), int(response.headers["X-Total-Count"])


async def test_backup_history_serves_a_large_limit_as_a_full_page(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    db.add_all(Backup(**_backup(1)) for _ in range(MAX_LIMIT + 2))
    await db.flush()
    total = await _count(db, Backup.backup_id)
    every_id = set((await db.execute(select(Backup.backup_id))).scalars())

    first, counted = await _page(client, f"{BACKUPS}/backup", admin_headers, limit=1000)
    assert (len(first), counted) == (MAX_LIMIT, total)
    rest, counted = await _page(
        client, f"{BACKUPS}/backup", admin_headers, skip=MAX_LIMIT, limit=1_000_000
    )
    assert (len(rest), counted) == (total - MAX_LIMIT, total)
    assert {row["backup_id"] for row in first + rest} == every_id
    beyond, counted = await _page(client, f"{BACKUPS}/backup", admin_headers, skip=HUGE)
    assert (beyond, counted) == ([], total)


async def test_restore_history_and_referrals_serve_a_large_limit(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    db.add_all(Restore(**_backup(1, type=BackupType.auto)) for _ in range(3))
    for _ in range(3):
        referrer = await make_customer(db)
        db.add(
            ReferralProgram(
                referrer_customer_id=referrer.customer_id,
                referral_code=uuid.uuid4().hex[:12].upper(),
                expires_at=clock.now() + timedelta(days=30),
            )
        )
    await db.flush()
    restores = await _count(db, Restore.restore_id)
    programs = await _count(db, ReferralProgram.referral_id)
    assert restores >= 3 and programs >= 3

    rows, counted = await _page(client, f"{BACKUPS}/restore", admin_headers, limit=1_000_000)
    assert (len(rows), counted) == (min(restores, MAX_LIMIT), restores)
    for path in ("/admin/referrals/", "/admin/admin/referrals/"):
        rows, counted = await _page(client, path, admin_headers, limit=HUGE)
        assert (len(rows), counted) == (min(programs, MAX_LIMIT), programs)


# --- other capped numbers -------------------------------------------------------------------


async def test_analytics_serve_larger_periods_and_top_lists_at_their_maximum(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for path, name, maximum in (
        ("/admin/analytics/revenue", "days", 366),
        ("/admin/analytics/customers/growth", "days", 366),
        ("/admin/analytics/referrals/trend", "days", 366),
        ("/admin/analytics/plans/performance", "limit", 100),
    ):
        capped = await client.get(path, headers=admin_headers, params={name: maximum})
        for value in (maximum + 1, 1_000_000, HUGE):
            larger = await client.get(path, headers=admin_headers, params={name: value})
            assert (larger.status_code, larger.json()) == (200, capped.json()), (path, value)
    daily = await client.get(
        "/admin/analytics/revenue", headers=admin_headers, params={"days": HUGE}
    )
    assert len(daily.json()) == 366  # one row per day, zeros included
    dashboard = await client.get("/admin/dashboard", headers=admin_headers, params={"days": HUGE})
    assert dashboard.status_code == 200


async def test_customer_inactivity_filters_beyond_the_maximum(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    idle = await make_customer(db)
    idle.days_inactive = 40
    await db.flush()
    everyone = await _count(db, Customer.customer_id)
    rows, counted = await _page(
        client, "/admin/customers/", admin_headers, days_inactive_max=HUGE, limit=HUGE
    )
    assert counted == everyone and idle.customer_id in {row["customer_id"] for row in rows}
    rows, counted = await _page(client, "/admin/customers/", admin_headers, days_inactive_min=HUGE)
    assert (rows, counted) == ([], 0)


async def test_malformed_numbers_are_still_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for path, params in (
        (f"{BACKUPS}/backup", {"limit": 0}),
        (f"{BACKUPS}/backup", {"limit": -5}),
        (f"{BACKUPS}/backup", {"limit": "many"}),
        (f"{BACKUPS}/restore", {"skip": -1}),
        ("/admin/analytics/revenue", {"days": 0}),
        ("/admin/analytics/plans/performance", {"limit": "1.5"}),
        ("/admin/customers/", {"days_inactive_min": -1}),
    ):
        response = await client.get(path, headers=admin_headers, params=params)
        assert (response.status_code, response.json()["code"]) == (422, "validation_error"), (
            path,
            params,
        )


async def test_the_openapi_documents_the_cap_instead_of_a_maximum(app: Any) -> None:
    parameters = _query_parameters(app.openapi(), f"{BACKUPS}/backup")
    limit = parameters["limit"]["schema"]
    assert (limit.get("minimum"), "maximum" in limit) == (1, False)
    assert f"larger values are served as {MAX_LIMIT}" in parameters["limit"]["description"]
    days = _query_parameters(app.openapi(), "/admin/analytics/revenue")["days"]
    assert "maximum" not in days["schema"]
    assert "larger values are served as 366" in days["description"]
