"""The referral programme through the API, with the worked example
docs/decisions.md#example-referral to the paisa."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.models import ReferralDiscount, Transaction
from tests.factories.accounts import unique_phone
from tests.helpers import bearer, login_customer
from tests.recharge.conftest import Buyer, make_offer, make_plan, notification_types


async def register(
    client: httpx.AsyncClient, code: str | None, phone: str | None = None
) -> httpx.Response:
    body: dict[str, object] = {
        "phone_number": phone or unique_phone(),
        "password": "secret1",
        "full_name": "Referee",
    }
    if code is not None:
        body["referral_code"] = code
    return await client.post("/customer/register", json=body)


async def generate(client: httpx.AsyncClient, buyer: Buyer) -> dict[str, object]:
    response = await client.post("/customer/referral/generate", headers=buyer.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def recharge(
    client: httpx.AsyncClient, headers: dict[str, str], phone: str, plan_id: int, **extra: object
) -> httpx.Response:
    return await client.post(
        "/customer/recharge",
        json={
            "plan_id": plan_id,
            "recipient_phone_number": phone,
            "payment_method": "upi",
            **extra,
        },
        headers=headers,
    )


async def test_example_referral(client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer) -> None:
    """The worked example docs/decisions.md#example-referral, to the paisa."""
    referrer = buyer
    program = await generate(client, referrer)
    code = str(program["referral_code"])
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    assert (program["max_uses"], program["current_uses"], program["status"]) == (1, 0, "pending")

    referee_phone = unique_phone()
    registered = await register(client, code.lower(), referee_phone)  # codes are case-insensitive
    assert registered.status_code == 200, registered.text
    referee_id = registered.json()["customer_id"]
    referee_headers = bearer(
        (await login_customer(client, referee_phone, "secret1"))["access_token"]
    )
    vouchers = (await client.get("/customer/referral/discounts", headers=referee_headers)).json()
    assert [(v["discount_percentage"], v["beneficiary_role"]) for v in vouchers] == [
        (10.0, "referee")
    ]
    # docs/decisions.md#referee-voucher
    assert await notification_types(db, referee_id) == ["referral_bonus"]

    plan_599 = await make_plan(db, price=Decimal("599.00"))
    offer = await make_offer(db, plan_599, "499.00")
    first = await recharge(
        client, referee_headers, referee_phone, plan_599.plan_id, offer_id=offer.offer_id
    )
    body = first.json()
    assert (body["original_amount"], body["discount_amount"], body["final_amount"]) == (
        599.00,
        59.90,
        539.10,
    )
    assert body["discount_type"] == "referral"
    transaction = await db.get(Transaction, body["transaction_id"])
    assert transaction is not None
    assert transaction.offer_id is None  # the offer was not applied, so it is not stored
    assert transaction.final_amount == Decimal("539.10")

    stats = (await client.get("/customer/referral/my-referrals", headers=referrer.headers)).json()
    assert (
        stats["total_uses"],
        stats["successful_referrals"],
        stats["status"],
        stats["is_active"],
    ) == (1, 1, "completed", False)
    referrer_vouchers = (
        await client.get("/customer/referral/discounts", headers=referrer.headers)
    ).json()
    assert [v["discount_percentage"] for v in referrer_vouchers] == [30.0]
    assert "referral_bonus" in await notification_types(db, referrer.customer_id)

    plan_699 = await make_plan(db, price=Decimal("699.00"))
    second = (
        await recharge(client, referrer.headers, referrer.phone_number, plan_699.plan_id)
    ).json()
    assert (second["discount_amount"], second["final_amount"]) == (209.70, 489.30)
    assert (await client.get("/customer/referral/discounts", headers=referrer.headers)).json() == []
    # the referee's voucher was spent once; a second purchase pays full price
    again = (await recharge(client, referee_headers, referee_phone, plan_599.plan_id)).json()
    assert again["discount_amount"] == 0.0


async def test_registration_refuses_bad_codes_and_creates_nothing(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    unknown = await register(client, "ZZZZ9999")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "referral_invalid")

    code = str((await generate(client, buyer))["referral_code"])
    assert (await register(client, code)).status_code == 200
    phone = unique_phone()
    used_up = await register(client, code, phone)
    assert (used_up.status_code, used_up.json()["code"]) == (400, "referral_used_up")
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret1"}
    )
    assert login.status_code == 401  # no account was created


async def test_expired_codes_and_regeneration(
    client: httpx.AsyncClient, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    first = await generate(client, buyer)
    again = await client.post("/customer/referral/generate", headers=buyer.headers)
    assert (again.status_code, again.json()["code"]) == (400, "referral_program_active")
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 31 * 86400}, headers=admin_headers
    )
    assert moved.json()["jobs_run"]["referral_expiry"] == 1
    expired = await register(client, str(first["referral_code"]))
    assert (expired.status_code, expired.json()["code"]) == (400, "referral_expired")
    stats = (await client.get("/customer/referral/my-referrals", headers=buyer.headers)).json()
    assert (stats["status"], stats["is_active"]) == ("expired", False)
    second = await generate(client, buyer)
    assert second["referral_code"] != first["referral_code"]


