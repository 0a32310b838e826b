"""Prepaid purchases: price, pay, then activate now, queue, or add a top-up — one transaction.

Every purchase for a number locks that number's `line` row first, so purchases of one
number run one after the other whoever pays; two numbers never wait for each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.catalog.schemas import SellablePlan
from nexa.core import clock, idempotency
from nexa.core.errors import BadRequest
from nexa.customer import service as customer_service
from nexa.models import (
    NotificationType,
    PaymentMethod,
    PaymentStatus,
    PlanType,
    Subscription,
    SubscriptionStatus,
    TransactionType,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment import service as payment_service
from nexa.payment.schemas import Charge
from nexa.recharge import discounts, lifecycle
from nexa.recharge.lifecycle import format_when
from nexa.recharge.lifecycle import reset_daily_usage as reset_daily_usage
from nexa.recharge.lifecycle import send_expiry_reminders as send_expiry_reminders
from nexa.recharge.lifecycle import settle_due_lines as settle_due_lines
from nexa.recharge.queries import BoughtPlanRepository

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.recharge.queries import has_active_base_plan as has_active_base_plan
from nexa.recharge.queries import last_base_plan_end as last_base_plan_end
from nexa.recharge.queries import queued_plan_count_of as queued_plan_count_of
from nexa.recharge.queries import running_plan_count_of as running_plan_count_of
from nexa.recharge.repository import (
    ActiveBase,
    LineRepository,
    SubscriptionRepository,
)
from nexa.recharge.schemas import BoughtPlan, RechargeRequest, RechargeResponse
from nexa.referral import service as referral_service


class PlanNotPrepaid(BadRequest, code="plan_not_prepaid"): ...


class NoActiveBasePlan(BadRequest, code="no_active_base_plan"): ...


@dataclass(frozen=True)
class PurchaseOrder:
    """What to buy for which number (own recharge, or a linked account's)."""

    payer_id: int
    recipient_phone_number: str
    plan_id: int
    offer_id: int | None
    payment_method: PaymentMethod
    use_referral_discount: bool = True


async def lock_lines(db: AsyncSession, phone_numbers: list[str]) -> None:
    """Serialise every change of these numbers (purchases, usage, postpaid) until commit."""
    await LineRepository(db).lock(phone_numbers)


async def recharge(
    db: AsyncSession, payer_id: int, data: RechargeRequest, idempotency_key: str | None
) -> RechargeResponse:
    """`POST /customer/recharge`: an idempotent purchase for any number."""
    order = PurchaseOrder(
        payer_id=payer_id,
        recipient_phone_number=data.recipient_phone_number,
        plan_id=data.plan_id,
        offer_id=data.offer_id if data.offer_id and data.offer_id > 0 else None,
        payment_method=data.payment_method,
        use_referral_discount=data.use_referral_discount,
    )
    return await purchase_idempotently(
        db, order, idempotency_key, "POST /customer/recharge", lambda: data.model_dump(mode="json")
    )


async def purchase_idempotently(
    db: AsyncSession,
    order: PurchaseOrder,
    idempotency_key: str | None,
    endpoint: str,
    request: Callable[[], object],
) -> RechargeResponse:
    return await idempotency.once_per_key(
        db, order.payer_id, idempotency_key, endpoint, request, lambda: purchase(db, order)
    )


async def purchase(db: AsyncSession, order: PurchaseOrder) -> RechargeResponse:
    now = clock.now()
    plan = await catalog_service.get_plan_for_sale(db, order.plan_id)
    if plan.plan_type != PlanType.prepaid:
        raise PlanNotPrepaid(f"Plan {plan.plan_id} is a postpaid plan; it cannot be recharged")
    offer = (
        await catalog_service.get_offer_for_purchase(db, order.offer_id, plan.plan_id, now)
        if order.offer_id is not None
        else None
    )

    phone = order.recipient_phone_number
    await lifecycle.lock_and_settle(db, [phone], now)
    active_base = await SubscriptionRepository(db).active_base(phone)
    if plan.is_topup and active_base is None:
        raise NoActiveBasePlan(f"{phone} has no active plan: buy a plan before a top-up")

    payer_id = order.payer_id
    voucher = (
        await referral_service.best_voucher(db, payer_id, now)
        if order.use_referral_discount
        else None
    )
    price = discounts.price_purchase(plan.price, offer, voucher)
    offer_id = price.offer.offer_id if price.offer else None
    transaction_id = await payment_service.charge(
        db,
        Charge(
            payer_id=payer_id,
            plan_id=plan.plan_id,
            recipient_phone_number=phone,
            transaction_type=(
                TransactionType.topup_purchase
                if plan.is_topup
                else TransactionType.prepaid_recharge
            ),
            payment_method=order.payment_method,
            original_amount=price.original_amount,
            discount_amount=price.discount_amount,
            discount_type=price.discount_type,
            offer_id=offer_id,
            referral_discount_id=price.voucher.discount_id if price.voucher else None,
            description=f"{plan.plan_name} on {phone}",
            at=now,
        ),
    )

    if plan.is_topup or active_base is not None:
        owner_id = await customer_service.registered_owner_id(db, phone)
    else:  # a plan starting now: the number's owner, if registered, is covered again
        owner_id = await customer_service.record_plan_activation(db, phone, now)
    paid = Paid(transaction_id=transaction_id, phone_number=phone, owner_id=owner_id or payer_id)
    if plan.is_topup:
        assert active_base is not None
        subscription = await _add_topup(db, plan, paid, active_base, now)
    elif active_base is None:
        subscription = await _activate(db, plan, paid, now)
    else:
        subscription = await _enqueue(db, plan, paid, now)
    await payment_service.link_subscription(db, transaction_id, subscription.subscription_id)

    if price.voucher is not None:
        await referral_service.redeem_voucher(db, price.voucher, transaction_id, now)
    await referral_service.complete_referral_of(db, payer_id, transaction_id, now)
    message = _outcome_message(plan, subscription)
    await notification_service.notify(
        db,
        Alert(
            customer_id=payer_id,
            type=NotificationType.payment_success,
            title="Payment successful",
            message=f"₹{price.final_amount} paid for {plan.plan_name} on {phone}. {message}",
        ),
        _subscription_alert(plan, subscription, message),
    )
    return RechargeResponse(
        transaction_id=transaction_id,
        plan_name=plan.plan_name,
        final_amount=price.final_amount,
        payment_status=PaymentStatus.success,
        message=message,
        original_amount=price.original_amount,
        discount_amount=price.discount_amount,
        discount_type=price.discount_type,
        offer_id=offer_id,
        subscription_id=subscription.subscription_id,
        subscription_status=subscription.status,
        recipient_phone_number=phone,
        activation_date=subscription.starts_at,
        expiry_date=subscription.expiry_date,
        queue_position=subscription.queue_position,
    )


@dataclass(frozen=True)
class Paid:
    """A successful payment: what the new subscription hangs on."""

    transaction_id: int
    phone_number: str
    owner_id: int  # the number's registered owner, else the payer (docs/decisions.md#line-owner)


@dataclass(frozen=True)
class NewSubscription:
    subscription_id: int
    customer_id: int
    status: SubscriptionStatus
    starts_at: datetime  # now, or (queued) when the plan before it ends
    expiry_date: datetime
    queue_position: int | None = None


async def _insert_subscription(
    db: AsyncSession,
    plan: SellablePlan,
    paid: Paid,
    status: SubscriptionStatus,
    *,
    activation_date: datetime | None,
    expiry_date: datetime,
    base_subscription_id: int | None = None,
) -> int:
    allowance = plan.data_allowance_mb or 0
    return await SubscriptionRepository(db).insert(
        {
            "customer_id": paid.owner_id,
            "phone_number": paid.phone_number,
            "plan_id": plan.plan_id,
            "transaction_id": paid.transaction_id,
            "is_topup": plan.is_topup,
            "status": status,
            "base_subscription_id": base_subscription_id,
            "activation_date": activation_date,
            "expiry_date": expiry_date,
            "data_allowance_mb": allowance,
            "data_balance_mb": allowance,
            "daily_data_limit_mb": plan.daily_data_limit_mb,
            "last_daily_reset": activation_date,
        }
    )


async def _activate(
    db: AsyncSession, plan: SellablePlan, paid: Paid, now: datetime
) -> NewSubscription:
    expiry = now + timedelta(days=plan.validity_days)
    subscription_id = await _insert_subscription(
        db, plan, paid, SubscriptionStatus.active, activation_date=now, expiry_date=expiry
    )
    return NewSubscription(subscription_id, paid.owner_id, SubscriptionStatus.active, now, expiry)


async def _enqueue(
    db: AsyncSession, plan: SellablePlan, paid: Paid, now: datetime
) -> NewSubscription:
    """The plan starts exactly when the number's last active/queued plan ends
    (docs/decisions.md#queue-start)."""
    subscriptions = SubscriptionRepository(db)
    chain_end, waiting = await subscriptions.queue_tail(paid.phone_number)
    starts_at = chain_end or now
    expiry = starts_at + timedelta(days=plan.validity_days)
    subscription_id = await _insert_subscription(
        db, plan, paid, SubscriptionStatus.queued, activation_date=None, expiry_date=expiry
    )
    position = waiting + 1
    await subscriptions.add_to_queue(
        {
            "subscription_id": subscription_id,
            "customer_id": paid.owner_id,
            "phone_number": paid.phone_number,
            "expected_activation_date": starts_at,
            "expected_expiry_date": expiry,
            "queue_position": position,
        }
    )
    return NewSubscription(
        subscription_id, paid.owner_id, SubscriptionStatus.queued, starts_at, expiry, position
    )


async def _add_topup(
    db: AsyncSession, plan: SellablePlan, paid: Paid, base: ActiveBase, now: datetime
) -> NewSubscription:
    """A top-up rides on the active base plan and ends no later than it
    (docs/decisions.md#topups)."""
    own_end = now + timedelta(days=plan.validity_days) if plan.validity_days else base.expiry_date
    expiry = min(own_end, base.expiry_date)
    subscription_id = await _insert_subscription(
        db,
        plan,
        paid,
        SubscriptionStatus.active,
        activation_date=now,
        expiry_date=expiry,
        base_subscription_id=base.subscription_id,
    )
    return NewSubscription(subscription_id, paid.owner_id, SubscriptionStatus.active, now, expiry)


def _outcome_message(plan: SellablePlan, subscription: NewSubscription) -> str:
    if subscription.queue_position is not None:
        return (
            f"{plan.plan_name} is queued at position {subscription.queue_position}; it starts "
            f"on {format_when(subscription.starts_at)}."
        )
    kind = "Top-up" if plan.is_topup else "Plan"
    return f"{kind} {plan.plan_name} is active until {format_when(subscription.expiry_date)}."


def _subscription_alert(plan: SellablePlan, subscription: NewSubscription, message: str) -> Alert:
    if subscription.queue_position is not None:
        alert_type, title = NotificationType.plan_queued, "Plan queued"
    elif plan.is_topup:
        alert_type, title = NotificationType.topup_activated, "Top-up activated"
    else:
        alert_type, title = NotificationType.plan_activated, "Plan activated"
    return Alert(
        customer_id=subscription.customer_id,
        type=alert_type,
        title=title,
        message=message,
        dedupe_key=f"{alert_type.value}:{subscription.subscription_id}",
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
