from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
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
