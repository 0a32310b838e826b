from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Integer,
    Row,
    ScalarSelect,
    Select,
    case,
    cast,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from nexa.core import sql
from nexa.models import AccountStatus, Customer


class WarningLevel(TypedDict):
    """An inactivity warning sent: the customer's new level (3 makes them inactive)."""

    customer_id: int
    level: int
    now: datetime


@dataclass(frozen=True)
class CustomerFigures:
    """Per-customer figures other domains own, as subqueries over the customer row."""

    total_transactions: ScalarSelect[int]
    total_spent: ScalarSelect[Decimal]
    active_subscriptions: ScalarSelect[int]
    queued_subscriptions: ScalarSelect[int]
    referral_code: ScalarSelect[str]


def ids_with_phone_containing(fragment: str) -> Select[int]:
    """The ids of the customers whose number contains `fragment` (deleted ones too)."""
    return select(Customer.customer_id).where(Customer.phone_number.contains(fragment))


def audience(
    *,
    customer_ids: Collection[int] | None = None,
    active_after: int | None = None,
    limit: int | None = None,
) -> Select[int]:
    """Ids of existing customers in id order: those listed, or (`active_after`) the active
    ones after an id, a keyset batch of `limit`."""
    query = select(Customer.customer_id).where(Customer.deleted_at.is_(None))
    if customer_ids is not None:
        query = query.where(Customer.customer_id.in_(set(customer_ids)))
    if active_after is not None:
        query = query.where(
            Customer.account_status == AccountStatus.active, Customer.customer_id > active_after
        )
    return query.order_by(Customer.customer_id).limit(limit)


