"""Time-based behaviour through the test clock: reminders, the clock API, production mode."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.main import create_app
from tests.recharge.conftest import Buyer, make_plan, notification_types


async def buy(client: httpx.AsyncClient, buyer: Buyer, plan_id: int) -> dict[str, object]:
    response = await client.post(
        "/customer/recharge",
        json={
            "plan_id": plan_id,
            "recipient_phone_number": buyer.phone_number,
            "payment_method": "debit_card",
        },
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_one_expiry_reminder_in_the_last_day(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, validity_days=3)
    await buy(client, buyer, plan.plan_id)
    await client.post("/admin/test-clock", json={"advance_seconds": 86400}, headers=admin_headers)
    assert "plan_expiry" not in await notification_types(db, buyer.customer_id)
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 36 * 3600}, headers=admin_headers
    )
    assert moved.json()["jobs_run"]["expiry_reminders"] == 1
    await client.post("/admin/test-clock", json={"advance_seconds": 3600}, headers=admin_headers)
    assert (await notification_types(db, buyer.customer_id)).count("plan_expiry") == 1


async def test_no_expiry_reminder_when_a_plan_is_queued(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, validity_days=2)
    await buy(client, buyer, plan.plan_id)
    await buy(client, buyer, plan.plan_id)  # queued behind the first
    await client.post(
        "/admin/test-clock", json={"advance_seconds": 30 * 3600}, headers=admin_headers
    )
    assert "plan_expiry" not in await notification_types(db, buyer.customer_id)


async def test_test_clock_api(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    state = (await client.get("/admin/test-clock", headers=admin_headers)).json()
    assert state["offset_seconds"] == 0
    moved = (
        await client.post(
            "/admin/test-clock", json={"advance_seconds": 3600}, headers=admin_headers
        )
    ).json()
    assert moved["offset_seconds"] == 3600
    state = (await client.get("/admin/test-clock", headers=admin_headers)).json()
    assert state["offset_seconds"] == 3600
    back = await client.post(
        "/admin/test-clock", json={"set_to": "2020-01-01T00:00:00Z"}, headers=admin_headers
    )
    assert (back.status_code, back.json()["code"]) == (400, "clock_cannot_go_back")
    for body in (
        {},
        {"advance_seconds": 5, "set_to": "2030-01-01T00:00:00Z"},
        {"advance_seconds": -5},
        {"set_to": "2030-01-01T00:00:00"},
    ):
        response = await client.post("/admin/test-clock", json=body, headers=admin_headers)
        assert response.status_code == 422, body


def test_production_has_no_test_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "environment", "production")
    paths = create_app().openapi()["paths"]
    assert "/admin/test-clock" not in paths
    assert "/customer/recharge" in paths
