"""Postpaid through the API and the test clock: cycles, bills, payment, suspension, add-ons."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.models import Notification, Plan, PlanStatus, PlanType, Transaction
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.postpaid.conftest import GB, activate
from tests.recharge.conftest import Buyer, make_plan, notification_types

DAY = 86400


def at(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


async def advance(client: httpx.AsyncClient, admin_headers: dict[str, str], seconds: float) -> dict:
    response = await client.post(
        "/admin/test-clock", json={"advance_seconds": int(seconds)}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_example_postpaid_cycle_bill_reminder_and_payment(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
    addon_plan: Plan,
) -> None:
    """The worked example docs/decisions.md#example-postpaid."""
    activation = await activate(client, buyer, postpaid_plan.plan_id)
    start = at(activation["billing_cycle_start"])
    assert at(activation["billing_cycle_end"]) == start + timedelta(days=30)
    assert (activation["current_data_balance_gb"], activation["total_amount_due"]) == (35.0, 0.0)
    activation_id = activation["activation_id"]

    await advance(client, admin_headers, 10 * DAY)
    addon = await client.post(
        "/customer/postpaid/purchase-addon",
        headers=buyer.headers,
        json={"activation_id": activation_id, "plan_id": addon_plan.plan_id},
    )
    assert addon.status_code == 200, addon.text
    assert at(addon.json()["valid_until"]) == start + timedelta(days=30)
    usage = (await client.get("/customer/postpaid/usage", headers=buyer.headers)).json()
    assert usage["current_data_balance_gb"] == 45.0
    estimate = (await client.get("/customer/postpaid/bill", headers=buyer.headers)).json()
    assert (estimate["total_amount_due"], estimate["is_estimate"]) == (499.0, True)
    nothing = await client.post(
        "/customer/postpaid/pay-bill",
        headers=buyer.headers,
        json={"activation_id": activation_id, "payment_method": "upi"},
    )
    assert (nothing.status_code, nothing.json()["code"]) == (400, "nothing_due")

    await advance(client, admin_headers, 20 * DAY + 60)  # past the cycle end
    bill = (await client.get("/customer/postpaid/bill", headers=buyer.headers)).json()
    assert bill["is_estimate"] is False and bill["status"] == "unpaid"
    assert (bill["base_amount"], bill["addon_charges"], bill["total_amount_due"]) == (
        399.0,
        100.0,
        499.0,
    )
    assert at(bill["due_date"]) == start + timedelta(days=37)
    assert [item["amount"] for item in bill["line_items"]] == [399.0, 100.0]
    current = (await client.get("/customer/postpaid/activation", headers=buyer.headers)).json()[0]
    assert at(current["billing_cycle_start"]) == start + timedelta(days=30)  # next cycle began
    assert (current["current_data_balance_gb"], current["total_amount_due"]) == (35.0, 499.0)
    assert (await client.get("/customer/postpaid/addons", headers=buyer.headers)).json() == []

    await advance(client, admin_headers, 4 * DAY + 3600)  # T+34d+: 3 days before due
    types = await notification_types(db, buyer.customer_id)
    assert types.count("postpaid_due_date") == 1
    push = (
        await db.execute(
            select(Notification.channel).where(
                Notification.customer_id == buyer.customer_id,
                Notification.type == "postpaid_due_date",
            )
        )
    ).scalar_one()
    assert push == "push"

    paid = await client.post(
        "/customer/postpaid/pay-bill",
        headers=buyer.headers,
        json={"activation_id": activation_id, "payment_method": "upi"},
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["amount_paid"], paid.json()["status"]) == (499.0, "active")
    transaction = await db.get(Transaction, paid.json()["transaction_id"])
    assert transaction is not None
    assert (transaction.transaction_type, transaction.final_amount) == (
        "postpaid_bill_payment",
        Decimal("499.00"),
    )
    history = (await client.get("/customer/postpaid/bills", headers=buyer.headers)).json()
    assert [(b["status"], b["total_amount_due"]) for b in history] == [("paid", 499.0)]
    after = (await client.get("/customer/postpaid/activation", headers=buyer.headers)).json()[0]
    assert (after["status"], after["total_amount_due"]) == ("active", 0.0)