def phone_of(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[str]:
    """The customer's phone number."""
    return (
        select(Customer.phone_number).where(Customer.customer_id == customer_id).scalar_subquery()
    )


def step_reading_buyer(customer_id: str) -> str:
    """A step of another domain's statement (`WITH … AS (<this>)`) giving the customer's
    `full_name`, `phone_number` and GST `state_code` (a tax invoice notes them as they are
    when it is issued): `customer_id` is an SQL expression, e.g. a parameter."""
    return (
        "SELECT full_name, phone_number, state_code FROM customer"  # noqa: S608 (a parameter)
        f" WHERE customer_id = {customer_id}"
    )


def plan_activation_statement(phone: str, at: str) -> str:
    """The owner of the number in parameter `phone` is covered again from parameter `at`
    (docs/decisions.md#inactivity, #account-statuses); returns the owner's id, no row when
    nobody registered the number."""
    return f"""
        UPDATE customer
        SET last_active_plan_date = greatest(last_active_plan_date, %({at})s),
            days_inactive = 0,
            inactivity_warning_level = 0,
            account_status = CASE WHEN account_status = 'inactive'
                                   AND status_reason = 'inactivity'
                                  THEN 'active' ELSE account_status END,
            status_reason = CASE WHEN account_status = 'inactive'
                                  AND status_reason = 'inactivity'
                                 THEN NULL ELSE status_reason END,
            updated_at = now()
        WHERE phone_number = %({phone})s AND deleted_at IS NULL
        RETURNING customer_id
    """  # noqa: S608 (parameter names, not values)


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: int) -> Customer | None:
        """A customer that exists for the application (soft-deleted ones do not:
        docs/decisions.md#soft-deleted-customers)."""
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

    async def by_phone(self, phone_numbers: Collection[str]) -> list[Customer]:
        """The (not deleted) customers registered with these numbers."""
        if not phone_numbers:
            return []
        rows = await self.session.execute(
            select(Customer).where(
                Customer.phone_number.in_(set(phone_numbers)), Customer.deleted_at.is_(None)
            )
        )
        return list(rows.scalars())

    async def existing_ids(self, customer_ids: Collection[int]) -> set[int]:
        rows = await self.session.execute(audience(customer_ids=customer_ids))
        return set(rows.scalars())

    async def active_count(self) -> int:
        query = select(func.count()).where(
            Customer.account_status == AccountStatus.active, Customer.deleted_at.is_(None)
        )
        return int((await self.session.execute(query)).scalar_one())

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
        """The owner of the number is covered again: back from inactivity
        (docs/decisions.md#inactivity, #account-statuses). Returns the owner's id (None when
        nobody registered the number)."""
        owner_id: int | None = await sql.fetch_value(
            self.session,
            plan_activation_statement("phone", "at"),
            {"phone": phone_number, "at": at},
        )
        await self.reload_if_held(owner_id)
        return owner_id

    async def reload_if_held(self, customer_id: int | None) -> None:
        """After a statement that changed this customer's row: an object of it this
        session holds is brought up to date."""
        if customer_id is None:
            return
        loaded = self.session.identity_map.get(identity_key(Customer, customer_id))
        if loaded is not None:
            await self.session.refresh(loaded)

    async def refresh_inactivity(
        self,
        now: datetime,
        midnight: datetime,
        batch_size: int,
        *,
        covered: ColumnElement[bool],
        since: ColumnElement[datetime],
    ) -> list[Row[int, bool, int, int, AccountStatus, datetime]]:
        """Recompute days_inactive for a batch of customers not refreshed since `midnight`.
        `covered` and `since` are expressions over the `customer` row (a plan runs on the
        number; when the last plan or payment was). Covered customers are at 0 and re-armed;
        returns each customer of the batch with its new figures."""
        batch = (
            select(Customer.customer_id)
            .where(
                Customer.deleted_at.is_(None),
                or_(
                    Customer.inactivity_status_updated_at.is_(None),
                    Customer.inactivity_status_updated_at < midnight,
                ),
            )
            .order_by(Customer.customer_id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
            .cte("batch")
        )
        facts = (
            select(
                Customer.customer_id,
                covered.label("covered"),
                func.greatest(Customer.created_at, since).label("since"),
            )
            .where(Customer.customer_id.in_(select(batch.c.customer_id)))
            .cte("facts")
        )
        idle_days = func.greatest(0, func.floor(func.extract("epoch", now - facts.c.since) / 86400))
        result = await self.session.execute(
            update(Customer)
            .where(Customer.customer_id == facts.c.customer_id)
            .values(
                days_inactive=case((facts.c.covered, 0), else_=cast(idle_days, Integer)),
                inactivity_warning_level=case(
                    (facts.c.covered, 0), else_=Customer.inactivity_warning_level
                ),
                inactivity_status_updated_at=now,
            )
            .returning(
                Customer.customer_id,
                facts.c.covered,
                Customer.days_inactive,
                Customer.inactivity_warning_level,
                Customer.account_status,
                facts.c.since,
            )
        )
        return list(result)

    async def set_inactivity_levels(self, changes: list[WarningLevel]) -> None:
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
        figures: CustomerFigures,
        skip: int,
        limit: int,
    ) -> tuple[list[Row[Customer, int, Decimal, int, int, str | None]], int]:
        """Customers (not deleted) with their purchase figures, newest first, one query."""
        conditions: list[ColumnElement[bool]] = [Customer.deleted_at.is_(None)]
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
        total = (
            await self.session.execute(
                select(func.count()).select_from(Customer).where(*conditions)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(
                Customer,
                figures.total_transactions.label("total_transactions"),
                figures.total_spent.label("total_spent"),
                figures.active_subscriptions.label("active_subscriptions"),
                figures.queued_subscriptions.label("queued_subscriptions"),
                figures.referral_code.label("referral_code"),
            )
            .where(*conditions)
            .order_by(Customer.created_at.desc(), Customer.customer_id.desc())
            .offset(skip)
            .limit(limit)
        )
        return list(rows), int(total)

    async def status_counts(
        self, today: datetime, week: datetime
    ) -> Row[int, int, int, int, int, int]:
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
