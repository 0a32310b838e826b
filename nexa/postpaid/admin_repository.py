"""The SQL of the postpaid admin views (lists across every customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, func, or_, select

from nexa.core.repository import Repository
from nexa.models import (
    AddonStatus,
    BillStatus,
    PostpaidActivation,
    PostpaidBill,
    PostpaidDataAddon,
    PostpaidSecondaryNumber,
    PostpaidStatus,
)
from nexa.postpaid.repository import RUNNING


class PostpaidAdminRepository(Repository[PostpaidActivation]):
    model = PostpaidActivation

    async def activations(
        self,
        *,
        activation_id: int | None,
        plan_id: int | None,
        status: PostpaidStatus | None,
        phone_fragment: str | None,
        customers_with_phone: Select[int] | None,
        date_from: datetime | None,
        date_to: datetime | None,
        skip: int,
        limit: int,
    ) -> tuple[list[PostpaidActivation], int]:
        """Newest first; `phone_fragment` matches the primary number or, through
        `customers_with_phone`, the owner's number."""
        conditions: list[ColumnElement[bool]] = []
        if activation_id is not None:
            conditions.append(PostpaidActivation.activation_id == activation_id)
        if plan_id is not None:
            conditions.append(PostpaidActivation.plan_id == plan_id)
        if status is not None:
            conditions.append(PostpaidActivation.status == status)
        if phone_fragment and customers_with_phone is not None:
            conditions.append(
                or_(
                    PostpaidActivation.primary_number.contains(phone_fragment),
                    PostpaidActivation.customer_id.in_(customers_with_phone),
                )
            )
        if date_from is not None:
            conditions.append(PostpaidActivation.created_at >= date_from)
        if date_to is not None:
            conditions.append(PostpaidActivation.created_at < date_to)
        query = (
            select(PostpaidActivation)
            .where(*conditions)
            .order_by(PostpaidActivation.activation_id.desc())
        )
        return await self.page(query, skip=skip, limit=limit)

    async def due_payments(
        self, skip: int, limit: int
    ) -> tuple[list[Row[PostpaidActivation, datetime]], int]:
        """Running activations with unpaid bills and their oldest due date, soonest first."""
        oldest_due = (
            select(PostpaidBill.activation_id, func.min(PostpaidBill.due_date).label("due_date"))
            .where(PostpaidBill.status == BillStatus.unpaid)
            .group_by(PostpaidBill.activation_id)
            .subquery()
        )
        query = (
            select(PostpaidActivation, oldest_due.c.due_date)
            .join(oldest_due, oldest_due.c.activation_id == PostpaidActivation.activation_id)
            .where(PostpaidActivation.status.in_(RUNNING))
            .order_by(oldest_due.c.due_date, PostpaidActivation.activation_id)
        )
        return await self.page_of_rows(query, skip=skip, limit=limit)

    async def history(self, customer_id: int) -> list[tuple[PostpaidActivation, int, int]]:
        """The customer's activations, newest first, with their secondary numbers and active
        add-ons counted."""
        secondary_count = (
            select(func.count())
            .where(
                PostpaidSecondaryNumber.activation_id == PostpaidActivation.activation_id,
                PostpaidSecondaryNumber.removed_at.is_(None),
            )
            .scalar_subquery()
        )
        addon_count = (
            select(func.count())
            .where(
                PostpaidDataAddon.activation_id == PostpaidActivation.activation_id,
                PostpaidDataAddon.status == AddonStatus.active,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(PostpaidActivation, secondary_count, addon_count)
            .where(PostpaidActivation.customer_id == customer_id)
            .order_by(PostpaidActivation.created_at.desc())
        )
        return [(row[0], int(row[1]), int(row[2])) for row in rows]