async def test_overdue_bill_suspends_and_payment_resumes(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
    addon_plan: Plan,
) -> None:
    activation = await activate(client, buyer, postpaid_plan.plan_id)
    activation_id = activation["activation_id"]
    await advance(client, admin_headers, 38 * DAY)  # cycle end + 7 days + 1 day
    state = (await client.get("/customer/postpaid/activation", headers=buyer.headers)).json()[0]
    assert (state["status"], state["total_amount_due"]) == ("suspended", 399.0)
    assert "postpaid_due_date" in await notification_types(db, buyer.customer_id)
    # suspended: no data, no add-ons
    usage = (
        await client.post(
            "/admin/usage",
            headers=admin_headers,
            json={
                "records": [
                    {
                        "event_id": f"susp-{activation_id}",
                        "phone_number": buyer.phone_number,
                        "used_mb": 100,
                    }
                ]
            },
        )
    ).json()
    assert (usage["applied_mb"], usage["throttled_mb"]) == (0, 100)
    refused = await client.post(
        "/customer/postpaid/purchase-addon",
        headers=buyer.headers,
        json={"activation_id": activation_id, "plan_id": addon_plan.plan_id},
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "activation_suspended")
    # the cycles stopped rolling: one bill only
    assert len((await client.get("/customer/postpaid/bills", headers=buyer.headers)).json()) == 1

    paid = await client.post(
        "/customer/postpaid/pay-bill",
        headers=buyer.headers,
        json={"activation_id": activation_id, "payment_method": "net_banking"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "active"
    resumed = (await client.get("/customer/postpaid/activation", headers=buyer.headers)).json()[0]
    clock = (await client.get("/admin/test-clock", headers=admin_headers)).json()
    assert resumed["status"] == "active"
    assert abs((at(resumed["billing_cycle_start"]) - at(clock["now"])).total_seconds()) < 5
    usage = (
        await client.post(
            "/admin/usage",
            headers=admin_headers,
            json={
                "records": [
                    {
                        "event_id": f"resumed-{activation_id}",
                        "phone_number": buyer.phone_number,
                        "used_mb": 100,
                    }
                ]
            },
        )
    ).json()
    assert usage["applied_mb"] == 100


async def test_declined_bill_payment_changes_nothing_but_is_recorded(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    activation_id = (await activate(client, buyer, postpaid_plan.plan_id))["activation_id"]
    await advance(client, admin_headers, 30 * DAY + 60)
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    declined = await client.post(
        "/customer/postpaid/pay-bill",
        headers=buyer.headers,
        json={"activation_id": activation_id, "payment_method": "upi"},
    )
    assert declined.status_code == 402
    transaction = await db.get(Transaction, declined.json()["transaction_id"])
    assert transaction is not None and transaction.payment_status == "failed"
    bill = (await client.get("/customer/postpaid/bill", headers=buyer.headers)).json()
    assert (bill["status"], bill["total_amount_due"]) == ("unpaid", 399.0)


async def test_activation_rules(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    postpaid_plan: Plan,
    addon_plan: Plan,
) -> None:
    prepaid = await make_plan(db)
    inactive = await make_plan(
        db, plan_type=PlanType.postpaid, status=PlanStatus.inactive, daily_data_limit_mb=None
    )
    other = await make_customer(db)
    other_phone = other.phone_number
    for plan_id in (prepaid.plan_id, inactive.plan_id, addon_plan.plan_id, 987654321):
        response = await client.post(
            "/customer/postpaid/activate",
            headers=buyer.headers,
            json={"plan_id": plan_id, "primary_number": buyer.phone_number},
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_postpaid_plan")
    theirs = await client.post(
        "/customer/postpaid/activate",
        headers=buyer.headers,
        json={"plan_id": postpaid_plan.plan_id, "primary_number": other_phone},
    )
    assert (theirs.status_code, theirs.json()["code"]) == (400, "number_of_another_customer")
    await activate(client, buyer, postpaid_plan.plan_id)
    twice = await client.post(
        "/customer/postpaid/activate",
        headers=buyer.headers,
        json={"plan_id": postpaid_plan.plan_id, "primary_number": buyer.phone_number},
    )
    assert (twice.status_code, twice.json()["code"]) == (400, "number_has_postpaid")

    # a second activation on a new (unregistered) number: endpoints then need activation_id
    await activate(client, buyer, postpaid_plan.plan_id, unique_phone())
    ambiguous = await client.get("/customer/postpaid/usage", headers=buyer.headers)
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (400, "activation_id_required")
    plans = (await client.get("/customer/postpaid/plans", headers=buyer.headers)).json()
    plan_ids = {plan["plan_id"] for plan in plans}
    assert postpaid_plan.plan_id in plan_ids and addon_plan.plan_id not in plan_ids
    addon_ids = {
        p["plan_id"]
        for p in (await client.get("/customer/postpaid/addon-plans", headers=buyer.headers)).json()
    }
    assert addon_plan.plan_id in addon_ids


async def test_no_activation_is_404(client: httpx.AsyncClient, buyer: Buyer) -> None:
    for path in (
        "/customer/postpaid/usage",
        "/customer/postpaid/bill",
        "/customer/postpaid/activation",
        "/customer/postpaid/addons",
        "/customer/postpaid/secondary-numbers",
    ):
        response = await client.get(path, headers=buyer.headers)
        assert (response.status_code, response.json()["code"]) == (404, "activation_not_found")


async def test_secondary_numbers_share_the_pool_and_respect_the_maximum(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
    addon_plan: Plan,
) -> None:
    activation_id = (await activate(client, buyer, postpaid_plan.plan_id))["activation_id"]
    family = await make_customer(db)
    family_phone, family_id = family.phone_number, family.customer_id
    stranger_phone = unique_phone()

    def add(number: str) -> dict[str, object]:
        return {"activation_id": activation_id, "phone_number": number}

    first = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(family_phone), headers=buyer.headers
    )
    assert first.status_code == 200 and first.json()["customer_id"] == family_id
    again = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(family_phone), headers=buyer.headers
    )
    assert again.json()["code"] == "secondary_already_added"
    primary = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(buyer.phone_number), headers=buyer.headers
    )
    assert primary.json()["code"] == "secondary_is_primary"
    second = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(stranger_phone), headers=buyer.headers
    )
    assert second.status_code == 200
    third = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(unique_phone()), headers=buyer.headers
    )
    assert (third.status_code, third.json()["code"]) == (400, "secondary_limit_reached")

    # the family member sees the plan as a secondary number but cannot manage it
    family_headers = bearer((await login_customer(client, family_phone))["access_token"])
    seen = (await client.get("/customer/postpaid/activation", headers=family_headers)).json()
    assert [(a["activation_id"], a["user_role"]) for a in seen] == [
        (activation_id, "secondary_number")
    ]
    forbidden = await client.post(
        "/customer/postpaid/secondary-numbers", json=add(unique_phone()), headers=family_headers
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "not_activation_owner")

    # usage on a secondary number draws on the shared pool: base first, then the add-on
    await client.post(
        "/customer/postpaid/purchase-addon",
        headers=buyer.headers,
        json={"activation_id": activation_id, "plan_id": addon_plan.plan_id},
    )
    batch = {
        "records": [
            {
                "event_id": f"pool-{activation_id}-1",
                "phone_number": stranger_phone,
                "used_mb": 35 * GB - 150,
            }
        ]
    }
    assert (await client.post("/admin/usage", json=batch, headers=admin_headers)).json()[
        "applied_mb"
    ] == 35 * GB - 150
    types = await notification_types(db, buyer.customer_id)
    assert "low_balance" not in types  # 150 MB base + 10 GB add-on left
    batch = {
        "records": [
            {
                "event_id": f"pool-{activation_id}-2",
                "phone_number": family_phone,
                "used_mb": 10 * GB + 100,
            }
        ]
    }
    result = (await client.post("/admin/usage", json=batch, headers=admin_headers)).json()
    assert (result["applied_mb"], result["throttled_mb"]) == (10 * GB + 100, 0)
    usage = (await client.get("/customer/postpaid/usage", headers=buyer.headers)).json()
    assert usage["current_data_balance_mb"] == 50  # all in the add-on now
    addons = (await client.get("/customer/postpaid/addons", headers=buyer.headers)).json()
    assert [a["data_remaining_mb"] for a in addons] == [50]
    types = await notification_types(db, buyer.customer_id)
    assert types.count("low_balance") == 1
    batch = {
        "records": [
            {"event_id": f"pool-{activation_id}-3", "phone_number": family_phone, "used_mb": 80}
        ]
    }
    result = (await client.post("/admin/usage", json=batch, headers=admin_headers)).json()
    assert (result["applied_mb"], result["throttled_mb"]) == (50, 30)
    types = await notification_types(db, buyer.customer_id)
    assert types.count("data_exhausted") == 1 and types.count("addon_offered") == 1
    assert (await client.get("/customer/postpaid/addons", headers=buyer.headers)).json() == []

    secondaries = (
        await client.get("/customer/postpaid/secondary-numbers", headers=buyer.headers)
    ).json()
    removed = await client.delete(
        f"/customer/postpaid/secondary-numbers/{secondaries[0]['secondary_id']}",
        headers=buyer.headers,
    )
    assert removed.status_code == 200
    missing = await client.delete(
        "/customer/postpaid/secondary-numbers/999999999", headers=buyer.headers
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "secondary_not_found")
    left = (await client.get("/customer/postpaid/secondary-numbers", headers=buyer.headers)).json()
    assert len(left) == 1


