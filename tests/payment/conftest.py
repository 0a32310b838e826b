"""Payment tests: a buyer and an admin, signed simulator webhooks, and the money invariant
checked at the end of every test (docs/decisions.md#refunds): for each order, what was
captured less what was refunded is the revenue counted, to the paisa."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.payment.providers.simulated import sign
from tests.factories.accounts import make_admin
from tests.helpers import bearer, login_admin
from tests.recharge.conftest import Buyer, buyer  # noqa: F401 (a fixture, used by the tests)

WEBHOOK_SECRET = "whsec-test-0123456789"

MONEY_INVARIANT = text(
    """
    SELECT p.payment_id,
           CASE WHEN p.captured_at IS NOT NULL THEN p.amount ELSE 0 END AS captured,
           p.refunded_amount,
           coalesce((SELECT sum(r.amount) FROM payment_refund r
                     WHERE r.payment_id = p.payment_id AND r.status = 'processed'), 0)
               AS refunds_processed,
           coalesce((SELECT sum(t.final_amount) FROM transaction t
                     WHERE t.payment_id = p.payment_id AND t.payment_status = 'success'), 0)
               AS sold
    FROM payment p
    """
)


async def assert_money_invariant(db: AsyncSession) -> int:
    """Every payment's captured − refunded equals the revenue counted for it (its sales in
    the ledger less its processed refunds); returns how many payments were checked."""
    rows = (await db.execute(MONEY_INVARIANT)).all()
    for row in rows:
        revenue_counted = Decimal(row.sold) - Decimal(row.refunds_processed)
        assert row.refunded_amount == row.refunds_processed, row
        assert Decimal(row.captured) - row.refunded_amount == revenue_counted, row
    return len(rows)


@pytest.fixture(autouse=True)
async def _money_invariant(db: AsyncSession) -> AsyncIterator[None]:
    yield
    await assert_money_invariant(db)


@pytest.fixture
def pending_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "payment_simulator", "pending")
    monkeypatch.setattr(get_settings(), "payment_webhook_secret", WEBHOOK_SECRET)


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    return bearer((await login_admin(client, await make_admin(db)))["access_token"])


def webhook(
    payment_id: str,
    amount: Decimal | str,
    kind: str = "payment.captured",
    *,
    event_id: str | None = None,
    secret: str = WEBHOOK_SECRET,
    sent_at: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A simulator webhook body and its signed headers."""
    body = json.dumps(
        {
            "event_id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": kind,
            "payment_id": payment_id,
            "amount": str(amount),
        }
    ).encode()
    signature = sign(body, secret, sent_at if sent_at is not None else int(time.time()))
    return body, {"X-Nexa-Signature": signature, "Content-Type": "application/json"}


def recharge_body(plan_id: int, phone: str) -> dict[str, object]:
    return {"plan_id": plan_id, "recipient_phone_number": phone, "payment_method": "upi"}
