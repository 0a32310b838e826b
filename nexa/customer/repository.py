from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from nexa.core import sql
from nexa.models import (
    AccountStatus,
    Customer,
    PaymentStatus,
    ReferralProgram,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
    Transaction,
)


def ids_with_phone_containing(fragment: str) -> Select[int]:
    """The ids of the customers whose number contains `fragment` (deleted ones too)."""
    return select(Customer.customer_id).where(Customer.phone_number.contains(fragment))


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: int) -> Customer | None:
        """A customer that exists for the application (soft-deleted ones do not, Q-42)."""
        return (
            await self.session.execute(
                select(Customer).where(
                    Customer.customer_id == customer_id, Customer.deleted_at.is_(None)
                )
            )
        ).scalar_one_or_none()

    async def get_by_phone(self, phone_number: str) -> Customer | None:
        return (
            await self.session.execute(
                select(Customer).where(
                    Customer.phone_number == phone_number, Customer.deleted_at.is_(None)
                )
            )
        ).scalar_one_or_none()

    async def contacts(self, customer_ids: Collection[int]) -> list[Customer]:
        if not customer_ids:
            return []
        rows = await self.session.execute(
            select(Customer).where(Customer.customer_id.in_(set(customer_ids)))
        )
        return list(rows.scalars())

    async def ids_by_phone(self, phone_numbers: Collection[str]) -> dict[str, int]:
        if not phone_numbers:
            return {}
        rows = await self.session.execute(
            select(Customer.phone_number, Customer.customer_id).where(
                Customer.phone_number.in_(set(phone_numbers)), Customer.deleted_at.is_(None)
            )
        )
        return {row.phone_number: row.customer_id for row in rows}

    async def phone_taken(self, phone_number: str) -> bool:
        # soft-deleted rows still hold their number (unique index)
        found = await self.session.execute(
            select(Customer.customer_id).where(Customer.phone_number == phone_number)
        )
        return found.first() is not None

    async def add(self, customer: Customer) -> Customer:
        self.session.add(customer)
        await self.session.flush()
        await self.session.refresh(customer)
        return customer

    async def flush(self, customer: Customer) -> Customer:
        await self.session.flush()
        await self.session.refresh(customer)
        return customer

    # the next two run in every purchase: straight to the driver (core/sql.py)

    async def id_by_phone(self, phone_number: str) -> int | None:
        return await sql.fetch_value(
            self.session,
            "SELECT customer_id FROM customer"
            " WHERE phone_number = %(phone)s AND deleted_at IS NULL",
            {"phone": phone_number},
        )

    async def record_plan_activation(self, phone_number: str, at: datetime) -> int | None:
        """The owner of the number is covered again (Q-03, Q-04): back from inactivity.
        Returns the owner's id (None when nobody registered the number)."""
        owner_id: int | None = await sql.fetch_value(
            self.session,
            """
            UPDATE customer
            SET last_active_plan_date = greatest(last_active_plan_date, %(at)s),
                days_inactive = 0,
                inactivity_warning_level = 0,
                account_status = CASE WHEN account_status = 'inactive'
                                       AND status_reason = 'inactivity'
                                      THEN 'active' ELSE account_status END,
                status_reason = CASE WHEN account_status = 'inactive'
                                      AND status_reason = 'inactivity'
                                     THEN NULL ELSE status_reason END,
                updated_at = now()
            WHERE phone_number = %(phone)s AND deleted_at IS NULL
            RETURNING customer_id
            """,
            {"phone": phone_number, "at": at},
        )
        if owner_id is not None:
            loaded = self.session.identity_map.get(identity_key(Customer, owner_id))
            if loaded is not None:  # this transaction holds the row as an object: update it
                await self.session.refresh(loaded)
        return owner_id

    async def refresh_inactivity(
        self, now: datetime, midnight: datetime, batch_size: int
    ) -> list[Any]:
        """Recompute days_inactive (Q-04) for a batch of customers not refreshed since
        `midnight`. Covered customers (an active base plan on their number, or a running
        postpaid plan) are at 0 and re-armed; returns the others with their new count."""
        result = await self.session.execute(
            text(
                """
                WITH batch AS (
                    SELECT c.customer_id, c.phone_number, c.created_at
                    FROM customer c
                    WHERE c.deleted_at IS NULL
                      AND (c.inactivity_status_updated_at IS NULL
                           OR c.inactivity_status_updated_at < :midnight)
                    ORDER BY c.customer_id
                    LIMIT :batch
                    FOR UPDATE SKIP LOCKED
                ), facts AS (
                    SELECT b.customer_id,
                        EXISTS (SELECT 1 FROM subscription s
                                WHERE s.phone_number = b.phone_number AND s.status = 'active'
                                  AND NOT s.is_topup AND s.expiry_date > :now)
                        OR EXISTS (SELECT 1 FROM postpaid_activation a
                                   WHERE a.primary_number = b.phone_number
                                     AND a.status IN ('active', 'suspended')) AS covered,
                        greatest(
                            b.created_at,
                            (SELECT max(least(coalesce(s.expired_at, s.expiry_date), :now))
                             FROM subscription s
                             WHERE s.phone_number = b.phone_number AND NOT s.is_topup
                               AND s.status IN ('active', 'expired')),
                            (SELECT max(t.transaction_date) FROM transaction t
                             WHERE t.customer_id = b.customer_id
                               AND t.payment_status = 'success')
                        ) AS since
                    FROM batch b
                )
                UPDATE customer c
                SET days_inactive = CASE WHEN f.covered THEN 0 ELSE greatest(
                        0, floor(extract(epoch FROM (:now - f.since)) / 86400))::int END,
                    inactivity_warning_level = CASE WHEN f.covered THEN 0
                                                    ELSE c.inactivity_warning_level END,
                    inactivity_status_updated_at = :now
                FROM facts f
                WHERE c.customer_id = f.customer_id
                RETURNING c.customer_id, f.covered, c.days_inactive,
                          c.inactivity_warning_level, c.account_status, f.since
                """
            ),
            {"now": now, "midnight": midnight, "batch": batch_size},
        )
        return list(result)

    async def set_inactivity_levels(self, changes: list[dict[str, Any]]) -> None:
        """Record warnings sent; level 3 also makes an active customer `inactive`."""
        if changes:
            await self.session.execute(
                text(
                    "UPDATE customer SET inactivity_warning_level = :level, "
                    "account_status = CASE WHEN :level >= 3 AND account_status = 'active' "
                    "THEN 'inactive' ELSE account_status END, "
                    "status_reason = CASE WHEN :level >= 3 AND account_status = 'active' "
                    "THEN 'inactivity' ELSE status_reason END, "
                    "status_changed_at = CASE WHEN :level >= 3 AND account_status = 'active' "
                    "THEN :now ELSE status_changed_at END "
                    "WHERE customer_id = :customer_id"
                ),
                changes,
            )

    async def admin_search(
        self,
        *,
        customer_id: int | None,
        search_term: str | None,
        phone_number: str | None,
        full_name: str | None,
        account_status: AccountStatus | None,
        days_inactive_min: int | None,
        days_inactive_max: int | None,
        now: datetime,
        skip: int,
        limit: int,
    ) -> tuple[list[Any], int]:
        """Customers (not deleted) with their purchase figures, newest first, one query."""
        conditions: list[Any] = [Customer.deleted_at.is_(None)]
        if customer_id is not None:
            conditions.append(Customer.customer_id == customer_id)
        if search_term:
            pattern = f"%{search_term.lower()}%"
            conditions.append(
                func.lower(Customer.full_name).like(pattern) | Customer.phone_number.like(pattern)
            )
        if phone_number:
            conditions.append(Customer.phone_number.like(f"%{phone_number}%"))
        if full_name:
            conditions.append(func.lower(Customer.full_name).like(f"%{full_name.lower()}%"))
        if account_status is not None:
            conditions.append(Customer.account_status == account_status)
        if days_inactive_min is not None:
            conditions.append(Customer.days_inactive >= days_inactive_min)
        if days_inactive_max is not None:
            conditions.append(Customer.days_inactive <= days_inactive_max)
        paid = (Transaction.customer_id == Customer.customer_id) & (
            Transaction.payment_status == PaymentStatus.success
        )
        figures = [
            select(func.count()).where(paid).scalar_subquery().label("total_transactions"),
            select(func.coalesce(func.sum(Transaction.final_amount), 0))
            .where(paid)
            .scalar_subquery()
            .label("total_spent"),
            select(func.count())
            .where(
                Subscription.customer_id == Customer.customer_id,
                Subscription.status.in_([SubscriptionStatus.active, SubscriptionStatus.queued]),
                Subscription.expiry_date > now,
            )
            .scalar_subquery()
            .label("active_subscriptions"),
            select(func.count())
            .where(
                SubscriptionQueue.customer_id == Customer.customer_id,
                SubscriptionQueue.processed_at.is_(None),
            )
            .scalar_subquery()
            .label("queued_subscriptions"),
            select(ReferralProgram.referral_code)
            .where(
                ReferralProgram.referrer_customer_id == Customer.customer_id,
                ReferralProgram.is_active.is_(True),
            )
            .limit(1)
            .scalar_subquery()
            .label("referral_code"),
        ]
        total = (
            await self.session.execute(
                select(func.count()).select_from(Customer).where(*conditions)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(Customer, *figures)
            .where(*conditions)
            .order_by(Customer.created_at.desc(), Customer.customer_id.desc())
            .offset(skip)
            .limit(limit)
        )
        return list(rows), int(total)

    async def status_counts(self, today: datetime, week: datetime) -> Any:
        return (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(Customer.account_status == AccountStatus.active),
                    func.count().filter(Customer.account_status == AccountStatus.inactive),
                    func.count().filter(Customer.account_status == AccountStatus.suspended),
                    func.count().filter(Customer.created_at >= today),
                    func.count().filter(Customer.created_at >= week),
                ).where(Customer.deleted_at.is_(None))
            )
        ).one()

    async def get_for_update(self, customer_id: int) -> Customer | None:
        return (
            await self.session.execute(
                select(Customer)
                .where(Customer.customer_id == customer_id, Customer.deleted_at.is_(None))
                .with_for_update()
            )
        ).scalar_one_or_none()
