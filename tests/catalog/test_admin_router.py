"""Catalogue administration through the API: categories, plans, offers (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service
from nexa.catalog.repository import CategoryRepository
from nexa.core import clock
from nexa.models import (
    Category,
    Offer,
    PaymentMethod,
    PaymentStatus,
    Plan,
    PlanStatus,
    PlanType,
    Transaction,
    TransactionType,
)
from tests.factories.accounts import make_admin, make_customer
from tests.factories.catalog import make_category, make_offer, make_plan, unique_name
from tests.helpers import bearer, login_admin


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    admin = await make_admin(db)
    return bearer((await login_admin(client, admin))["access_token"])


def money(value: Any) -> Decimal:
    """A JSON number as the exact decimal it prints as."""
    return Decimal(str(value))


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    return str(body["detail"])


def plan_body(category_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "category_id": category_id,
        "plan_name": unique_name("Unlimited"),
        "plan_type": "Prepaid",
        "price": 599.00,
        "validity_days": 28,
        "description": "2 GB a day",
        "data_allowance_gb": 56,
        "daily_data_limit_gb": 2,
        "talktime_allowance_minutes": 1000,
        "sms_allowance": 100,
        "benefits": ["Free streaming"],
        **overrides,
    }


def ist(text: str) -> datetime:
    """A `DD.MM.YYYY HH:MM` string read in Asia/Kolkata (UTC+05:30), as UTC."""
    naive = datetime.strptime(text, "%d.%m.%Y %H:%M")
    return (naive - timedelta(hours=5, minutes=30)).replace(tzinfo=UTC)


# --- categories ------------------------------------------------------------------------------


async def test_category_create_list_rename(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    name = unique_name("Unlimited")
    created = await client.post(
        "/admin/categories/", json={"category_name": f"  {name} "}, headers=admin_headers
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["category_name"] == name  # trimmed
    assert set(body) == {"category_id", "category_name", "created_at"}
    category_id = body["category_id"]

    listing = await client.get("/admin/categories", headers=admin_headers)
    assert listing.status_code == 200
    assert category_id in [row["category_id"] for row in listing.json()]
    assert int(listing.headers["x-total-count"]) == len(listing.json())

    # renaming to another letter case of its own name is allowed
    renamed = await client.put(
        f"/admin/categories/{category_id}",
        json={"category_name": name.upper()},
        headers=admin_headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["category_name"] == name.upper()
    stored = await db.get(Category, category_id)
    assert stored is not None
    await db.refresh(stored)
    assert stored.category_name == name.upper()


async def test_category_names_are_unique_case_insensitively(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    name = unique_name("Data Packs")
    other = await make_category(db)
    other_id = other.category_id
    first = await client.post(
        "/admin/categories/", json={"category_name": name}, headers=admin_headers
    )
    assert first.status_code == 200
    duplicate = await client.post(
        "/admin/categories/", json={"category_name": name.lower()}, headers=admin_headers
    )
    error(duplicate, 400, "category_name_taken")
    clash = await client.put(
        f"/admin/categories/{other_id}", json={"category_name": name.upper()}, headers=admin_headers
    )
    error(clash, 400, "category_name_taken")
    count = await db.execute(select(Category).where(Category.category_name.ilike(name)))
    assert len(count.scalars().all()) == 1


async def test_category_name_race_on_unique_index_is_400(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two requests may both pass the check; the unique index decides and the loser gets 400."""
    name = unique_name("Race")
    await make_category(db, name)

    async def never_taken(self: CategoryRepository, *args: Any, **kwargs: Any) -> bool:
        return False

    monkeypatch.setattr(CategoryRepository, "name_taken", never_taken)
    response = await client.post(
        "/admin/categories/", json={"category_name": name.upper()}, headers=admin_headers
    )
    error(response, 400, "category_name_taken")


