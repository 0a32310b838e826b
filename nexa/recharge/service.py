"""Prepaid purchases: price, pay, then activate now, queue, or add a top-up — one transaction.

Every purchase for a number locks that number's `line` row first, so purchases of one
number run one after the other whoever pays; two numbers never wait for each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock, idempotency
from nexa.core.errors import BadRequest, PaymentFailed
from nexa.customer import service as customer_service
from nexa.models import (
    Customer,
    NotificationType,
    PaymentMethod,
    PaymentStatus,
    Plan,
    PlanType,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
    Transaction,
    TransactionType,
)
from nexa.notification import service as notification_service
from nexa.notification.service import Alert
from nexa.payment.gateway import PaymentRequest, get_gateway
from nexa.recharge import discounts, lifecycle
from nexa.recharge.lifecycle import format_when
from nexa.recharge.repository import LineRepository, SubscriptionRepository, TransactionRepository
from nexa.recharge.schemas import RechargeRequest, RechargeResponse


class PlanNotPrepaid(BadRequest):
    code = "plan_not_prepaid"


class NoActiveBasePlan(BadRequest):
    code = "no_active_base_plan"


class PaymentDeclined(PaymentFailed):
    code = "payment_failed"


@dataclass(frozen=True)
class PurchaseOrder:
    """What to buy for which number (own recharge, or a linked account's)."""

    payer: Customer
    recipient_phone_number: str
    plan_id: int
    offer_id: int | None
    payment_method: PaymentMethod
    use_referral_discount: bool = True


async def lock_lines(db: AsyncSession, phone_numbers: list[str]) -> None:
    """Serialise every change of these numbers (purchases, usage, postpaid) until commit."""
    await LineRepository(db).lock(phone_numbers)


async def recharge(
    db: AsyncSession, payer: Customer, data: RechargeRequest, idempotency_key: str | None
) -> RechargeResponse:
    """`POST /customer/recharge`: an idempotent purchase for any number."""
    order = PurchaseOrder(
        payer=payer,
        recipient_phone_number=data.recipient_phone_number,
        plan_id=data.plan_id,
        offer_id=data.offer_id if data.offer_id and data.offer_id > 0 else None,
        payment_method=data.payment_method,
        use_referral_discount=data.use_referral_discount,
    )
    return await purchase_idempotently(
        db, order, idempotency_key, "POST /customer/recharge", data.model_dump(mode="json")
    )


async def purchase_idempotently(
    db: AsyncSession,
    order: PurchaseOrder,
    idempotency_key: str | None,
    endpoint: str,
    payload: object,
) -> RechargeResponse:
    claim = await idempotency.claim(
        db, f"customer:{order.payer.customer_id}", idempotency_key, endpoint, payload
    )
    try:
        response = await purchase(db, order)
    except PaymentDeclined as declined:
        await idempotency.record(db, claim, declined.status_code, declined.body())
        raise
    await idempotency.record(db, claim, 200, response.model_dump(mode="json"))
    return response


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
    await LineRepository(db).lock([phone])
    await lifecycle.settle_lines(db, [phone], now)
    subscriptions = SubscriptionRepository(db)
    active_base = await subscriptions.active_base(phone)
    if plan.is_topup and active_base is None:
        raise NoActiveBasePlan(f"{phone} has no active plan: buy a plan before a top-up")

    vouchers = discounts.voucher_source()
    voucher = (
        await vouchers.best_voucher(db, order.payer.customer_id, now)
        if order.use_referral_discount
        else None
    )
    price = discounts.price_purchase(plan.price, offer, voucher)
    payment = await get_gateway().charge(
        PaymentRequest(
            amount=price.final_amount,
            method=order.payment_method,
            payer_id=order.payer.customer_id,
            description=f"{plan.plan_name} for {phone}",
        )
    )
    transaction = await TransactionRepository(db).add(
        Transaction(
            customer_id=order.payer.customer_id,
            plan_id=plan.plan_id,
            offer_id=price.offer.offer_id if price.offer else None,
            recipient_phone_number=phone,
            transaction_type=(
                TransactionType.topup_purchase
                if plan.is_topup
                else TransactionType.prepaid_recharge
            ),
            original_amount=price.original_amount,
            discount_amount=price.discount_amount,
            discount_type=price.discount_type,
            final_amount=price.final_amount,
            payment_method=order.payment_method,
            payment_status=PaymentStatus.success if payment.approved else PaymentStatus.failed,
            payment_reference=payment.reference,
            failure_reason=payment.decline_reason,
            transaction_date=now,
            referral_discount_id=price.voucher.discount_id if price.voucher else None,
        )
    )
    if not payment.approved:
        await notification_service.notify(
            db,
            Alert(
                customer_id=order.payer.customer_id,
                type=NotificationType.payment_failure,
                title="Payment failed",
                message=(
                    f"Your payment of ₹{price.final_amount} for {plan.plan_name} on {phone} "
                    "was declined. No money was taken; please try again."
                ),
            ),
        )
        declined = PaymentDeclined(
            f"The payment was declined: {payment.decline_reason}", commit_changes=True
        )
        declined.extra = {"transaction_id": transaction.transaction_id, "payment_status": "failed"}
        raise declined

    owner_id = await customer_service.registered_owner_id(db, phone) or order.payer.customer_id
    if plan.is_topup:
        assert active_base is not None
        subscription, queue_position = (
            await _add_topup(db, plan, transaction, owner_id, active_base, now),
            None,
        )
    elif active_base is None:
        subscription, queue_position = await _activate(db, plan, transaction, owner_id, now), None
    else:
        subscription, queue_position = await _enqueue(db, plan, transaction, owner_id, now)
    transaction.subscription_id = subscription.subscription_id

    if price.voucher is not None:
        await vouchers.redeem(db, price.voucher, transaction.transaction_id, now)
    await vouchers.after_successful_purchase(
        db, order.payer.customer_id, transaction.transaction_id, now
    )
    message = _outcome_message(plan, subscription, queue_position)
    await notification_service.notify(
        db,
        Alert(
            customer_id=order.payer.customer_id,
            type=NotificationType.payment_success,
            title="Payment successful",
            message=f"₹{price.final_amount} paid for {plan.plan_name} on {phone}. {message}",
        ),
        _subscription_alert(plan, subscription, queue_position, message),
    )
    await db.flush()
    return RechargeResponse(
        transaction_id=transaction.transaction_id,
        plan_name=plan.plan_name,
        final_amount=price.final_amount,
        payment_status=PaymentStatus.success,
        message=message,
        original_amount=price.original_amount,
        discount_amount=price.discount_amount,
        discount_type=price.discount_type,
        offer_id=transaction.offer_id,
        subscription_id=subscription.subscription_id,
        subscription_status=subscription.status,
        recipient_phone_number=phone,
        activation_date=subscription.activation_date or _expected_start(subscription, plan),
        expiry_date=subscription.expiry_date,
        queue_position=queue_position,
    )


def _new_subscription(
    plan: Plan, transaction: Transaction, owner_id: int, status: SubscriptionStatus
) -> Subscription:
    allowance = plan.data_allowance_mb or 0
    return Subscription(
        customer_id=owner_id,
        phone_number=transaction.recipient_phone_number,
        plan_id=plan.plan_id,
        transaction_id=transaction.transaction_id,
        is_topup=plan.is_topup,
        status=status,
        data_allowance_mb=allowance,
        data_balance_mb=allowance,
        daily_data_limit_mb=plan.daily_data_limit_mb,
        daily_data_used_mb=0,
    )


async def _activate(
    db: AsyncSession, plan: Plan, transaction: Transaction, owner_id: int, now: datetime
) -> Subscription:
    subscription = _new_subscription(plan, transaction, owner_id, SubscriptionStatus.active)
    subscription.activation_date = now
    subscription.expiry_date = now + timedelta(days=plan.validity_days)
    subscription.last_daily_reset = now
    await SubscriptionRepository(db).add(subscription)
    await customer_service.record_plan_activation(db, subscription.phone_number, now)
    return subscription


async def _enqueue(
    db: AsyncSession, plan: Plan, transaction: Transaction, owner_id: int, now: datetime
) -> tuple[Subscription, int]:
    """Q-09: the plan starts exactly when the number's last active/queued plan ends."""
    subscriptions = SubscriptionRepository(db)
    phone = transaction.recipient_phone_number
    starts_at = await subscriptions.chain_end(phone) or now
    position = await subscriptions.waiting_count(phone) + 1
    subscription = _new_subscription(plan, transaction, owner_id, SubscriptionStatus.queued)
    subscription.expiry_date = starts_at + timedelta(days=plan.validity_days)
    await subscriptions.add(subscription)
    await subscriptions.add_to_queue(
        SubscriptionQueue(
            subscription_id=subscription.subscription_id,
            customer_id=owner_id,
            phone_number=phone,
            expected_activation_date=starts_at,
            expected_expiry_date=subscription.expiry_date,
            queue_position=position,
        )
    )
    return subscription, position


async def _add_topup(
    db: AsyncSession,
    plan: Plan,
    transaction: Transaction,
    owner_id: int,
    base: Subscription,
    now: datetime,
) -> Subscription:
    """Q-08: a top-up rides on the active base plan and ends no later than it."""
    subscription = _new_subscription(plan, transaction, owner_id, SubscriptionStatus.active)
    own_end = now + timedelta(days=plan.validity_days) if plan.validity_days else base.expiry_date
    subscription.activation_date = now
    subscription.expiry_date = min(own_end, base.expiry_date)
    subscription.base_subscription_id = base.subscription_id
    return await SubscriptionRepository(db).add(subscription)


def _expected_start(subscription: Subscription, plan: Plan) -> datetime:
    return subscription.expiry_date - timedelta(days=plan.validity_days)


def _outcome_message(plan: Plan, subscription: Subscription, queue_position: int | None) -> str:
    if queue_position is not None:
        return (
            f"{plan.plan_name} is queued at position {queue_position}; it starts on "
            f"{format_when(_expected_start(subscription, plan))}."
        )
    kind = "Top-up" if plan.is_topup else "Plan"
    return f"{kind} {plan.plan_name} is active until {format_when(subscription.expiry_date)}."


def _subscription_alert(
    plan: Plan, subscription: Subscription, queue_position: int | None, message: str
) -> Alert:
    if queue_position is not None:
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
