"""The ceiling NEXA is measured against: bare FastAPI endpoints, no NEXA code.

* `POST /bare/recharge` sends the same SQL statements as NEXA's `POST /customer/recharge`
  for a plan that starts at once, on a psycopg pool, in NEXA's two transactions
  (docs/decisions.md#payment-lifecycle): voucher and waiting-referral lookup and the
  payment opened, committed without waiting for the disk on the same connection, the next
  transaction begun in the same round trip (as NEXA does with its in-process simulator);
  then the capture (payment, its event, the ledger
  row), line created and locked with the "anything due?" check, active-plan check,
  subscription noted on its ledger row with the owner's activation, two notifications,
  the tax invoice numbered in its series (issue 18), commit; then it wakes
  the delivery job the way NEXA does (one autocommitted statement, shared by the commits of
  50 ms) and answers with JSON. The payment, line and subscription statements are NEXA's own
  SQL text. Like NEXA, it holds the plan in memory after its first read and authenticates
  from memory (neither side queries for either).
* `GET /bare/plans-constant` answers a constant JSON body (the plan list, precomputed).

Run by bench/run.py; not part of the service.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import Response
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

# the SQL text only
from nexa.customer.repository import step_reading_buyer
from nexa.invoice.repository import _issue_invoice
from nexa.payment.repository import _CAPTURE, _OPEN_PAYMENT
from nexa.recharge.repository import _LOCK_LINES, _new_subscription

DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
PLANS_JSON = os.environ.get("BENCH_PLANS_JSON", "[]").encode()

pool = AsyncConnectionPool(DATABASE_URL, min_size=4, max_size=20, open=False)
app = FastAPI()


@app.on_event("startup")
async def _open() -> None:
    await pool.open()


@app.get("/bare/plans-constant")
async def plans_constant() -> Response:
    return Response(PLANS_JSON, media_type="application/json")


_COLUMNS = (
    "customer_id",
    "title",
    "message",
    "type",
    "channel",
    "source",
    "dedupe_key",
    "status",
    "delivery_mode",
    "sent_at",
)
_NOTIFY = (
    f"INSERT INTO notification ({', '.join(_COLUMNS)}) VALUES "
    + ", ".join("(" + ", ".join(f"%({c}_{n})s" for c in _COLUMNS) + ")" for n in range(2))
    + " ON CONFLICT (dedupe_key) DO NOTHING RETURNING notification_id"
)
_DEFER = (
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', "
    "'notification:deliver_notifications', 0, NULL, 'deliver_notifications', "
    "'{}'::jsonb, NULL)::procrastinate_job_to_defer_v1])"
)


_INVOICE = _issue_invoice(step_reading_buyer)
INDIA = ZoneInfo("Asia/Kolkata")


def _invoice_values(
    payment_id: str, transaction_id: int, customer_id: int, phone: str, plan: Any, now: datetime
) -> dict[str, Any]:
    """The invoice's parameters, as NEXA computes them: GST included in the price, half-up
    to the paisa; the financial year from 1 April, India time."""
    amount = Decimal(plan[4])
    taxable = (amount * 100 / 118).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    cgst = ((amount - taxable) / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    day = now.astimezone(INDIA).date()
    start = day.year if day.month >= 4 else day.year - 1
    year = f"{start}-{(start + 1) % 100:02d}"
    return {
        "number_prefix": f"NX/{year}/",
        "series": "NX",
        "financial_year": year,
        "issued_at": now,
        "payment_id": payment_id,
        "transaction_id": transaction_id,
        "order_type": "prepaid_recharge",
        "bill_ids": None,
        "recipient_phone_number": phone,
        "description": f"{plan[1]} on {phone}",
        "plan_name": plan[1],
        "validity_days": plan[5],
        "period_start": None,
        "period_end": None,
        "customer_id": customer_id,
        "supplier_name": "NEXA Telecom (sample operator)",
        "supplier_address": "Address not configured, set NEXA_OPERATOR_ADDRESS",
        "supplier_gstin": "29AAAAA0000A1Z5",
        "supplier_state": "29",
        "sac": "998413",
        "tax_rate": Decimal("18.00"),
        "amount": amount,
        "taxable_value": taxable,
        "cgst": cgst,
        "sgst": amount - taxable - cgst,
        "igst": amount - taxable,
    }


class _WakeUps:
    """Like NEXA: after a commit that wrote notifications, queue the delivery job in one
    autocommitted statement, at most one at a time (later requests share it)."""

    def __init__(self) -> None:
        self.running: asyncio.Task[None] | None = None
        self.again = False

    def request(self) -> None:
        if self.running is not None and not self.running.done():
            self.again = True
            return
        self.running = asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        while True:
            self.again = False
            try:
                async with pool.connection() as connection:
                    await connection.set_autocommit(True)
                    await connection.execute(_DEFER)
                    await connection.set_autocommit(False)
            except psycopg.errors.UniqueViolation:
                pass
            await asyncio.sleep(0.05)
            if not self.again:
                return


wakeups = _WakeUps()
plans: dict[int, Any] = {}  # like NEXA's plans for sale, held after the first read


@app.post("/bare/recharge")
async def recharge(request: Request) -> Response:
    body: dict[str, Any] = json.loads(await request.body())
    phone = body["recipient_phone_number"]
    customer_id = int(os.environ["BENCH_CUSTOMER_ID"])
    now = datetime.now(UTC)
    plan: Any = plans.get(body["plan_id"])
    payment_id = f"pay_{random.getrandbits(96):024x}"
    async with pool.connection() as connection:
        execute = connection.execute
        # the first step, committed on this connection without waiting for the disk
        if plan is None:
            plan = plans[body["plan_id"]] = await (
                await execute(
                    "SELECT plan_id, plan_name, plan_type, is_topup, price, validity_days,"
                    " data_allowance_mb, daily_data_limit_mb FROM plan"
                    " WHERE plan_id = %(plan_id)s AND status = 'active'"
                    " AND deleted_at IS NULL",
                    {"plan_id": body["plan_id"]},
                )
            ).fetchone()
        assert plan is not None
        await execute(
            "SELECT d.discount_id, d.discount_percentage, EXISTS (SELECT 1"
            " FROM referral_usage_log WHERE used_by_customer_id = %(holder)s"
            " AND status = 'pending') AS referral_pending FROM (SELECT) AS one"
            " LEFT JOIN LATERAL (SELECT discount_id, discount_percentage"
            " FROM referral_discount WHERE %(with_voucher)s AND customer_id = %(holder)s"
            " AND NOT is_used AND valid_until >= %(at)s ORDER BY valid_until, discount_id"
            " LIMIT 1 FOR UPDATE SKIP LOCKED) AS d ON true",
            {"holder": customer_id, "at": now, "with_voucher": True},
        )
        await execute(
            _OPEN_PAYMENT,
            {
                "payment_id": payment_id,
                "customer_id": customer_id,
                "order_type": "prepaid_recharge",
                "recipient": phone,
                "plan_id": plan[0],
                "offer_id": None,
                "referral_discount_id": None,
                "original_amount": plan[4],
                "discount_amount": 0,
                "discount_type": None,
                "amount": plan[4],
                "payment_method": body["payment_method"],
                "order_ref": None,
                "order_details": json.dumps(
                    {
                        "referral_pending": False,
                        "invoice_line": {"plan_name": plan[1], "validity_days": plan[5]},
                    }
                ),
                "description": f"{plan[1]} on {phone}",
                "provider": "simulated",
                "idempotency_key_id": None,
                "expires_at": now + timedelta(hours=72),
                "next_check_at": now,
                "at": now,
            },
        )
        # committed, and the next transaction begun, in one round trip
        await execute("SET LOCAL synchronous_commit TO OFF; COMMIT; BEGIN")
        async with connection.cursor(row_factory=namedtuple_row) as cursor:
            await cursor.execute(
                _CAPTURE,
                {
                    "payment_id": payment_id,
                    "from_states": ["created", "pending"],
                    "at": now,
                    "source": "checkout",
                    "provider_payment_id": f"SIM-{random.getrandbits(64):016X}",
                    "provider_order_id": None,
                    "event_id": None,
                    "detail": None,
                    "deliver": True,
                },
            )
            captured: Any = await cursor.fetchone()
        assert captured is not None
        transaction_id = captured.transaction_id
        await execute(_LOCK_LINES, {"phones": [phone], "now": now})
        active = await (
            await execute(
                "SELECT subscription_id, expiry_date FROM subscription"
                " WHERE phone_number = %(phone)s AND status = 'active' AND NOT is_topup",
                {"phone": phone},
            )
        ).fetchone()
        owner = None
        if active is not None:  # a plan starting now finds its owner in its own statement
            owner = await (
                await execute(
                    "SELECT customer_id FROM customer"
                    " WHERE phone_number = %(phone)s AND deleted_at IS NULL",
                    {"phone": phone},
                )
            ).fetchone()
        expiry = now + timedelta(days=plan[5])
        inserted: Any = await (
            await execute(
                _new_subscription(active is None),
                {
                    "customer_id": owner[0] if owner else customer_id,
                    "phone_number": phone,
                    "plan_id": plan[0],
                    "transaction_id": transaction_id,
                    "is_topup": False,
                    "status": "queued" if active else "active",
                    "base_subscription_id": None,
                    "activation_date": None if active else now,
                    "expiry_date": expiry,
                    "data_allowance_mb": plan[6] or 0,
                    "data_balance_mb": plan[6] or 0,
                    "daily_data_limit_mb": plan[7],
                    "last_daily_reset": None if active else now,
                },
            )
        ).fetchone()
        subscription_id, owner_id = inserted[0], inserted[1]
        rows = [
            (
                customer_id,
                "Payment successful",
                f"paid {plan[4]} for {plan[1]}",
                "payment_success",
            ),
            (owner_id, "Plan activated", f"{plan[1]} active", "plan_activated"),
        ]
        params: dict[str, Any] = {}
        for n, (customer, title, message, kind) in enumerate(rows):
            params.update(
                {
                    f"customer_id_{n}": customer,
                    f"title_{n}": title,
                    f"message_{n}": message,
                    f"type_{n}": kind,
                    f"channel_{n}": "sms",
                    f"source_{n}": "system",
                    f"dedupe_key_{n}": f"plan_activated:{subscription_id}" if n else None,
                    f"status_{n}": "pending",
                    f"delivery_mode_{n}": "simulated",
                    f"sent_at_{n}": None,
                }
            )
        await execute(_NOTIFY, params)
        await execute(
            _INVOICE, _invoice_values(payment_id, transaction_id, customer_id, phone, plan, now)
        )
        await connection.commit()
    wakeups.request()
    return Response(
        json.dumps(
            {
                "transaction_id": transaction_id,
                "plan_name": plan[1],
                "final_amount": float(plan[4]),
                "payment_status": "success",
                "message": "ok",
                "subscription_id": subscription_id,
            }
        ).encode(),
        media_type="application/json",
    )
