"""`seed --synthetic`: the asked numbers of customers and transactions, consistent with every
rule the services keep, and analytics over it equal direct SQL to the cent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.synthetic.service import SYNTHETIC_PASSWORD, SyntheticDataPresent, seed_synthetic
from tests.helpers import bearer
from tests.recharge.conftest import admin_headers

__all__ = ["admin_headers"]

# each query counts rows breaking a rule: all must be 0
BROKEN_RULES = {
    "purchase before the payer registered": """
        SELECT count(*) FROM transaction t JOIN customer c USING (customer_id)
        WHERE t.transaction_date < c.created_at""",
    "purchase in the future": "SELECT count(*) FROM transaction WHERE transaction_date > :now",
    "offer price not the offer's, or offer not valid then": """
        SELECT count(*) FROM transaction t JOIN offer o USING (offer_id)
        WHERE t.transaction_date NOT BETWEEN o.valid_from AND o.valid_until
           OR o.plan_id <> t.plan_id OR t.final_amount <> o.discounted_price""",
    "paid prepaid purchase without its subscription": """
        SELECT count(*) FROM transaction t
        WHERE t.payment_status = 'success' AND t.transaction_type <> 'postpaid_bill_payment'
          AND NOT EXISTS (SELECT 1 FROM subscription s WHERE s.transaction_id = t.transaction_id
                          AND s.subscription_id = t.subscription_id)""",
    "declined purchase with a subscription": """
        SELECT count(*) FROM transaction t WHERE t.payment_status = 'failed'
          AND (t.subscription_id IS NOT NULL OR EXISTS (
               SELECT 1 FROM subscription s WHERE s.transaction_id = t.transaction_id))""",
    "subscription for another number or plan than bought": """
        SELECT count(*) FROM subscription s JOIN transaction t USING (transaction_id)
        WHERE s.phone_number <> t.recipient_phone_number OR s.plan_id <> t.plan_id""",
    "two base plans of a number overlapping": """
        WITH w AS (
            SELECT s.subscription_id, s.phone_number, s.expiry_date,
                   coalesce(s.activation_date, q.expected_activation_date) AS starts
            FROM subscription s
            LEFT JOIN subscription_queue q
              ON q.subscription_id = s.subscription_id AND q.processed_at IS NULL
            WHERE NOT s.is_topup)
        SELECT count(*) FROM w a JOIN w b ON a.phone_number = b.phone_number
         AND a.subscription_id < b.subscription_id
        WHERE a.starts < b.expiry_date AND b.starts < a.expiry_date""",
    "status not what the time says": """
        SELECT count(*) FROM subscription
        WHERE (status = 'active' AND (expiry_date <= :now OR activation_date > :now))
           OR (status = 'expired' AND expiry_date > :now)
           OR (status = 'queued' AND activation_date IS NOT NULL)""",
    "queued plan without a waiting queue row": """
        SELECT count(*) FROM subscription s WHERE s.status = 'queued' AND NOT EXISTS (
            SELECT 1 FROM subscription_queue q
            WHERE q.subscription_id = s.subscription_id AND q.processed_at IS NULL)""",
    "queue positions not 1..n": """
        SELECT count(*) FROM (
            SELECT phone_number, max(queue_position) AS last, count(*) AS n
            FROM subscription_queue WHERE processed_at IS NULL GROUP BY 1) q
        WHERE last <> n""",
    "top-up outside its base plan": """
        SELECT count(*) FROM subscription t JOIN subscription b
          ON b.subscription_id = t.base_subscription_id
        WHERE t.is_topup AND (t.activation_date < b.activation_date
           OR t.expiry_date > b.expiry_date OR b.phone_number <> t.phone_number)""",
    "paid bill without its payment": """
        SELECT count(*) FROM postpaid_bill b
        LEFT JOIN transaction t ON t.transaction_id = b.paid_transaction_id
        WHERE b.status = 'paid' AND (t.transaction_id IS NULL OR t.final_amount <> b.total_amount
           OR t.bill_id <> b.bill_id OR t.transaction_type <> 'postpaid_bill_payment')""",
    "amount due not the unpaid bills": """
        SELECT count(*) FROM postpaid_activation a WHERE a.total_amount_due <> coalesce(
            (SELECT sum(total_amount) FROM postpaid_bill b
             WHERE b.activation_id = a.activation_id AND b.status = 'unpaid'), 0)""",
    "add-on charges not the bill's add-ons": """
        SELECT count(*) FROM postpaid_bill b WHERE b.addon_charges <> coalesce(
            (SELECT sum(addon_price) FROM postpaid_data_addon d WHERE d.bill_id = b.bill_id), 0)""",
    "unpaid bill past due on an active line": """
        SELECT count(*) FROM postpaid_bill b JOIN postpaid_activation a USING (activation_id)
        WHERE b.status = 'unpaid' AND b.due_date < :now AND a.status = 'active'""",
    "voucher purchase not matching its voucher": """
        SELECT count(*) FROM referral_discount d
        JOIN transaction t ON t.transaction_id = d.used_transaction_id
        WHERE t.referral_discount_id <> d.discount_id OR t.discount_type <> 'referral'
           OR t.customer_id <> d.customer_id""",
    "completed referral without its completed application": """
        SELECT count(*) FROM referral_program p WHERE p.status = 'completed' AND NOT EXISTS (
            SELECT 1 FROM referral_usage_log l
            WHERE l.referral_id = p.referral_id AND l.status = 'completed')""",
    "active referral code past its expiry": """
        SELECT count(*) FROM referral_program WHERE is_active AND expires_at <= :now""",
    "transaction ids not in time order": """
        SELECT count(*) FROM (
            SELECT transaction_date,
                   lag(transaction_date) OVER (ORDER BY transaction_id) AS previous
            FROM transaction) x
        WHERE transaction_date < previous""",
    "notification before its customer": """
        SELECT count(*) FROM notification n JOIN customer c USING (customer_id)
        WHERE n.created_at < c.created_at""",
}


async def scalar(db: AsyncSession, sql: str, **params: Any) -> Any:
    return (await db.execute(text(sql), params)).scalar_one()


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def money(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_seed_writes_a_consistent_year(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    now = clock.now()
    counts = await seed_synthetic(db, customers=120, transactions=1500, seed=7)
    assert (counts["customers"], counts["transactions"]) == (120, 1500)
    synthetic = "phone_number BETWEEN '6000000000' AND '6999999999'"
    assert await scalar(db, f"SELECT count(*) FROM customer WHERE {synthetic}") == 120
    assert await scalar(db, "SELECT count(*) FROM transaction") == 1500
    assert await scalar(db, "SELECT count(*) FROM subscription") == counts["subscriptions"]
    for name, sql in BROKEN_RULES.items():
        assert await scalar(db, sql, now=now) == 0, name
    # spread over the year, every kind present
    first, last = (
        await db.execute(
            text("SELECT min(transaction_date), max(transaction_date) FROM transaction")
        )
    ).one()
    assert last - first > timedelta(days=300)
    kinds = set(
        (
            await db.execute(
                text("SELECT DISTINCT transaction_type || '/' || payment_status FROM transaction")
            )
        ).scalars()
    )
    assert {
        "prepaid_recharge/success",
        "prepaid_recharge/failed",
        "topup_purchase/success",
        "postpaid_bill_payment/success",
    } <= kinds
    statuses = set((await db.execute(text("SELECT DISTINCT status FROM subscription"))).scalars())
    assert statuses == {"active", "expired", "queued"}
    for table in (
        "offer",
        "postpaid_bill",
        "referral_program",
        "referral_discount",
        "notification",
        "subscription_queue",
    ):
        assert await scalar(db, f"SELECT count(*) FROM {table}") > 0, table
    assert counts["summarized_days"] > 300

    # analytics (summary + live) equal the table, to the cent
    h = admin_headers
    success = "payment_status = 'success'"
    total = await scalar(db, f"SELECT sum(final_amount) FROM transaction WHERE {success}")
    daily = await ok(await client.get("/admin/analytics/revenue", headers=h, params={"days": 366}))
    assert sum(money(d["revenue"]) for d in daily) == total
    monthly = await ok(
        await client.get(
            "/admin/analytics/revenue", headers=h, params={"days": 366, "period": "monthly"}
        )
    )
    assert sum(money(m["revenue"]) for m in monthly) == total
    since = clock.business_midnight(now) - timedelta(days=29)
    last_30 = await ok(await client.get("/admin/analytics/revenue", headers=h, params={"days": 30}))
    assert sum(money(d["revenue"]) for d in last_30) == await scalar(
        db,
        f"SELECT coalesce(sum(final_amount), 0) FROM transaction "
        f"WHERE {success} AND transaction_date >= :since",
        since=since,
    )
    plans = await ok(
        await client.get("/admin/analytics/plans/performance", headers=h, params={"limit": 100})
    )
    assert sum(money(p["revenue_amount"]) for p in plans) == total
    overview = (await ok(await client.get("/admin/analytics/dashboard", headers=h)))["overview"]
    assert money(overview["total_revenue_amount"]) == total
    assert overview["total_customers"] == await scalar(
        db, "SELECT count(*) FROM customer WHERE deleted_at IS NULL"
    )

    # the admin dashboard: every figure against SQL
    board = await ok(await client.get("/admin/dashboard", headers=h, params={"days": 30}))
    period = board["period"]
    assert money(period["revenue_amount"]) == sum(money(d["revenue"]) for d in last_30)
    assert period["transactions"] == sum(d["transactions"] for d in last_30)
    in_period = "transaction_date >= :since"
    assert period["recharges"] == await scalar(
        db,
        f"SELECT count(*) FROM transaction WHERE {success} AND {in_period} "
        "AND transaction_type <> 'postpaid_bill_payment'",
        since=since,
    )
    assert period["failed_payments"] == await scalar(
        db,
        f"SELECT count(*) FROM transaction WHERE payment_status = 'failed' AND {in_period}",
        since=since,
    )
    assert period["new_customers"] == await scalar(
        db,
        "SELECT count(*) FROM customer WHERE deleted_at IS NULL AND created_at >= :since",
        since=since,
    )
    assert board["customers"]["suspended"] == await scalar(
        db,
        "SELECT count(*) FROM customer WHERE deleted_at IS NULL AND account_status = 'suspended'",
    )
    assert board["subscriptions"] == {
        "active_plans": await scalar(
            db, "SELECT count(*) FROM subscription WHERE status = 'active' AND NOT is_topup"
        ),
        "active_topups": await scalar(
            db, "SELECT count(*) FROM subscription WHERE status = 'active' AND is_topup"
        ),
        "queued_plans": await scalar(
            db, "SELECT count(*) FROM subscription WHERE status = 'queued'"
        ),
    }
    assert money(board["postpaid"]["amount_due"]) == await scalar(
        db, "SELECT coalesce(sum(total_amount_due), 0) FROM postpaid_activation"
    )
    assert board["top_plans"][0]["transactions"] >= board["top_plans"][-1]["transactions"]

    # synthetic customers sign in with the published password; shut-out ones cannot
    phone, status = (
        await db.execute(
            text(
                f"SELECT phone_number, account_status FROM customer "
                f"WHERE {synthetic} AND deleted_at IS NULL "
                "ORDER BY account_status = 'active' DESC, customer_id LIMIT 1"
            )
        )
    ).one()
    assert status == "active"
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": SYNTHETIC_PASSWORD}
    )
    token = (await ok(login))["access_token"]
    history = await client.get("/customer/transactions", headers=bearer(token))
    assert history.status_code == 200
    suspended = await scalar(
        db,
        f"SELECT phone_number FROM customer "
        f"WHERE {synthetic} AND account_status = 'suspended' LIMIT 1",
    )
    refused = await client.post(
        "/customer/login", json={"phone_number": suspended, "password": SYNTHETIC_PASSWORD}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "account_suspended")

    # a second run into the same database is refused
    with pytest.raises(SyntheticDataPresent):
        await seed_synthetic(db, customers=10, transactions=10)


async def test_same_seed_same_data(db: AsyncSession) -> None:
    async def fingerprint() -> Any:
        return (
            await db.execute(
                text(
                    "SELECT count(*), sum(final_amount), "
                    "sum(extract(epoch FROM transaction_date)), "
                    "string_agg(payment_status, '' ORDER BY transaction_id) FROM transaction"
                )
            )
        ).one()

    now = clock.now().replace(microsecond=0)
    savepoint = await db.begin_nested()
    await seed_synthetic(db, customers=40, transactions=400, seed=3, now=now)
    first = await fingerprint()
    await savepoint.rollback()
    await seed_synthetic(db, customers=40, transactions=400, seed=3, now=now)
    assert await fingerprint() == first


@pytest.mark.parametrize(("customers", "transactions"), [(9, 100), (100, 9), (5_000_001, 100)])
async def test_sizes_are_checked(db: AsyncSession, customers: int, transactions: int) -> None:
    from nexa.synthetic.service import SyntheticRefused

    with pytest.raises(SyntheticRefused):
        await seed_synthetic(db, customers=customers, transactions=transactions)
