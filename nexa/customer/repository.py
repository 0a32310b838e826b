from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import AccountStatus, Customer, StatusReason


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

    async def id_by_phone(self, phone_number: str) -> int | None:
        return (
            await self.session.execute(
                select(Customer.customer_id).where(
                    Customer.phone_number == phone_number, Customer.deleted_at.is_(None)
                )
            )
        ).scalar_one_or_none()

    async def record_plan_activation(self, phone_number: str, at: datetime) -> None:
        """The owner of the number is covered again (Q-03, Q-04)."""
        returns_from_inactivity = (Customer.account_status == AccountStatus.inactive) & (
            Customer.status_reason == StatusReason.inactivity
        )
        await self.session.execute(
            update(Customer)
            .where(Customer.phone_number == phone_number, Customer.deleted_at.is_(None))
            .values(
                last_active_plan_date=func.greatest(Customer.last_active_plan_date, at),
                days_inactive=0,
                inactivity_warning_level=0,
                account_status=case(
                    (returns_from_inactivity, AccountStatus.active.value),
                    else_=Customer.account_status,
                ),
                status_reason=case((returns_from_inactivity, None), else_=Customer.status_reason),
            )
        )

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
