"""A prepaid purchase (own recharge or a linked account's) through the one checkout path
(docs/decisions.md#payment-lifecycle): priced and its voucher held in a first transaction,
paid with no transaction held, and delivered when the payment is captured — at once (the
simulator approving), or later when a webhook or the reconciliation job says so.

Delivery locks the number's `line` row first, so purchases of one number run one after the
other whoever pays; it re-checks what may have changed since the order was priced (the plan
still on sale, a base plan for a top-up) and refuses with `CannotFulfil` (the payment is then
refunded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.catalog.schemas import SellablePlan
from nexa.core import clock
from nexa.core.errors import BadRequest, NexaError
from nexa.customer import service as customer_service
from nexa.invoice.schemas import INVOICE_LINE, invoice_line
from nexa.models import (
    NotificationType,
    PaymentMethod,
    PaymentStatus,
    PlanType,
    SubscriptionStatus,
    TransactionType,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment import service as payment_service
from nexa.payment.schemas import Order, PaymentPending, PaymentRecord
from nexa.recharge import discounts, lifecycle
from nexa.recharge.lifecycle import format_when
from nexa.recharge.repository import ActiveBase, Inserted, SubscriptionRepository
from nexa.recharge.schemas import RechargeResponse
from nexa.referral import service as referral_service

PREPAID_ORDERS = (TransactionType.prepaid_recharge, TransactionType.topup_purchase)
# in an order's details: the payer had a referral waiting for a first purchase when it was
# priced (none can appear later, so delivery need not look again when there was none)
_REFERRAL_PENDING = "referral_pending"


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


async def purchase(
    db: AsyncSession,
    order: PurchaseOrder,
    idempotency_key: str | None,
    endpoint: str,
    request: Callable[[], object],
) -> RechargeResponse | PaymentPending:
    """Price, pay and deliver a prepaid plan or top-up; idempotent per `Idempotency-Key`."""
    answer = await payment_service.checkout(
        db,
        order.payer_id,
        key=idempotency_key,
        endpoint=endpoint,
        request=request,
        price=lambda: _price(db, order),
    )
    assert isinstance(answer, RechargeResponse | PaymentPending)
    return answer


async def _price(db: AsyncSession, order: PurchaseOrder) -> Order:
    """Check the purchase and price it; the voucher it spends is held from now on."""
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
    if plan.is_topup and await SubscriptionRepository(db).active_base(phone) is None:
        raise NoActiveBasePlan(f"{phone} has no active plan: buy a plan before a top-up")
    benefits = await referral_service.purchase_benefits(
        db, order.payer_id, now, with_voucher=order.use_referral_discount
    )
    price = discounts.price_purchase(plan.price, offer, benefits.voucher)
    if price.voucher is not None:
        await referral_service.reserve_voucher(db, price.voucher, now)
    return Order(
        payer_id=order.payer_id,
        order_type=TransactionType.topup_purchase
        if plan.is_topup
        else TransactionType.prepaid_recharge,
        recipient_phone_number=phone,
        plan_id=plan.plan_id,
        payment_method=order.payment_method,
        original_amount=price.original_amount,
        discount_amount=price.discount_amount,
        discount_type=price.discount_type,
        offer_id=price.offer.offer_id if price.offer else None,
        referral_discount_id=price.voucher.discount_id if price.voucher else None,
        description=f"{plan.plan_name} on {phone}",
        details={
            _REFERRAL_PENDING: benefits.referral_pending,
            INVOICE_LINE: invoice_line(plan_name=plan.plan_name, validity_days=plan.validity_days),
        },
    )


@dataclass(frozen=True)
class Delivered:
    """What a captured prepaid order became."""

    plan: SellablePlan
    subscription: NewSubscription
    message: str


def _response(payment: PaymentRecord, delivered: object) -> RechargeResponse:
    assert isinstance(delivered, Delivered)
    subscription = delivered.subscription
    return RechargeResponse(
        transaction_id=payment.transaction_id,
        plan_name=delivered.plan.plan_name,
        final_amount=payment.amount,
        payment_status=PaymentStatus.success,
        message=delivered.message,
        original_amount=payment.original_amount,
        discount_amount=payment.discount_amount,
        discount_type=payment.discount_type,
        offer_id=payment.offer_id,
        subscription_id=subscription.subscription_id,
        subscription_status=subscription.status,
        recipient_phone_number=payment.recipient_phone_number,
        activation_date=subscription.starts_at,
        expiry_date=subscription.expiry_date,
        queue_position=subscription.queue_position,
        payment_id=payment.payment_id,
    )


class PrepaidFulfiller:
    """Delivers captured prepaid orders: a plan now or queued, or a top-up."""

    async def fulfil(self, db: AsyncSession, payment: PaymentRecord) -> Delivered:
        now, phone = clock.now(), payment.recipient_phone_number
        try:
            plan = await catalog_service.get_plan_for_sale(db, payment.plan_id)
        except NexaError as withdrawn:
            no_longer = f"plan {payment.plan_id} is no longer sold"
            raise payment_service.CannotFulfil(no_longer) from withdrawn
        await lifecycle.lock_and_settle(db, [phone], now)
        active_base = await SubscriptionRepository(db).active_base(phone)
        if plan.is_topup and active_base is None:
            raise payment_service.CannotFulfil(f"{phone} has no active plan for the top-up")
        assert payment.transaction_id is not None
        if plan.is_topup or active_base is not None:
            owner_id = await customer_service.registered_owner_id(db, phone)
        else:  # a plan starting now: its statement finds the owner (`_activate`)
            owner_id = None
        paid = Paid(payment.transaction_id, phone, owner_id or payment.customer_id)
        if plan.is_topup:
            assert active_base is not None
            subscription = await _add_topup(db, plan, paid, active_base, now)
        elif active_base is None:
            subscription = await _activate(db, plan, paid, now)
        else:
            subscription = await _enqueue(db, plan, paid, now)
        if payment.referral_discount_id is not None:
            await referral_service.spend_voucher(
                db, payment.referral_discount_id, payment.transaction_id
            )
        if payment.order_details.get(_REFERRAL_PENDING, True):  # unknown: look
            await referral_service.complete_referral_of(
                db, payment.customer_id, payment.transaction_id, now
            )
        message = _outcome_message(plan, subscription)
        await notification_service.notify(
            db,
            Alert(
                customer_id=payment.customer_id,
                type=NotificationType.payment_success,
                title="Payment successful",
                message=f"₹{payment.amount} paid for {plan.plan_name} on {phone}. {message}",
            ),
            _subscription_alert(plan, subscription, message),
        )
        return Delivered(plan, subscription, message)

    def answer(self, payment: PaymentRecord, delivered: object) -> RechargeResponse:
        return _response(payment, delivered)

    async def release(self, db: AsyncSession, payment: PaymentRecord) -> None:
        if payment.referral_discount_id is not None:
            await referral_service.release_voucher(db, payment.referral_discount_id)

    async def reverse(self, db: AsyncSession, payment: PaymentRecord) -> None:
        assert payment.transaction_id is not None
        await lifecycle.cancel_bought(db, payment.recipient_phone_number, payment.transaction_id)


@dataclass(frozen=True)
class Paid:
    """A successful payment: what the new subscription hangs on."""

    transaction_id: int
    phone_number: str
    # the number's registered owner, else the payer (docs/decisions.md#line-owner); for a
    # plan starting now the payer, replaced by the owner in the statement (`_activate`)
    owner_id: int


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
    starts_now: bool = False,
) -> Inserted:
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
        },
        starts_now=starts_now,
    )


async def _activate(
    db: AsyncSession, plan: SellablePlan, paid: Paid, now: datetime
) -> NewSubscription:
    """A plan starting now: the number's owner, if registered, is covered again and holds
    it (else the payer does)."""
    expiry = now + timedelta(days=plan.validity_days)
    inserted = await _insert_subscription(
        db,
        plan,
        paid,
        SubscriptionStatus.active,
        activation_date=now,
        expiry_date=expiry,
        starts_now=True,
    )
    await customer_service.plan_activation_recorded(db, inserted.owner_id)
    return NewSubscription(
        inserted.subscription_id, inserted.customer_id, SubscriptionStatus.active, now, expiry
    )


async def _enqueue(
    db: AsyncSession, plan: SellablePlan, paid: Paid, now: datetime
) -> NewSubscription:
    """The plan starts exactly when the number's last active/queued plan ends
    (docs/decisions.md#queue-start)."""
    subscriptions = SubscriptionRepository(db)
    chain_end, waiting = await subscriptions.queue_tail(paid.phone_number)
    starts_at = chain_end or now
    expiry = starts_at + timedelta(days=plan.validity_days)
    subscription_id = (
        await _insert_subscription(
            db, plan, paid, SubscriptionStatus.queued, activation_date=None, expiry_date=expiry
        )
    ).subscription_id
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
    inserted = await _insert_subscription(
        db,
        plan,
        paid,
        SubscriptionStatus.active,
        activation_date=now,
        expiry_date=expiry,
        base_subscription_id=base.subscription_id,
    )
    return NewSubscription(
        inserted.subscription_id, paid.owner_id, SubscriptionStatus.active, now, expiry
    )


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
