"""NEXA_DATABASE_READ_URL: analytics and the transaction export read the replica when one is
set. The "replica" here is another database on the test server, migrated, holding a customer
and a sale that the primary does not have; unset, reads stay on the primary."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest
from psycopg.errors import ReadOnlySqlTransaction
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import (
    database_url,
    dispose_engine,
    make_engine,
    read_database_url,
    read_unit_of_work,
)
from nexa.core.migrate import upgrade_to_head
from nexa.models import Transaction
from tests.database import drop_database, recreate_database, server_url
from tests.factories.accounts import make_admin, make_customer
from tests.factories.catalog import make_plan
from tests.helpers import bearer, login_admin

REPLICA = f"nexa_test_replica_{os.getpid()}"
REPLICA_CUSTOMER = "Only On The Replica"
REPLICA_SALE = Decimal("4321.09")


@pytest.fixture(scope="module")
async def replica_url() -> AsyncIterator[str]:
    url = recreate_database(server_url(), REPLICA).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    upgrade_to_head(url)
    engine = make_engine(url, pool_size=1)
    async with AsyncSession(engine) as db, db.begin():
        customer = await make_customer(db, full_name=REPLICA_CUSTOMER)
        plan = await make_plan(db, price=REPLICA_SALE)
        db.add(
            Transaction(
                customer_id=customer.customer_id,
                plan_id=plan.plan_id,
                recipient_phone_number=customer.phone_number,
                transaction_type="prepaid_recharge",
                original_amount=REPLICA_SALE,
                discount_amount=Decimal("0"),
                final_amount=REPLICA_SALE,
                payment_method="upi",
                payment_status="success",
                transaction_date=clock.now(),
            )
        )
    await engine.dispose()
    yield url
    await dispose_engine()  # the replica's pool; the primary's is made again at its next use
    drop_database(server_url(), REPLICA)


@pytest.fixture
def replica(replica_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """NEXA_DATABASE_READ_URL set for one test (settings are read again, then restored)."""
    monkeypatch.setenv("NEXA_DATABASE_READ_URL", replica_url)
    get_settings.cache_clear()
    yield replica_url
    monkeypatch.delenv("NEXA_DATABASE_READ_URL")
    get_settings.cache_clear()


async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    """An admin of the primary (the test's transaction), and customers the replica lacks."""
    for _ in range(3):
        await make_customer(db)
    return bearer((await login_admin(client, await make_admin(db)))["access_token"])


async def current_database(db: AsyncSession) -> str:
    return str((await db.execute(text("SELECT current_database()"))).scalar_one())


async def test_unset_reads_go_to_the_primary() -> None:
    assert get_settings().database_read_url is None
    assert read_database_url() == database_url()
    async with read_unit_of_work() as db:
        assert await current_database(db) != REPLICA


async def test_analytics_read_the_replica(
    client: httpx.AsyncClient, db: AsyncSession, replica: str
) -> None:
    headers = await admin_headers(client, db)  # the primary now has more customers
    analytics = await client.get("/admin/analytics/dashboard", headers=headers)
    assert analytics.status_code == 200, analytics.text
    overview = analytics.json()["overview"]
    assert overview["total_customers"] == 1
    assert Decimal(str(overview["total_revenue_amount"])) == REPLICA_SALE
    board = await client.get("/admin/dashboard", headers=headers, params={"days": 7})
    assert board.status_code == 200, board.text
    assert board.json()["customers"]["total"] == 1
    assert Decimal(str(board.json()["period"]["revenue_amount"])) == REPLICA_SALE


async def test_the_export_reads_the_replica(
    client: httpx.AsyncClient, db: AsyncSession, replica: str
) -> None:
    headers = await admin_headers(client, db)
    response = await client.post("/admin/transactions/export", headers=headers)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert rows[1][1] == REPLICA_CUSTOMER and rows[1][8] == str(REPLICA_SALE)


@pytest.mark.parametrize("on_replica", [True, False])
async def test_a_read_session_refuses_writes(
    on_replica: bool, request: pytest.FixtureRequest
) -> None:
    if on_replica:
        request.getfixturevalue("replica")
    async with read_unit_of_work() as db:
        assert (await current_database(db) == REPLICA) is on_replica
        with pytest.raises(DBAPIError) as refused:
            await db.execute(text("UPDATE customer SET full_name = full_name WHERE false"))
    assert isinstance(refused.value.orig, ReadOnlySqlTransaction)
