"""GET /admin/audit-log: filters, pagination, guard."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.core import clock
from nexa.models import Admin
from tests.audit.conftest import Actor
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_customer


async def test_filters_and_pages(client: httpx.AsyncClient, db: AsyncSession, actor: Actor) -> None:
    me = await db.get(Admin, actor.admin_id)
    other = await make_admin(db)
    assert me is not None
    for n in range(5):
        await record_admin_action(db, me, "plan.update", "plan", n, {"price": n}, {"price": n + 1})
    await record_admin_action(db, me, "offer.delete", "offer", 77)
    await record_admin_action(db, other, "plan.update", "plan", 1)
    h = actor.headers

    async def get(**params: object) -> httpx.Response:
        response = await client.get("/admin/audit-log/", headers=h, params=params)
        assert response.status_code == 200, response.text
        return response

    mine = await get(admin_id=actor.admin_id)
    assert mine.headers["X-Total-Count"] == "6"
    assert [e["audit_id"] for e in mine.json()] == sorted(
        (e["audit_id"] for e in mine.json()), reverse=True
    )  # newest first
    page = await get(admin_id=actor.admin_id, skip=1, limit=2)
    assert page.headers["X-Total-Count"] == "6"
    assert [e["audit_id"] for e in page.json()] == [e["audit_id"] for e in mine.json()][1:3]
    updates = await get(action="plan.update", admin_id=actor.admin_id)
    assert updates.headers["X-Total-Count"] == "5"
    everyone = await get(action="plan.update", target_type="plan", target_id="1")
    assert {e["admin_id"] for e in everyone.json()} == {actor.admin_id, other.admin_id}
    offer = await get(target_type="offer", target_id="77")
    assert [(e["action"], e["admin_id"]) for e in offer.json()] == [
        ("offer.delete", actor.admin_id)
    ]
    today = clock.business_date().isoformat()
    assert (await get(admin_id=actor.admin_id, date_from=today, date_to=today)).headers[
        "X-Total-Count"
    ] == "6"
    tomorrow = (clock.now() + timedelta(days=1)).isoformat()
    assert (await get(admin_id=actor.admin_id, date_from=tomorrow)).json() == []
    bad = await client.get(
        "/admin/audit-log", headers=h, params={"date_from": tomorrow, "date_to": today}
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_date_range")
    big = await client.get("/admin/audit-log", headers=h, params={"limit": 501})
    assert big.status_code == 200 and len(big.json()) <= 500


async def test_only_admins_read_the_log(client: httpx.AsyncClient, db: AsyncSession) -> None:
    assert (await client.get("/admin/audit-log")).status_code == 401
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    response = await client.get("/admin/audit-log", headers=bearer(tokens["access_token"]))
    assert response.status_code == 403
