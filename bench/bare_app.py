"""The ceiling NEXA is measured against: bare FastAPI endpoints, no NEXA code.

* `POST /bare/recharge` runs the same SQL statements as NEXA's `POST /customer/recharge`
  (session and customer lookup, plan lookup, line insert + lock, expiry settlement,
  active-plan check, owner lookup, transaction, subscription, coverage update,
  two notifications) on a psycopg pool, in one transaction, and answers with JSON.
* `GET /bare/plans-constant` answers a constant JSON body (the plan list, precomputed).

Run by bench/run.py; not part of the service.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

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


@app.post("/bare/recharge")
async def recharge(request: Request) -> Response:
    body: dict[str, Any] = json.loads(await request.body())
    phone = body["recipient_phone_number"]
    now = datetime.now(UTC)
    async with pool.connection() as connection, connection.transaction():
        execute = connection.execute
        session = await (
            await execute(
                "SELECT session_id, revoked_at, expires_at FROM auth_session WHERE session_id = %s",
                (uuid.UUID(os.environ["BENCH_SESSION_ID"]),),
            )
        ).fetchone()
        customer = await (
            await execute(
                "SELECT customer_id, account_status FROM customer "
                "WHERE customer_id = %s AND deleted_at IS NULL",
                (int(os.environ["BENCH_CUSTOMER_ID"]),),
            )
        ).fetchone()
        assert session is not None and customer is not None
        plan = await (
            await execute(
                "SELECT plan_id, plan_name, price, validity_days, data_allowance_mb, "
                "daily_data_limit_mb, is_topup FROM plan "
                "WHERE plan_id = %s AND status = 'active' AND deleted_at IS NULL",
                (body["plan_id"],),
            )
        ).fetchone()
        assert plan is not None
        await execute(
            "INSERT INTO line (phone_number) VALUES (%s) ON CONFLICT DO NOTHING", (phone,)
        )
        await execute("SELECT phone_number FROM line WHERE phone_number = %s FOR UPDATE", (phone,))
        await execute(
            "UPDATE subscription SET status = 'expired', expired_at = expiry_date "
            "WHERE phone_number = %s AND status = 'active' AND expiry_date <= %s",
            (phone, now),
        )
        active = await (
            await execute(
                "SELECT subscription_id FROM subscription WHERE phone_number = %s "
                "AND status = 'active' AND NOT is_topup",
                (phone,),
            )
        ).fetchone()
        owner = await (
            await execute(
                "SELECT customer_id FROM customer WHERE phone_number = %s AND deleted_at IS NULL",
                (phone,),
            )
        ).fetchone()
        owner_id = owner[0] if owner else customer[0]
        transaction_id = (
            await (
                await execute(
                    "INSERT INTO transaction (customer_id, plan_id, recipient_phone_number, "
                    "transaction_type, original_amount, discount_amount, final_amount, payment_method, "
                    "payment_status, payment_reference, transaction_date) VALUES "
                    "(%s, %s, %s, 'prepaid_recharge', %s, 0, %s, %s, 'success', %s, %s) "
                    "RETURNING transaction_id",
                    (
                        customer[0],
                        plan[0],
                        phone,
                        plan[2],
                        plan[2],
                        body["payment_method"],
                        f"SIM-{random.getrandbits(64):016X}",
                        now,
                    ),
                )
            ).fetchone()
        )[0]
        expiry = now + timedelta(days=plan[3])
        subscription_id = (
            await (
                await execute(
                    "INSERT INTO subscription (customer_id, phone_number, plan_id, transaction_id, "
                    "is_topup, status, activation_date, expiry_date, data_allowance_mb, "
                    "data_balance_mb, daily_data_limit_mb, daily_data_used_mb, last_daily_reset) "
                    "VALUES (%s, %s, %s, %s, false, %s, %s, %s, %s, %s, %s, 0, %s) "
                    "RETURNING subscription_id",
                    (
                        owner_id,
                        phone,
                        plan[0],
                        transaction_id,
                        "queued" if active else "active",
                        None if active else now,
                        expiry,
                        plan[4] or 0,
                        plan[4] or 0,
                        plan[5],
                        now,
                    ),
                )
            ).fetchone()
        )[0]
        await execute(
            "UPDATE customer SET last_active_plan_date = greatest(last_active_plan_date, %s), "
            "days_inactive = 0 WHERE phone_number = %s AND deleted_at IS NULL",
            (now, phone),
        )
        await execute(
            "UPDATE transaction SET subscription_id = %s WHERE transaction_id = %s",
            (subscription_id, transaction_id),
        )
        await execute(
            "INSERT INTO notification (customer_id, title, message, type, channel, dedupe_key) "
            "VALUES (%s, 'Payment successful', %s, 'payment_success', 'sms', NULL), "
            "(%s, 'Plan activated', %s, 'plan_activated', 'sms', %s) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            (
                customer[0],
                f"paid {plan[2]}",
                owner_id,
                f"{plan[1]} active",
                f"plan_activated:{subscription_id}",
            ),
        )
    return Response(
        json.dumps(
            {
                "transaction_id": transaction_id,
                "plan_name": plan[1],
                "final_amount": float(plan[2]),
                "payment_status": "success",
                "message": "ok",
                "subscription_id": subscription_id,
            }
        ).encode(),
        media_type="application/json",
    )
