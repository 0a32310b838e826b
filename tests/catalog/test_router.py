"""The catalogue as customers see it (real PostgreSQL, through the API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.db import get_engine
from nexa.models import PlanStatus, PlanType
from tests.factories.accounts import make_admin, make_customer
from tests.factories.catalog import make_category, make_offer, make_plan, unique_name
from tests.helpers import bearer, login_admin, login_customer


@pytest.fixture
async def customer_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    customer = await make_customer(db)
    return bearer((await login_customer(client, customer))["access_token"])


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.json()


async def test_customer_catalogue_needs_a_customer_token(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    admin = await make_admin(db)
    admin_headers = bearer((await login_admin(client, admin))["access_token"])
    for path in ("/customer/categories", "/customer/plans", "/customer/offers/"):
        error(await client.get(path), 401, "not_authenticated")
        error(await client.get(path, headers=admin_headers), 403, "customer_only")


async def test_categories_ordered_by_name(
    client: httpx.AsyncClient, db: AsyncSession, customer_headers: dict[str, str]
) -> None:
    suffix = unique_name("")
    zeta = await make_category(db, f"zeta {suffix}")
    alpha = await make_category(db, f"Alpha {suffix}")
    middle = await make_category(db, f"Mid {suffix}")
    expected = [
        {"category_id": alpha.category_id, "category_name": f"Alpha {suffix}"},
        {"category_id": middle.category_id, "category_name": f"Mid {suffix}"},
        {"category_id": zeta.category_id, "category_name": f"zeta {suffix}"},
    ]
    response = await client.get("/customer/categories", headers=customer_headers)
    assert response.status_code == 200, response.text
    mine = [row for row in response.json() if row["category_name"].endswith(suffix)]
    assert mine == expected
    assert int(response.headers["x-total-count"]) == len(response.json())
    names = [row["category_name"].lower() for row in response.json()]
    assert names == sorted(names)


async def test_plans_listing_visibility_order_and_filters(
    client: httpx.AsyncClient, db: AsyncSession, customer_headers: dict[str, str]
) -> None:
    category = await make_category(db)
    other = await make_category(db)
    cheap = await make_plan(db, category, price="199.00")
    dear = await make_plan(db, category, price="999.00")
    featured_dear = await make_plan(db, category, price="799.00", is_featured=True)
    featured_cheap = await make_plan(db, category, price="299.00", is_featured=True)
    same_price = await make_plan(db, category, price="199.00")
    topup = await make_plan(db, category, price="49.00", is_topup=True, validity_days=0)
    postpaid = await make_plan(db, category, price="399.00", plan_type=PlanType.postpaid)
    inactive = await make_plan(db, category, price="99.00", status=PlanStatus.inactive)
    deleted = await make_plan(db, category, price="99.00", deleted=True)
    elsewhere = await make_plan(db, other, price="10.00")
    ids = {
        name: plan.plan_id
        for name, plan in {
            "cheap": cheap,
            "dear": dear,
            "featured_dear": featured_dear,
            "featured_cheap": featured_cheap,
            "same_price": same_price,
            "topup": topup,
            "postpaid": postpaid,
            "inactive": inactive,
            "deleted": deleted,
            "elsewhere": elsewhere,
        }.items()
    }
    cid = category.category_id

    async def listed(**params: Any) -> list[int]:
        response = await client.get("/customer/plans", params=params, headers=customer_headers)
        assert response.status_code == 200, response.text
        assert int(response.headers["x-total-count"]) >= len(response.json())
        return [row["plan_id"] for row in response.json()]

    # featured first, then price ascending, then plan_id; inactive and deleted never shown
    assert await listed(category_id=cid) == [
        ids["featured_cheap"],
        ids["featured_dear"],
        ids["topup"],
        ids["cheap"],
        ids["same_price"],
        ids["postpaid"],
        ids["dear"],
    ]
    assert await listed(category_id=cid, is_featured=True) == [
        ids["featured_cheap"],
        ids["featured_dear"],
    ]
    assert await listed(category_id=cid, is_topup=True) == [ids["topup"]]
    assert await listed(category_id=cid, plan_type="POSTPAID") == [ids["postpaid"]]
    assert await listed(category_id=cid, min_price=199, max_price=399, is_featured=False) == [
        ids["cheap"],
        ids["same_price"],
        ids["postpaid"],
    ]
    assert await listed(plan_id=ids["dear"]) == [ids["dear"]]
    page = await client.get(
        "/customer/plans/",
        params={"category_id": cid, "skip": 2, "limit": 2},
        headers=customer_headers,
    )
    assert [row["plan_id"] for row in page.json()] == [ids["topup"], ids["cheap"]]
    assert page.headers["x-total-count"] == "7"

    for hidden in ("inactive", "deleted"):
        error(
            await client.get(
                "/customer/plans", params={"plan_id": ids[hidden]}, headers=customer_headers
            ),
            404,
            "plan_not_found",
        )
    error(
        await client.get(
            "/customer/plans", params={"plan_id": 987654321}, headers=customer_headers
        ),
        404,
        "plan_not_found",
    )
    bad = await client.get("/customer/plans", params={"plan_type": "x"}, headers=customer_headers)
    assert bad.status_code == 422


async def test_plan_fields_and_example_fixed_offer(
    client: httpx.AsyncClient, db: AsyncSession, customer_headers: dict[str, str]
) -> None:
    """The listing side of docs/decisions.md#example-fixed-offer."""
    category = await make_category(db)
    plan = await make_plan(
        db, category, price="599.00", data_allowance_mb=1536, daily_data_limit_mb=512
    )
    plain = await make_plan(db, category, price="799.00")
    offer = await make_offer(db, plan, "499.00")
    offer_id, until = offer.offer_id, offer.valid_until
    category_name = category.category_name

    response = await client.get(
        "/customer/plans", params={"category_id": category.category_id}, headers=customer_headers
    )
    assert response.status_code == 200, response.text
    with_offer, without = response.json()
    assert with_offer["plan_id"] == plan.plan_id
    assert with_offer["category_name"] == category_name
    assert with_offer["plan_type"] == "Prepaid"
    assert money(with_offer["price"]) == Decimal("599.00")
    assert money(with_offer["data_allowance_gb"]) == Decimal("1.5")
    assert with_offer["data_allowance_mb"] == 1536
    assert money(with_offer["daily_data_limit_gb"]) == Decimal("0.5")
    assert with_offer["has_active_offer"] is True
    assert with_offer["offer_id"] == offer_id
    assert money(with_offer["offer_price"]) == Decimal("499.00")
    assert money(with_offer["discount_percentage"]) == Decimal("16.69")  # 16.694…
    ist = until + timedelta(hours=5, minutes=30)
    assert with_offer["offer_valid_until"] == ist.strftime("%d.%m.%Y %H:%M")

    assert without["plan_id"] == plain.plan_id
    assert without["has_active_offer"] is False
    assert [without[key] for key in ("offer_id", "offer_price", "discount_percentage")] == [
        None,
        None,
        None,
    ]
    assert without["offer_valid_until"] is None