async def test_category_validation_and_not_found(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    blank = await client.post(
        "/admin/categories/", json={"category_name": "   "}, headers=admin_headers
    )
    assert blank.status_code == 422
    too_long = await client.post(
        "/admin/categories/", json={"category_name": "x" * 101}, headers=admin_headers
    )
    assert too_long.status_code == 422
    missing = await client.put(
        "/admin/categories/987654321", json={"category_name": "Whatever"}, headers=admin_headers
    )
    error(missing, 404, "category_not_found")
    error(
        await client.delete("/admin/categories/987654321", headers=admin_headers),
        404,
        "category_not_found",
    )


async def test_category_delete_rules(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    unused = await make_category(db)
    in_use = await make_category(db)
    only_deleted = await make_category(db)
    unused_id, in_use_id, only_deleted_id = (
        unused.category_id,
        in_use.category_id,
        only_deleted.category_id,
    )
    await make_plan(db, in_use)
    await make_plan(db, only_deleted, deleted=True)

    ok = await client.delete(f"/admin/categories/{unused_id}", headers=admin_headers)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"message": "Category deleted successfully"}
    assert await CategoryRepository(db).get(unused_id) is None

    detail = error(
        await client.delete(f"/admin/categories/{in_use_id}", headers=admin_headers),
        409,
        "category_in_use",
    )
    assert "1 plan" in detail
    detail = error(
        await client.delete(f"/admin/categories/{only_deleted_id}", headers=admin_headers),
        409,
        "category_in_use",
    )
    assert "deleted plan" in detail
    remaining = await db.execute(
        select(Category.category_id).where(Category.category_id.in_([in_use_id, only_deleted_id]))
    )
    assert len(remaining.all()) == 2


# --- plans -----------------------------------------------------------------------------------


async def test_create_plan_converts_data_and_normalises_type(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    category = await make_category(db)
    response = await client.post(
        "/admin/plans/",
        json=plan_body(
            category.category_id,
            plan_type="prepaid",
            data_allowance_gb=2.345,
            daily_data_limit_gb=1.5,
            is_featured=True,
        ),
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["plan_type"] == "Prepaid"
    assert body["status"] == "active"
    assert money(body["price"]) == Decimal("599.00")
    # 2.345 GB × 1024 = 2401.28 MB -> 2401 MB -> shown as 2.34 GB
    assert body["data_allowance_mb"] == 2401
    assert money(body["data_allowance_gb"]) == Decimal("2.34")
    assert body["daily_data_limit_mb"] == 1536
    assert money(body["daily_data_limit_gb"]) == Decimal("1.5")
    assert body["benefits"] == ["Free streaming"]
    assert body["is_featured"] is True
    assert body["deleted_at"] is None
    plan = await db.get(Plan, body["plan_id"])
    assert plan is not None
    assert plan.data_allowance_mb == 2401
    assert plan.price == Decimal("599.00")
    assert plan.plan_type == PlanType.prepaid

    postpaid = await client.post(
        "/admin/plans/",
        json=plan_body(
            category.category_id,
            plan_type="POSTPAID",
            validity_days=0,
            daily_data_limit_gb=None,
            max_secondary_numbers=10,
        ),
        headers=admin_headers,
    )
    assert postpaid.status_code == 200, postpaid.text
    assert postpaid.json()["plan_type"] == "Postpaid"
    assert postpaid.json()["max_secondary_numbers"] == 10

    topup = await client.post(
        "/admin/plans/",
        json=plan_body(
            category.category_id,
            is_topup=True,
            validity_days=0,
            data_allowance_gb=1,
            daily_data_limit_gb=None,
        ),
        headers=admin_headers,
    )
    assert topup.status_code == 200, topup.text
    assert topup.json()["data_allowance_mb"] == 1024


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"price": 0}, "price must be greater than 0"),
        ({"price": -10}, "price must be greater than 0"),
        ({"validity_days": 0}, "validity_days must be at least 1"),
        ({"validity_days": 4000}, "validity_days must be at most"),
        ({"data_allowance_gb": -1, "daily_data_limit_gb": None}, "data_allowance_gb"),
        ({"daily_data_limit_gb": 60}, "must not exceed data_allowance_gb"),
        ({"daily_data_limit_gb": -1}, "daily_data_limit_gb must not be negative"),
        ({"is_topup": True, "validity_days": 1}, "prepaid base plans only"),
        ({"plan_type": "Postpaid", "daily_data_limit_gb": None, "validity_days": -1}, "negative"),
        ({"plan_type": "Postpaid"}, "prepaid base plans only"),
        (
            {"plan_type": "Postpaid", "daily_data_limit_gb": None, "max_secondary_numbers": 11},
            "between 0 and 10",
        ),
        ({"max_secondary_numbers": 2}, "must be 0 except on postpaid base plans"),
        ({"benefits": ["ok", "  "]}, "benefits must be non-empty strings"),
        ({"sms_allowance": -1}, "sms_allowance must not be negative"),
    ],
)
async def test_plan_rules_q39_are_400(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    overrides: dict[str, Any],
    fragment: str,
) -> None:
    category = await make_category(db)
    category_id = category.category_id
    response = await client.post(
        "/admin/plans/", json=plan_body(category_id, **overrides), headers=admin_headers
    )
    assert fragment in error(response, 400, "invalid_plan")
    rows = await db.execute(select(Plan.plan_id).where(Plan.category_id == category_id))
    assert rows.all() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"plan_type": "weekly"},
        {"price": 1.005},
        {"price": "NaN"},
        {"price": 10**11},
        {"plan_name": " "},
        {"benefits": "not a list"},
        {"validity_days": 2**40},
        {"category_id": 0},
    ],
)
async def test_malformed_plan_is_422(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    overrides: dict[str, Any],
) -> None:
    category = await make_category(db)
    response = await client.post(
        "/admin/plans/", json=plan_body(category.category_id) | overrides, headers=admin_headers
    )
    assert response.status_code == 422, response.text