async def test_admin_postpaid_views(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
) -> None:
    activation_id = (await activate(client, buyer, postpaid_plan.plan_id))["activation_id"]
    listing = await client.get(
        "/admin/postpaid/activations",
        headers=admin_headers,
        params={"customer_phone": buyer.phone_number},
    )
    rows = listing.json()
    assert [r["activation_id"] for r in rows] == [activation_id]
    assert rows[0]["customer_id"] == buyer.customer_id and rows[0]["data_addons"] == []
    check = (
        await client.get(
            f"/admin/postpaid/activations/{activation_id}/secondary-validation",
            headers=admin_headers,
        )
    ).json()
    assert (
        check["max_secondary_numbers_allowed"],
        check["remaining_slots"],
        check["can_add_more"],
    ) == (2, 2, True)
    await advance(client, admin_headers, 30 * DAY + 60)
    due = (await client.get("/admin/postpaid/due-payments", headers=admin_headers)).json()
    mine = [row for row in due if row["activation_id"] == activation_id]
    assert len(mine) == 1 and mine[0]["total_amount_due"] == 399.0
    assert mine[0]["days_remaining"] == 6
    history = (
        await client.get(
            f"/admin/postpaid/customer-history/{buyer.customer_id}", headers=admin_headers
        )
    ).json()
    assert [a["activation_id"] for a in history["activations"]] == [activation_id]
    missing = await client.get("/admin/postpaid/customer-history/999999999", headers=admin_headers)
    assert missing.status_code == 404
    unknown = await client.get(
        "/admin/postpaid/activations", params={"activation_id": 999999999}, headers=admin_headers
    )
    assert unknown.status_code == 404
