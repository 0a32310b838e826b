"""The SQL of payments, their events and refunds.

The purchase path's statements go straight to the driver (core/sql.py) and each does its
whole step at once: opening a payment writes its first event; capturing it writes the event
and the ledger row (with an id taken from the ledger's sequence first, so that the payment
can name it in the same statement).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, select, update

from nexa.core import sql
from nexa.core.repository import Repository
from nexa.models import (
    Payment,
    PaymentEvent,
    PaymentRefund,
    PaymentState,
    RefundStatus,
)
from nexa.payment.schemas import Order, PaymentRecord, as_record

OPEN = (PaymentState.created, PaymentState.pending)

# the columns of a PaymentRecord, as the statements below return them
_RECORD = """payment_id, customer_id, order_type, recipient_phone_number, plan_id, offer_id,
    referral_discount_id, original_amount, discount_amount, discount_type, amount,
    payment_method, order_details, description, status, transaction_id, captured_at,
    idempotency_key_id"""

_OPEN_PAYMENT = """
    WITH opened AS (
        INSERT INTO payment (
            payment_id, customer_id, order_type, recipient_phone_number, plan_id, offer_id,
            referral_discount_id, original_amount, discount_amount, discount_type, amount,
            payment_method, order_ref, order_details, description, status, provider,
            idempotency_key_id, expires_at, next_check_at, created_at, updated_at)
        VALUES (
            %(payment_id)s, %(customer_id)s, %(order_type)s, %(recipient)s, %(plan_id)s,
            %(offer_id)s, %(referral_discount_id)s, %(original_amount)s, %(discount_amount)s,
            %(discount_type)s, %(amount)s, %(payment_method)s, %(order_ref)s,
            %(order_details)s::jsonb, %(description)s, 'created', %(provider)s,
            %(idempotency_key_id)s, %(expires_at)s, %(next_check_at)s, %(at)s, %(at)s)
        RETURNING payment_id
    )
    INSERT INTO payment_event (payment_id, status, source, provider, amount, created_at)
    SELECT payment_id, 'created', 'checkout', %(provider)s, %(amount)s, %(at)s FROM opened
"""

# a capture writes the payment, its event and the ledger's success row in one statement
_CAPTURE = f"""
    WITH ledger AS (SELECT nextval('transaction_transaction_id_seq') AS id),
    captured AS (
        UPDATE payment p
        SET status = 'captured', captured_at = %(at)s, updated_at = %(at)s,
            provider_payment_id = coalesce(%(provider_payment_id)s, p.provider_payment_id),
            provider_order_id = coalesce(%(provider_order_id)s, p.provider_order_id),
            transaction_id = ledger.id, next_check_at = NULL,
            -- delivered in this same transaction, or (see undeliver) not at all
            fulfilled_at = CASE WHEN %(deliver)s THEN %(at)s END
        FROM ledger
        WHERE p.payment_id = %(payment_id)s AND p.status = ANY(%(from_states)s::varchar[])
        RETURNING {_RECORD}, provider, provider_payment_id
    ),
    event AS (
        INSERT INTO payment_event (payment_id, status, source, provider, provider_event_id,
                                   amount, detail, created_at)
        SELECT payment_id, 'captured', %(source)s, provider, %(event_id)s, amount,
               %(detail)s, %(at)s
        FROM captured
    ),
    settled AS (
        INSERT INTO transaction (
            transaction_id, customer_id, plan_id, offer_id, recipient_phone_number,
            transaction_type, original_amount, discount_amount, discount_type, final_amount,
            payment_method, payment_status, payment_reference, transaction_date,
            referral_discount_id, bill_id, payment_id)
        SELECT transaction_id, customer_id, plan_id, offer_id, recipient_phone_number,
               order_type, original_amount, discount_amount, discount_type, amount,
               payment_method, 'success', provider_payment_id, %(at)s,
               referral_discount_id, (order_details->>'bill_id')::bigint, payment_id
        FROM captured
    )
    SELECT {_RECORD} FROM captured