async def test_my_referrals_before_any_code_is_404(client: httpx.AsyncClient, buyer: Buyer) -> None:
    response = await client.get("/customer/referral/my-referrals", headers=buyer.headers)
    assert (response.status_code, response.json()["code"]) == (404, "referral_not_found")


async def test_declined_payment_neither_spends_the_voucher_nor_completes(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = str((await generate(client, buyer))["referral_code"])
    phone = unique_phone()
    await register(client, code, phone)
    headers = bearer((await login_customer(client, phone, "secret1"))["access_token"])
    plan = await make_plan(db)
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    declined = await recharge(client, headers, phone, plan.plan_id)
    assert declined.status_code == 402
    assert len((await client.get("/customer/referral/discounts", headers=headers)).json()) == 1
    stats = (await client.get("/customer/referral/my-referrals", headers=buyer.headers)).json()
    assert (stats["successful_referrals"], stats["status"]) == (0, "pending")


async def test_declining_the_voucher_uses_the_offer_and_keeps_it(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    program = await generate(client, buyer)
    code, program_id = str(program["referral_code"]), program["referral_id"]
    phone = unique_phone()
    await register(client, code, phone)
    headers = bearer((await login_customer(client, phone, "secret1"))["access_token"])
    plan = await make_plan(db, price=Decimal("599.00"))
    offer = await make_offer(db, plan, "499.00")
    body = (
        await recharge(
            client,
            headers,
            phone,
            plan.plan_id,
            offer_id=offer.offer_id,
            use_referral_discount=False,
        )
    ).json()
    assert (body["final_amount"], body["discount_type"]) == (499.00, "offer")
    unused = (
        await db.execute(
            select(ReferralDiscount.discount_id).where(
                ReferralDiscount.beneficiary_role == "referee",
                ReferralDiscount.is_used.is_(False),
                ReferralDiscount.referral_id == program_id,
            )
        )
    ).all()
    assert len(unused) == 1
    assert len((await client.get("/customer/referral/discounts", headers=headers)).json()) == 1


async def test_admin_referral_views_and_deprecated_aliases(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    program = await generate(client, buyer)
    phone = unique_phone()
    referee_id = (await register(client, str(program["referral_code"]), phone)).json()[
        "customer_id"
    ]
    referral_id = program["referral_id"]

    listing = await client.get("/admin/referrals/", headers=admin_headers)
    assert referral_id in [row["referral_id"] for row in listing.json()]
    logs = await client.get(f"/admin/referrals/{referral_id}/usage-logs", headers=admin_headers)
    assert [
        (log["used_by_phone"], log["used_by_customer_id"], log["status"]) for log in logs.json()
    ] == [(phone, referee_id, "pending")]
    missing = await client.get("/admin/referrals/999999999/usage-logs", headers=admin_headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "referral_not_found")
    stats = (await client.get("/admin/referrals/stats/overview", headers=admin_headers)).json()
    assert stats["total_referral_uses"] >= 1 and stats["status_stats"].get("pending", 0) >= 1
    top = {row["customer_id"]: row["referral_count"] for row in stats["top_referrers"]}
    assert top.get(buyer.customer_id) == 1
    details = (
        await client.get(
            f"/admin/referrals/customer/{buyer.customer_id}/referrals", headers=admin_headers
        )
    ).json()
    assert details["customer"]["phone_number"] == buyer.phone_number
    assert details["referral_program"]["referral_id"] == referral_id
    assert len(details["usage_logs"]) == 1
    nobody = await client.get(
        "/admin/referrals/customer/999999999/referrals", headers=admin_headers
    )
    assert nobody.status_code == 404

    alias = await client.get(
        f"/admin/admin/referrals/{referral_id}/usage-logs", headers=admin_headers
    )
    assert alias.status_code == 200 and alias.json() == logs.json()
    assert alias.headers["deprecation"] == "true"
    assert (
        alias.headers["link"]
        == f'</admin/referrals/{referral_id}/usage-logs>; rel="successor-version"'
    )
    spec = (await client.get("/openapi.json")).json()["paths"]
    assert spec["/admin/admin/referrals/"]["get"]["deprecated"] is True
    assert "deprecated" not in spec["/admin/referrals/"]["get"]


async def test_referral_endpoints_need_a_customer(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for method, path in (
        ("POST", "/customer/referral/generate"),
        ("GET", "/customer/referral/my-referrals"),
        ("GET", "/customer/referral/discounts"),
    ):
        assert (await client.request(method, path)).status_code == 401
        assert (await client.request(method, path, headers=admin_headers)).status_code == 403