async def test_best_offer_among_overlapping_offers(
    client: httpx.AsyncClient, db: AsyncSession, customer_headers: dict[str, str]
) -> None:
    category = await make_category(db)
    plan = await make_plan(db, category, price="599.00")
    tie_plan = await make_plan(db, category, price="699.00")
    await make_offer(db, plan, "499.00")
    await make_offer(db, plan, "450.00", lasts=timedelta(days=40))
    best = await make_offer(db, plan, "450.00", lasts=timedelta(days=20))
    await make_offer(db, plan, "300.00", deleted=True)
    await make_offer(db, plan, "200.00", starts_in=timedelta(hours=1))  # not started
    await make_offer(db, plan, "100.00", starts_in=timedelta(days=-40))  # expired
    same_end = await make_offer(db, tie_plan, "500.00")
    later_id = await make_offer(
        db, tie_plan, "500.00", valid_from=same_end.valid_from, valid_until=same_end.valid_until
    )
    best_id, tie_id, later = best.offer_id, same_end.offer_id, later_id.offer_id
    assert tie_id < later

    response = await client.get(
        "/customer/plans", params={"category_id": category.category_id}, headers=customer_headers
    )
    rows = {row["plan_id"]: row for row in response.json()}
    assert rows[plan.plan_id]["offer_id"] == best_id
    assert money(rows[plan.plan_id]["offer_price"]) == Decimal("450.00")
    # (599 - 450) / 599 = 24.874…%
    assert money(rows[plan.plan_id]["discount_percentage"]) == Decimal("24.87")
    assert rows[tie_plan.plan_id]["offer_id"] == tie_id