async def test_plan_with_unknown_category_is_400(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/admin/plans/", json=plan_body(987654321), headers=admin_headers)
    error(response, 400, "category_not_found")


async def test_admin_plan_list_filters_and_pages(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    category = await make_category(db)
    prepaid = await make_plan(db, category)
    inactive = await make_plan(db, category, status=PlanStatus.inactive)
    postpaid = await make_plan(db, category, plan_type=PlanType.postpaid, validity_days=30)
    deleted = await make_plan(db, category, deleted=True)
    ids = [prepaid.plan_id, inactive.plan_id, postpaid.plan_id, deleted.plan_id]
    cid = category.category_id

    async def listed(**params: Any) -> tuple[list[int], int]:
        response = await client.get("/admin/plans/", params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [row["plan_id"] for row in response.json()], int(response.headers["x-total-count"])

    assert await listed(category_id=cid) == (ids[:3], 3)  # deleted hidden, by plan_id
    assert await listed(category_id=cid, include_deleted="true") == (ids, 4)
    assert await listed(category_id=cid, plan_type="postpaid") == ([ids[2]], 1)
    assert await listed(category_id=cid, status="inactive") == ([ids[1]], 1)
    assert await listed(category_id=cid, status="active") == ([ids[0], ids[2]], 2)
    assert await listed(category_id=cid, skip=1, limit=1) == ([ids[1]], 3)
    assert await listed(plan_id=ids[1]) == ([ids[1]], 1)
    assert await listed(plan_id=ids[3], include_deleted="true") == ([ids[3]], 1)

    error(
        await client.get("/admin/plans/", params={"plan_id": ids[3]}, headers=admin_headers),
        404,
        "plan_not_found",
    )
    error(
        await client.get("/admin/plans/", params={"plan_id": 987654321}, headers=admin_headers),
        404,
        "plan_not_found",
    )
    bad = await client.get("/admin/plans/", params={"status": "paused"}, headers=admin_headers)
    assert bad.status_code == 422
    # a larger page than 500 is served as 500, never refused (docs/decisions.md#query-maximums)
    big = await client.get("/admin/plans/", params={"limit": 501}, headers=admin_headers)
    assert big.status_code == 200 and len(big.json()) <= 500


async def test_update_plan_is_partial_and_revalidated(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price="599.00", data_allowance_mb=4096, daily_data_limit_mb=1024)
    other = await make_category(db)
    plan_id, name, other_id = plan.plan_id, plan.plan_name, other.category_id

    response = await client.put(
        f"/admin/plans/{plan_id}",
        json={"price": 649.5, "category_id": other_id, "status": "INACTIVE"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert money(body["price"]) == Decimal("649.50")
    assert body["category_id"] == other_id
    assert body["status"] == "inactive"
    assert body["plan_name"] == name  # untouched
    assert body["data_allowance_mb"] == 4096
    assert body["max_secondary_numbers"] == 0

    # the daily limit is checked against the stored data allowance (4 GB)
    too_much = await client.put(
        f"/admin/plans/{plan_id}", json={"daily_data_limit_gb": 5}, headers=admin_headers
    )
    assert "must not exceed" in error(too_much, 400, "invalid_plan")
    # turning it into a postpaid plan needs the daily limit removed
    kept_limit = await client.put(
        f"/admin/plans/{plan_id}", json={"plan_type": "postpaid"}, headers=admin_headers
    )
    error(kept_limit, 400, "invalid_plan")
    postpaid = await client.put(
        f"/admin/plans/{plan_id}",
        json={"plan_type": "postpaid", "daily_data_limit_gb": None, "max_secondary_numbers": 4},
        headers=admin_headers,
    )
    assert postpaid.status_code == 200, postpaid.text
    assert postpaid.json()["plan_type"] == "Postpaid"
    assert postpaid.json()["daily_data_limit_gb"] is None
    assert postpaid.json()["max_secondary_numbers"] == 4

    error(
        await client.put(
            f"/admin/plans/{plan_id}", json={"category_id": 987654321}, headers=admin_headers
        ),
        400,
        "category_not_found",
    )
    null_name = await client.put(
        f"/admin/plans/{plan_id}", json={"plan_name": None}, headers=admin_headers
    )
    assert null_name.status_code == 422
    error(
        await client.put("/admin/plans/987654321", json={"price": 10}, headers=admin_headers),
        404,
        "plan_not_found",
    )
    stored = await db.get(Plan, plan_id)
    assert stored is not None
    await db.refresh(stored)
    assert stored.price == Decimal("649.50")
    assert stored.plan_type == PlanType.postpaid


async def test_plan_kind_is_frozen_once_sold(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    customer = await make_customer(db)
    plan_id = plan.plan_id
    db.add(
        Transaction(
            customer_id=customer.customer_id,
            plan_id=plan_id,
            recipient_phone_number=customer.phone_number,
            transaction_type=TransactionType.prepaid_recharge,
            original_amount=Decimal("599.00"),
            final_amount=Decimal("599.00"),
            payment_method=PaymentMethod.upi,
            payment_status=PaymentStatus.success,
            transaction_date=clock.now(),
        )
    )
    await db.flush()

    for change in ({"plan_type": "Postpaid"}, {"is_topup": True}):
        error(
            await client.put(f"/admin/plans/{plan_id}", json=change, headers=admin_headers),
            409,
            "plan_has_transactions",
        )
    # sending the same kind again, or changing other fields, is fine
    same = await client.put(
        f"/admin/plans/{plan_id}",
        json={"plan_type": "prepaid", "is_topup": False, "plan_name": "Renamed"},
        headers=admin_headers,
    )
    assert same.status_code == 200, same.text
    assert same.json()["plan_name"] == "Renamed"


async def test_plan_price_must_stay_above_live_offers(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price="599.00")
    await make_offer(db, plan, "499.00")
    await make_offer(db, plan, "550.00", starts_in=timedelta(days=-60))  # expired: ignored
    plan_id = plan.plan_id
    error(
        await client.put(f"/admin/plans/{plan_id}", json={"price": 499}, headers=admin_headers),
        409,
        "plan_price_not_above_offers",
    )
    ok = await client.put(f"/admin/plans/{plan_id}", json={"price": 520}, headers=admin_headers)
    assert ok.status_code == 200, ok.text


async def test_delete_plan_is_soft(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    plan_id = plan.plan_id
    response = await client.delete(f"/admin/plans/{plan_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Plan deleted successfully"}

    await db.refresh(plan)
    assert plan.deleted_at is not None
    assert plan.status == PlanStatus.inactive
    with pytest.raises(service.PlanNotFound):
        await service.get_plan_for_sale(db, plan_id)

    for method, path in [
        ("DELETE", f"/admin/plans/{plan_id}"),
        ("POST", f"/admin/plans/{plan_id}/activate"),
        ("PUT", f"/admin/plans/{plan_id}"),
    ]:
        again = await client.request(method, path, json={}, headers=admin_headers)
        error(again, 404, "plan_not_found")
    listed = await client.get(
        "/admin/plans/", params={"plan_id": plan_id, "include_deleted": True}, headers=admin_headers
    )
    assert listed.json()[0]["deleted_at"] is not None


async def test_activate_and_deactivate(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    plan_id = plan.plan_id
    off = await client.post(f"/admin/plans/{plan_id}/deactivate", headers=admin_headers)
    assert off.status_code == 200, off.text
    assert off.json()["status"] == "inactive"
    assert off.json()["plan_id"] == plan_id
    with pytest.raises(service.PlanNotFound):
        await service.get_plan_for_sale(db, plan_id)
    on = await client.post(f"/admin/plans/{plan_id}/activate/", headers=admin_headers)
    assert on.status_code == 200, on.text
    assert on.json()["status"] == "active"
    assert (await service.get_plan_for_sale(db, plan_id)).plan_id == plan_id
    error(
        await client.post("/admin/plans/987654321/activate", headers=admin_headers),
        404,
        "plan_not_found",
    )


# --- offers ----------------------------------------------------------------------------------


async def test_create_offer_round_trips_dates_in_business_time(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price="599.00")
    response = await client.post(
        "/admin/offers/",
        json={
            "plan_id": plan.plan_id,
            "offer_name": "Diwali",
            "description": "Festive price",
            "discounted_price": 499,
            "valid_from": "01.01.2020 10:00",
            "valid_until": "31.12.2099 23:59",
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid_from"] == "01.01.2020 10:00"
    assert body["valid_until"] == "31.12.2099 23:59"
    assert body["status"] == "active"
    assert money(body["discounted_price"]) == Decimal("499.00")
    offer = await db.get(Offer, body["offer_id"])
    assert offer is not None
    # stored as the UTC instant: 10:00 in Asia/Kolkata is 04:30 UTC
    assert offer.valid_from == datetime(2020, 1, 1, 4, 30, tzinfo=UTC)
    assert offer.valid_until == datetime(2099, 12, 31, 18, 29, tzinfo=UTC)

    iso = await client.post(
        "/admin/offers/",
        json={
            "plan_id": plan.plan_id,
            "offer_name": "ISO dates",
            "discounted_price": 450.5,
            "valid_from": "2099-01-01T10:00:00+00:00",
            "valid_until": "2099-02-01T00:00:00Z",
        },
        headers=admin_headers,
    )
    assert iso.status_code == 200, iso.text
    assert iso.json()["valid_from"] == "01.01.2099 15:30"
    assert iso.json()["valid_until"] == "01.02.2099 05:30"
    assert iso.json()["status"] == "inactive"
    assert iso.json()["description"] is None


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"discounted_price": 599}, 400, "invalid_offer_price"),
        ({"discounted_price": 700}, 400, "invalid_offer_price"),
        ({"discounted_price": 0}, 400, "invalid_offer_price"),
        ({"discounted_price": -1}, 400, "invalid_offer_price"),
        ({"valid_until": "01.01.2020 00:00"}, 400, "invalid_offer_dates"),
        ({"valid_until": "01.06.2030 10:00"}, 400, "invalid_offer_dates"),  # equal bounds
        ({"plan_id": 987654321}, 404, "plan_not_found"),
        ({"valid_from": "2030-06-01"}, 400, "invalid_offer_dates"),  # midnight, then equal
        ({"valid_from": "31/12/2030 10:00"}, 422, "validation_error"),
        ({"valid_from": "32.12.2030 10:00"}, 422, "validation_error"),
        ({"valid_until": 20300101}, 422, "validation_error"),
        ({"discounted_price": 1.001}, 422, "validation_error"),
    ],
)
async def test_fixed_offer_rules(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    changes: dict[str, Any],
    status: int,
    code: str,
) -> None:
    plan = await make_plan(db, price="599.00")
    plan_id = plan.plan_id
    body = {
        "plan_id": plan_id,
        "offer_name": "Rules",
        "discounted_price": 499,
        "valid_from": "01.06.2030 10:00",
        "valid_until": "01.07.2030 10:00",
    }
    if changes.get("valid_from") == "2030-06-01":
        body["valid_until"] = "01.06.2030 00:00"
    response = await client.post("/admin/offers/", json=body | changes, headers=admin_headers)
    error(response, status, code)
    rows = await db.execute(select(Offer.offer_id).where(Offer.plan_id == plan_id))
    assert rows.all() == []


async def test_offer_for_deleted_plan_is_404(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, deleted=True)
    body = {
        "plan_id": plan.plan_id,
        "offer_name": "Too late",
        "discounted_price": 100,
        "valid_from": "01.06.2030 10:00",
        "valid_until": "01.07.2030 10:00",
    }
    error(
        await client.post("/admin/offers/", json=body, headers=admin_headers), 404, "plan_not_found"
    )
    body.pop("discounted_price")
    error(
        await client.post(
            "/admin/offers/create-with-discount",
            json=body | {"discount_percentage": 10},
            headers=admin_headers,
        ),
        404,
        "plan_not_found",
    )


async def test_example_percentage_offer(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    """The worked example docs/decisions.md#example-percentage-offer, then half-up rounding."""
    plan = await make_plan(db, price="755.00")
    body = {
        "plan_id": plan.plan_id,
        "offer_name": "15 % off",
        "discount_percentage": 15,
        "valid_from": "01.01.2020 00:00",
        "valid_until": "01.01.2099 00:00",
    }
    response = await client.post(
        "/admin/offers/create-with-discount", json=body, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert money(response.json()["discounted_price"]) == Decimal("641.75")
    offer = await db.get(Offer, response.json()["offer_id"])
    assert offer is not None
    assert offer.discounted_price == Decimal("641.75")

    # half-up to the paisa: 333.33 × 0.875 = 291.66375 -> 291.66; 0.05 × 0.5 = 0.025 -> 0.03
    plan_b = await make_plan(db, price="333.33")
    rounded = await client.post(
        "/admin/offers/create-with-discount",
        json=body | {"plan_id": plan_b.plan_id, "discount_percentage": 12.5},
        headers=admin_headers,
    )
    assert money(rounded.json()["discounted_price"]) == Decimal("291.66")
    plan_c = await make_plan(db, price="0.05")
    half = await client.post(
        "/admin/offers/create-with-discount",
        json=body | {"plan_id": plan_c.plan_id, "discount_percentage": 50},
        headers=admin_headers,
    )
    assert money(half.json()["discounted_price"]) == Decimal("0.03")

    for bad in (0, 100, -5, 150):
        invalid = await client.post(
            "/admin/offers/create-with-discount",
            json=body | {"discount_percentage": bad},
            headers=admin_headers,
        )
        assert invalid.status_code == 422, (bad, invalid.text)
    # 1 % of 0.05 rounds back to the plan price: not a discount
    plan_d = await make_plan(db, price="0.05")
    error(
        await client.post(
            "/admin/offers/create-with-discount",
            json=body | {"plan_id": plan_d.plan_id, "discount_percentage": 1},
            headers=admin_headers,
        ),
        400,
        "invalid_offer_price",
    )


async def test_calculate_discount_preview(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price="755.00")
    plan_id = plan.plan_id
    response = await client.get(
        "/admin/offers/calculate-discount",
        params={"plan_id": plan_id, "discount_percentage": 15},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: money(value) for key, value in body.items()} == {
        "original_price": Decimal("755.00"),
        "discount_percentage": Decimal("15.00"),
        "discounted_price": Decimal("641.75"),
        "amount_saved": Decimal("113.25"),
    }
    offers = await db.execute(select(Offer.offer_id).where(Offer.plan_id == plan_id))
    assert offers.all() == []  # nothing stored

    for bad in (0, 100, -1, 100.5):
        error(
            await client.get(
                "/admin/offers/calculate-discount",
                params={"plan_id": plan_id, "discount_percentage": bad},
                headers=admin_headers,
            ),
            400,
            "invalid_percentage",
        )
    error(
        await client.get(
            "/admin/offers/calculate-discount",
            params={"plan_id": 987654321, "discount_percentage": 10},
            headers=admin_headers,
        ),
        404,
        "plan_not_found",
    )
    nan = await client.get(
        "/admin/offers/calculate-discount",
        params={"plan_id": plan_id, "discount_percentage": "nan"},
        headers=admin_headers,
    )
    assert nan.status_code == 422


async def test_offer_lists_compute_status_from_the_clock(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    other_plan = await make_plan(db)
    current = await make_offer(db, plan, "499.00")
    future = await make_offer(db, plan, "450.00", starts_in=timedelta(days=2))
    past = await make_offer(db, plan, "400.00", starts_in=timedelta(days=-60))
    deleted = await make_offer(db, plan, "300.00", deleted=True)
    elsewhere = await make_offer(db, other_plan, "500.00")
    plan_id = plan.plan_id
    ids = {
        "current": current.offer_id,
        "future": future.offer_id,
        "past": past.offer_id,
        "deleted": deleted.offer_id,
        "elsewhere": elsewhere.offer_id,
    }

    async def listed(path: str = "/admin/offers/", **params: Any) -> dict[int, str]:
        response = await client.get(path, params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        assert int(response.headers["x-total-count"]) >= len(response.json())
        return {row["offer_id"]: row["status"] for row in response.json()}

    assert await listed(plan_id=plan_id) == {
        ids["current"]: "active",
        ids["future"]: "inactive",
        ids["past"]: "expired",
    }
    assert await listed(plan_id=plan_id, status="active") == {ids["current"]: "active"}
    assert await listed(plan_id=plan_id, status="Inactive") == {ids["future"]: "inactive"}
    assert await listed(plan_id=plan_id, status="expired") == {ids["past"]: "expired"}
    assert await listed(offer_id=ids["elsewhere"]) == {ids["elsewhere"]: "active"}
    active = await listed("/admin/offers/active")
    assert ids["current"] in active and ids["elsewhere"] in active
    assert ids["future"] not in active and ids["deleted"] not in active
    assert set(active.values()) == {"active"}

    error(
        await client.get(
            "/admin/offers/", params={"offer_id": ids["deleted"]}, headers=admin_headers
        ),
        404,
        "offer_not_found",
    )
    bad_status = await client.get(
        "/admin/offers/", params={"status": "soon"}, headers=admin_headers
    )
    assert bad_status.status_code == 422
    page = await client.get(
        "/admin/offers", params={"plan_id": plan_id, "limit": 2, "skip": 1}, headers=admin_headers
    )
    assert [row["offer_id"] for row in page.json()] == [ids["future"], ids["past"]]
    assert page.headers["x-total-count"] == "3"


async def test_update_offer_revalidates_effective_values(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price="599.00")
    offer = await make_offer(
        db,
        plan,
        "499.00",
        valid_from=ist("01.01.2030 10:00"),
        valid_until=ist("01.02.2030 10:00"),
    )
    offer_id = offer.offer_id
    response = await client.put(
        f"/admin/offers/{offer_id}",
        json={"discounted_price": 449.99, "valid_until": "15.02.2030 18:45", "description": "x"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert money(body["discounted_price"]) == Decimal("449.99")
    assert body["valid_from"] == "01.01.2030 10:00"
    assert body["valid_until"] == "15.02.2030 18:45"
    assert body["description"] == "x"
    assert body["status"] == "inactive"

    error(
        await client.put(
            f"/admin/offers/{offer_id}", json={"discounted_price": 599}, headers=admin_headers
        ),
        400,
        "invalid_offer_price",
    )
    # only valid_from sent: checked against the stored valid_until
    error(
        await client.put(
            f"/admin/offers/{offer_id}",
            json={"valid_from": "16.02.2030 00:00"},
            headers=admin_headers,
        ),
        400,
        "invalid_offer_dates",
    )
    assert (
        await client.put(
            f"/admin/offers/{offer_id}", json={"offer_name": None}, headers=admin_headers
        )
    ).status_code == 422
    cleared = await client.put(
        f"/admin/offers/{offer_id}", json={"description": None}, headers=admin_headers
    )
    assert cleared.json()["description"] is None
    error(
        await client.put("/admin/offers/987654321", json={}, headers=admin_headers),
        404,
        "offer_not_found",
    )
    stored = await db.get(Offer, offer_id)
    assert stored is not None
    await db.refresh(stored)
    assert stored.discounted_price == Decimal("449.99")
    assert stored.valid_until == ist("15.02.2030 18:45")


async def test_delete_offer_is_soft_and_unusable(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    offer = await make_offer(db, plan, "499.00")
    offer_id, plan_id = offer.offer_id, plan.plan_id
    response = await client.delete(f"/admin/offers/{offer_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Offer deleted successfully"}
    await db.refresh(offer)
    assert offer.deleted_at is not None  # the row stays for history
    with pytest.raises(service.OfferNotFound):
        await service.get_offer_for_purchase(db, offer_id, plan_id, clock.now())
    listed = await client.get("/admin/offers/", params={"plan_id": plan_id}, headers=admin_headers)
    assert listed.json() == []
    error(
        await client.delete(f"/admin/offers/{offer_id}", headers=admin_headers),
        404,
        "offer_not_found",
    )
    error(
        await client.put(f"/admin/offers/{offer_id}", json={}, headers=admin_headers),
        404,
        "offer_not_found",
    )
