"""Tests that really commit: their setup, and removing what they wrote (outside the rollback)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select, update

from nexa.core.db import get_sessionmaker
from nexa.models import (
    Admin,
    AuditLog,
    AuthSession,
    Category,
    Customer,
    IdempotencyKey,
    Invoice,
    Line,
    LinkedAccount,
    Notification,
    Payment,
    PaymentEvent,
    PaymentRefund,
    Plan,
    PlanType,
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
        payments = select(Payment.payment_id).where(
            or_(Payment.customer_id.in_(customers), Payment.recipient_phone_number.in_(numbers))
        )
        # invoices and their credit notes (one statement: a note names its invoice)
        await db.execute(
            delete(Invoice).where(
                or_(Invoice.customer_id.in_(customers), Invoice.payment_id.in_(payments))
            )
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
        await db.execute(delete(Transaction).where(Transaction.payment_id.in_(payments)))
        for table in (PaymentEvent, PaymentRefund):
            await db.execute(delete(table).where(table.payment_id.in_(payments)))
        await db.execute(delete(Payment).where(Payment.payment_id.in_(payments)))
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


async def purge_admin(admin_id: int) -> None:
    """An admin a committing test created, with its sessions and audit entries."""
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(delete(AuditLog).where(AuditLog.admin_id == admin_id))
        await db.execute(
            delete(AuthSession).where(
                AuthSession.user_type == UserType.admin, AuthSession.subject_id == admin_id
            )
        )
        await db.execute(delete(Admin).where(Admin.admin_id == admin_id))


@dataclass
class CommittedSetup:
    """A customer and a plan that really exist (committed); `purge()` removes them and
    everything written for them."""

    customer_id: int
    phone_number: str
    plan_id: int
    category_id: int
    extra_customer_ids: list[int] = field(default_factory=list)
    extra_phones: list[str] = field(default_factory=list)

    async def purge(self) -> None:
        await purge(
            customer_ids=[self.customer_id, *self.extra_customer_ids],
            phones=[self.phone_number, *self.extra_phones],
            plan_ids=[self.plan_id],
            category_ids=[self.category_id],
        )


async def committed_customer_and_plan(**plan_fields: Any) -> CommittedSetup:
    from tests.factories.accounts import make_customer

    values: dict[str, Any] = {
        "plan_name": "Committed plan",
        "plan_type": PlanType.prepaid,
        "price": Decimal("199.00"),
        "validity_days": 28,
        "description": "x",
        "data_allowance_mb": 1000,
        **plan_fields,
    }
    async with get_sessionmaker()() as db, db.begin():
        customer = await make_customer(db)
        category = Category(category_name=f"Committed {uuid.uuid4().hex[:8]}")
        db.add(category)
        await db.flush()
        plan = Plan(category_id=category.category_id, **values)
        db.add(plan)
        await db.flush()
        return CommittedSetup(
            customer.customer_id, customer.phone_number, plan.plan_id, category.category_id
        )
