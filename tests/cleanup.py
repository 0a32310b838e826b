"""Removing what tests that really commit have written (they run outside the rollback)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, or_, select, update

from nexa.core.db import get_sessionmaker
from nexa.models import (
    AuthSession,
    Category,
    Customer,
    IdempotencyKey,
    Line,
    LinkedAccount,
    Notification,
    Plan,
    PostpaidActivation,
    PostpaidBill,
    PostpaidDataAddon,
    PostpaidSecondaryNumber,
    ReferralDiscount,
    ReferralProgram,
    ReferralUsageLog,
    Subscription,
    SubscriptionQueue,
    Transaction,
    UserType,
)


async def purge(
    *,
    customer_ids: Collection[int] = (),
    phones: Collection[str] = (),
    plan_ids: Collection[int] = (),
    category_ids: Collection[int] = (),
) -> None:
    customers, numbers = list(customer_ids), list(phones)
    async with get_sessionmaker()() as db, db.begin():
        programs = select(ReferralProgram.referral_id).where(
            or_(
                ReferralProgram.referrer_customer_id.in_(customers),
                ReferralProgram.referee_customer_id.in_(customers),
            )
        )
        await db.execute(delete(Notification).where(Notification.customer_id.in_(customers)))
        activations = select(PostpaidActivation.activation_id).where(
            PostpaidActivation.customer_id.in_(customers)
        )
        for table in (PostpaidSecondaryNumber, PostpaidDataAddon, PostpaidBill):
            await db.execute(delete(table).where(table.activation_id.in_(activations)))
        await db.execute(
            delete(PostpaidActivation).where(PostpaidActivation.customer_id.in_(customers))
        )
        await db.execute(
            delete(ReferralDiscount).where(
                or_(
                    ReferralDiscount.customer_id.in_(customers),
                    ReferralDiscount.referral_id.in_(programs),
                )
            )
        )
        await db.execute(
            delete(ReferralUsageLog).where(
                or_(
                    ReferralUsageLog.referral_id.in_(programs),
                    ReferralUsageLog.used_by_customer_id.in_(customers),
                )
            )
        )
        await db.execute(delete(ReferralProgram).where(ReferralProgram.referral_id.in_(programs)))
        await db.execute(
            delete(SubscriptionQueue).where(
                or_(
                    SubscriptionQueue.phone_number.in_(numbers),
                    SubscriptionQueue.customer_id.in_(customers),
                )
            )
        )
        paid = or_(
            Transaction.customer_id.in_(customers),
            Transaction.recipient_phone_number.in_(numbers),
        )
        await db.execute(update(Transaction).where(paid).values(subscription_id=None))
        await db.execute(
            update(Subscription)
            .where(
                or_(Subscription.phone_number.in_(numbers), Subscription.customer_id.in_(customers))
            )
            .values(base_subscription_id=None)
        )
        await db.execute(
            delete(Subscription).where(
                or_(Subscription.phone_number.in_(numbers), Subscription.customer_id.in_(customers))
            )
        )
        await db.execute(delete(Transaction).where(paid))
        await db.execute(
            delete(LinkedAccount).where(LinkedAccount.primary_customer_id.in_(customers))
        )
        await db.execute(delete(Line).where(Line.phone_number.in_(numbers)))
        await db.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.owner.in_([f"customer:{c}" for c in customers])
            )
        )
        await db.execute(
            delete(AuthSession).where(
                AuthSession.user_type == UserType.customer, AuthSession.subject_id.in_(customers)
            )
        )
        await db.execute(delete(Customer).where(Customer.customer_id.in_(customers)))
        await db.execute(delete(Plan).where(Plan.plan_id.in_(list(plan_ids))))
        await db.execute(delete(Category).where(Category.category_id.in_(list(category_ids))))
