"""Admin transaction pages read from either end are the same newest-first slices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from tests.analytics.test_summary import add_sale
from tests.factories.accounts import make_customer
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def test_every_page_is_its_slice_of_the_newest_first_list(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("10.00"))
    start = clock.now() - timedelta(days=3)
    for n in range(31):  # pairs share an instant: the id breaks the tie
        add_sale(db, buyer, plan.plan_id, "10.00", start + timedelta(minutes=n // 2))
    other = await make_customer(db)
    add_sale(db, Buyer(other.customer_id, other.phone_number, {}), plan.plan_id, "10.00", start)
    await db.flush()

    async def page(skip: int, limit: int, **filters: object) -> tuple[list[int], int]:
        response = await client.get(
            "/admin/transactions/",
            headers=admin_headers,
            params={"plan_id": plan.plan_id, "skip": skip, "limit": limit, **filters},
        )
        assert response.status_code == 200, response.text
        ids = [row["transaction_id"] for row in response.json()]
        return ids, int(response.headers["X-Total-Count"])

    everything, total = await page(0, 500)
    assert total == 32 and len(everything) == 32
    for limit in (1, 5, 7, 32, 40):
        for skip in range(0, 35):
            ids, count = await page(skip, limit)
            assert count == 32
            assert ids == everything[skip : skip + limit], (skip, limit)
    phone = {"customer_phone": buyer.phone_number[-7:]}
    mine, count = await page(0, 500, **phone)
    assert count == 31 and len(mine) == 31 and set(mine) < set(everything)
    for skip in (0, 12, 16, 24, 30):
        assert (await page(skip, 7, **phone)) == (mine[skip : skip + 7], 31)