@pytest.fixture
async def statements() -> AsyncIterator[list[str]]:
    """SQL statements sent while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def test_plan_listing_query_count_does_not_grow_with_plans(
    client: httpx.AsyncClient,
    db: AsyncSession,
    customer_headers: dict[str, str],
    statements: list[str],
) -> None:
    small, large = await make_category(db), await make_category(db)
    for _ in range(2):
        await make_offer(db, await make_plan(db, small))
    for _ in range(8):
        await make_offer(db, await make_plan(db, large))

    async def offer_queries(category_id: int) -> int:
        statements.clear()
        response = await client.get(
            "/customer/plans", params={"category_id": category_id}, headers=customer_headers
        )
        assert all(row["has_active_offer"] for row in response.json())
        return sum(" offer" in statement for statement in statements)

    # the page's query and the next offer boundary (how long the page may be cached)
    assert await offer_queries(small.category_id) == 2
    assert await offer_queries(large.category_id) == 2
    assert await offer_queries(large.category_id) == 0  # from memory


async def test_customer_offers(
    client: httpx.AsyncClient, db: AsyncSession, customer_headers: dict[str, str]
) -> None:
    category = await make_category(db)
    plan = await make_plan(db, category, price="599.00", plan_name="Unlimited 599")
    other = await make_plan(db, category, price="755.00")
    inactive = await make_plan(db, category, status=PlanStatus.inactive)
    deleted = await make_plan(db, category, deleted=True)
    shown = await make_offer(db, plan, "499.00")
    cheaper = await make_offer(db, plan, "449.00")
    on_other = await make_offer(db, other, "641.75")
    hidden = [
        await make_offer(db, plan, "300.00", deleted=True),
        await make_offer(db, plan, "350.00", starts_in=timedelta(days=1)),
        await make_offer(db, plan, "399.00", starts_in=timedelta(days=-60)),
        await make_offer(db, inactive),
        await make_offer(db, deleted),
    ]
    hidden_ids = {offer.offer_id for offer in hidden}
    shown_id, cheaper_id, other_id = shown.offer_id, cheaper.offer_id, on_other.offer_id
    valid_from = shown.valid_from + timedelta(hours=5, minutes=30)

    response = await client.get("/customer/offers", headers=customer_headers)
    assert response.status_code == 200, response.text
    listed = {row["offer_id"]: row for row in response.json()}
    assert not hidden_ids & set(listed)
    assert {shown_id, cheaper_id, other_id} <= set(listed)
    row = listed[shown_id]
    assert row["plan_name"] == "Unlimited 599"
    assert row["plan_id"] == plan.plan_id
    assert money(row["original_price"]) == Decimal("599.00")
    assert money(row["discounted_price"]) == Decimal("499.00")
    assert money(row["discount_percentage"]) == Decimal("16.69")
    assert row["valid_from"] == valid_from.strftime("%d.%m.%Y %H:%M")
    assert money(listed[other_id]["discount_percentage"]) == Decimal("15.00")

    by_plan = await client.get(
        "/customer/offers", params={"plan_id": plan.plan_id}, headers=customer_headers
    )
    assert [row["offer_id"] for row in by_plan.json()] == [cheaper_id, shown_id]
    assert by_plan.headers["x-total-count"] == "2"
    paged = await client.get(
        "/customer/offers",
        params={"plan_id": plan.plan_id, "skip": 1, "limit": 1},
        headers=customer_headers,
    )
    assert [row["offer_id"] for row in paged.json()] == [shown_id]
    assert paged.headers["x-total-count"] == "2"