"""  # noqa: S608 (constant column list)


class PaymentRepository(Repository[Payment]):
    model = Payment

    async def get(self, key: int | str) -> Payment | None:
        """Read afresh: the purchase path changes payments in raw SQL."""
        return await self.session.get(Payment, key, populate_existing=True)

    async def open(
        self, payment_id: str, order: Order, provider: str, at: datetime, expires_at: datetime
    ) -> None:
        await sql.execute(
            self.session,
            _OPEN_PAYMENT,
            {
                "payment_id": payment_id,
                "customer_id": order.payer_id,
                "order_type": order.order_type,
                "recipient": order.recipient_phone_number,
                "plan_id": order.plan_id,
                "offer_id": order.offer_id,
                "referral_discount_id": order.referral_discount_id,
                "original_amount": order.original_amount,
                "discount_amount": order.discount_amount,
                "discount_type": order.discount_type,
                "amount": order.amount,
                "payment_method": order.payment_method,
                "order_ref": order.order_ref,
                "order_details": json.dumps(dict(order.details)),
                "description": order.description,
                "provider": provider,
                "idempotency_key_id": order.idempotency_key_id,
                "expires_at": expires_at,
                "next_check_at": at,
                "at": at,
            },
        )

    async def capture(
        self,
        payment_id: str,
        *,
        from_states: Sequence[PaymentState],
        at: datetime,
        source: str,
        provider_payment_id: str | None = None,
        provider_order_id: str | None = None,
        event_id: str | None = None,
        detail: str | None = None,
        deliver: bool = True,
    ) -> PaymentRecord | None:
        """Captured now (if it is in one of `from_states`): its event and ledger row too.
        `deliver`: the caller fulfils the order in this transaction (it marks the payment
        fulfilled; `undeliver` takes that back when the order cannot be delivered)."""
        row = await sql.fetch_one(
            self.session,
            _CAPTURE,
            {
                "payment_id": payment_id,
                "from_states": list(from_states),
                "at": at,
                "source": source,
                "provider_payment_id": provider_payment_id,
                "provider_order_id": provider_order_id,
                "event_id": event_id,
                "detail": detail,
                "deliver": deliver,
            },
        )
        return as_record(row) if row is not None else None

    async def undeliver(self, payment_id: str) -> None:
        await sql.execute(
            self.session,
            "UPDATE payment SET fulfilled_at = NULL WHERE payment_id = %(id)s",
            {"id": payment_id},
        )

    async def lock(self, payment_id: str) -> Payment | None:
        """The payment, locked and read afresh (the purchase path changes it in raw SQL)."""
        query = (
            select(Payment)
            .where(Payment.payment_id == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find_by_provider(
        self, provider: str, provider_order_id: str | None, provider_payment_id: str | None
    ) -> str | None:
        """The id of the payment the provider knows by either of its references."""
        conditions = [
            reference
            for reference in (
                Payment.provider_order_id == provider_order_id if provider_order_id else None,
                Payment.provider_payment_id == provider_payment_id if provider_payment_id else None,
            )
            if reference is not None
        ]
        if not conditions:
            return None
        query = (
            select(Payment.payment_id)
            .where(Payment.provider == provider)
            .where(conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1])
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def add_event(
        self,
        payment: Payment,
        source: str,
        *,
        at: datetime,
        amount: Decimal | None = None,
        event_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Note a change (or a provider event) in the payment's timeline."""
        await self.add(
            PaymentEvent(
                payment_id=payment.payment_id,
                status=payment.status,
                source=source,
                provider=payment.provider,
                provider_event_id=event_id,
                amount=amount,
                detail=detail[:255] if detail else None,
                created_at=at,
            )
        )

    async def event_seen(self, provider: str, event_id: str) -> bool:
        query = select(PaymentEvent.payment_event_id).where(
            PaymentEvent.provider == provider, PaymentEvent.provider_event_id == event_id
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    async def claim_open(self, now: datetime, next_check_at: datetime, limit: int) -> list[str]:
        """Open payments due a check with the provider, leased until `next_check_at`."""
        due = (
            select(Payment.payment_id)
            .where(Payment.status.in_(OPEN), Payment.next_check_at <= now)
            .order_by(Payment.next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self.session.execute(
            update(Payment)
            .where(Payment.payment_id.in_(due.scalar_subquery()))
            .values(next_check_at=next_check_at, check_attempts=Payment.check_attempts + 1)
            .returning(Payment.payment_id)
        )
        return list(rows.scalars())

    async def overdue(self, now: datetime, limit: int) -> list[str]:
        """Open payments past their time, locked (others' are skipped)."""
        rows = await self.session.execute(
            select(Payment.payment_id)
            .where(Payment.status.in_(OPEN), Payment.expires_at <= now)
            .order_by(Payment.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())

    # --- refunds --------------------------------------------------------------------------

    async def refunds(self, payment_id: str) -> list[PaymentRefund]:
        rows = await self.session.execute(
            select(PaymentRefund)
            .where(PaymentRefund.payment_id == payment_id)
            .order_by(PaymentRefund.refund_id)
        )
        return list(rows.scalars())

    async def lock_refund(self, refund_id: int) -> PaymentRefund | None:
        query = (
            select(PaymentRefund)
            .where(PaymentRefund.refund_id == refund_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def refund_by_provider_id(self, payment_id: str, provider_refund_id: str) -> int | None:
        query = select(PaymentRefund.refund_id).where(
            PaymentRefund.payment_id == payment_id,
            PaymentRefund.provider_refund_id == provider_refund_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def oldest_pending_refund(self, payment_id: str) -> int | None:
        query = (
            select(PaymentRefund.refund_id)
            .where(
                PaymentRefund.payment_id == payment_id,
                PaymentRefund.status == RefundStatus.pending,
            )
            .order_by(PaymentRefund.refund_id)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    # --- views ------------------------------------------------------------------------------

    async def timeline(self, payment_id: str) -> list[PaymentEvent]:
        rows = await self.session.execute(
            select(PaymentEvent)
            .where(PaymentEvent.payment_id == payment_id)
            .order_by(PaymentEvent.payment_event_id)
        )
        return list(rows.scalars())

    async def find(
        self, conditions: list[ColumnElement[bool]], skip: int, limit: int
    ) -> tuple[list[Payment], int]:
        query: Select[Payment] = (
            select(Payment)
            .where(*conditions)
            .order_by(Payment.created_at.desc(), Payment.payment_id.desc())
        )
        return await self.page(query, skip=skip, limit=limit)
