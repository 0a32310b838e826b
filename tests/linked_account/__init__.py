"""Shared helpers of the linked-account tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from tests.recharge.conftest import Buyer

LINKS = "/customer/linked-accounts"


async def link(client: httpx.AsyncClient, buyer: Buyer, phone: str) -> dict[str, Any]:
    response = await client.post(LINKS, headers=buyer.headers, json={"linked_phone_number": phone})
    assert response.status_code == 200, response.text
    return dict(response.json())


def recharge_body(link_id: int, plan_id: int, **extra: object) -> dict[str, object]:
    return {"linked_account_id": link_id, "plan_id": plan_id, "payment_method": "upi", **extra}


def at(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
