"""How the payment domain hands a captured order to the domain that delivers it.

A domain registers a `Fulfiller` for the order types it sells (recharge: prepaid plans and
top-ups; postpaid: bill payments). The payment domain calls it exactly once per order, in
the transaction that records the capture; it never imports the domains it serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import TransactionType
from nexa.payment.schemas import PaymentRecord


class CannotFulfil(Exception):
    """The order can no longer be delivered (plan withdrawn, bills paid meanwhile…): the
    payment is refunded. Raise it before writing anything that must not stay."""


class Fulfiller(Protocol):
    async def fulfil(self, db: AsyncSession, payment: PaymentRecord) -> object:
        """Deliver the order of a payment just captured; what it returns is handed to the
        purchase's answer."""
        ...

    def answer(self, payment: PaymentRecord, delivered: object) -> BaseModel:
        """The purchase's answer (200) once its order is delivered: also stored for its
        Idempotency-Key when a webhook or the reconciliation settles it later."""
        ...

    async def release(self, db: AsyncSession, payment: PaymentRecord) -> None:
        """The payment failed: let go of what the order held (a voucher…)."""
        ...

    async def reverse(self, db: AsyncSession, payment: PaymentRecord) -> None:
        """The payment was refunded in full: take back what was delivered."""
        ...


_fulfillers: dict[TransactionType, Fulfiller] = {}


def register(order_types: Iterable[TransactionType], fulfiller: Fulfiller) -> None:
    for order_type in order_types:
        _fulfillers[order_type] = fulfiller


def fulfiller_of(order_type: TransactionType) -> Fulfiller:
    try:
        return _fulfillers[order_type]
    except KeyError:  # the owning domain was not imported: a wiring mistake, not bad input
        raise RuntimeError(f"no fulfiller registered for {order_type} orders") from None
