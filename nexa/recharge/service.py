"""Prepaid lines as other domains see them: purchases (nexa/recharge/purchase.py), what a
payer bought for a number, the time-based work, and SQL other domains compose."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.models import Subscription
from nexa.payment import service as payment_service
from nexa.payment.schemas import PaymentPending
from nexa.recharge.lifecycle import reset_daily_usage as reset_daily_usage
from nexa.recharge.lifecycle import send_expiry_reminders as send_expiry_reminders
from nexa.recharge.lifecycle import settle_due_lines as settle_due_lines
from nexa.recharge.purchase import PurchaseOrder as PurchaseOrder
from nexa.recharge.purchase import purchase as purchase
from nexa.recharge.queries import BoughtPlanRepository

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.recharge.queries import has_active_base_plan as has_active_base_plan
from nexa.recharge.queries import last_base_plan_end as last_base_plan_end
from nexa.recharge.queries import queued_plan_count_of as queued_plan_count_of
from nexa.recharge.queries import running_plan_count_of as running_plan_count_of
from nexa.recharge.repository import LineRepository
from nexa.recharge.schemas import BoughtPlan, RechargeRequest, RechargeResponse


async def lock_lines(db: AsyncSession, phone_numbers: list[str]) -> None:
    """Serialise every change of these numbers (purchases, usage, postpaid) until commit."""
    await LineRepository(db).lock(phone_numbers)


async def recharge(
    db: AsyncSession, payer_id: int, data: RechargeRequest, idempotency_key: str | None
) -> RechargeResponse | PaymentPending:
    """`POST /customer/recharge`: an idempotent purchase for any number."""
    order = PurchaseOrder(
        payer_id=payer_id,
        recipient_phone_number=data.recipient_phone_number,
        plan_id=data.plan_id,
        offer_id=data.offer_id if data.offer_id and data.offer_id > 0 else None,
        payment_method=data.payment_method,
        use_referral_discount=data.use_referral_discount,
    )
    return await purchase(
        db, order, idempotency_key, "POST /customer/recharge", lambda: data.model_dump(mode="json")
    )


# --- what a payer bought for a number (linked accounts) ----------------------------------


async def running_plans_paid_by(db: AsyncSession, payer_id: int, phone_number: str) -> int:
    """How many plans of the number that the payer bought are running now."""
    return await BoughtPlanRepository(db).count_running(
        phone_number, payment_service.transactions_of(payer_id), clock.now()
    )


async def plans_paid_by(
    db: AsyncSession, payer_id: int, phone_number: str, *, skip: int, limit: int
) -> tuple[list[BoughtPlan], int]:
    """The number's running and queued plans that the payer bought, running first."""
    return await BoughtPlanRepository(db).page(
        phone_number,
        payment_service.transactions_of(payer_id),
        catalog_service.plan_name_of(Subscription.plan_id),
        clock.now(),
        skip,
        limit,
    )
