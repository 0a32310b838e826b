from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    ColumnExpressionArgument,
    Exists,
    Row,
    Select,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)

from nexa.core.repository import Repository
from nexa.models import (
    AddonStatus,
    BillStatus,
    NotificationChannel,
    NotificationType,
    PostpaidActivation,
    PostpaidBill,
    PostpaidDataAddon,
    PostpaidSecondaryNumber,
    PostpaidStatus,
)

RUNNING = (PostpaidStatus.active, PostpaidStatus.suspended)


class PostpaidRepository(Repository[PostpaidActivation]):
    model = PostpaidActivation

    # --- activations -------------------------------------------------------------------------

    async def activation(
        self, activation_id: int, *, for_update: bool = False
    ) -> PostpaidActivation | None:
        query = select(PostpaidActivation).where(PostpaidActivation.activation_id == activation_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def running_on_number(self, phone_number: str) -> PostpaidActivation | None:
        return (
            await self.session.execute(
                select(PostpaidActivation).where(
                    PostpaidActivation.primary_number == phone_number,
                    PostpaidActivation.status.in_(RUNNING),
                )
            )
        ).scalar_one_or_none()

    async def secondary_in_use(self, phone_number: str) -> PostpaidSecondaryNumber | None:
        return (
            await self.session.execute(
                select(PostpaidSecondaryNumber).where(
                    PostpaidSecondaryNumber.phone_number == phone_number,
                    PostpaidSecondaryNumber.removed_at.is_(None),
                )
            )
        ).scalar_one_or_none()

    async def owned_running(self, customer_id: int) -> list[PostpaidActivation]:
        rows = await self.session.execute(
            select(PostpaidActivation)
            .where(
                PostpaidActivation.customer_id == customer_id,
                PostpaidActivation.status.in_(RUNNING),
            )
            .order_by(PostpaidActivation.activation_id)
        )
        return list(rows.scalars())

    async def visible_running(
        self, customer_id: int, phone_number: str
    ) -> list[PostpaidActivation]:
        """Running activations the customer owns or is a secondary number of."""
        secondary_of = select(PostpaidSecondaryNumber.activation_id).where(
            PostpaidSecondaryNumber.phone_number == phone_number,
            PostpaidSecondaryNumber.removed_at.is_(None),
        )
        rows = await self.session.execute(
            select(PostpaidActivation)
            .where(
                PostpaidActivation.status.in_(RUNNING),
                or_(
                    PostpaidActivation.customer_id == customer_id,
                    PostpaidActivation.activation_id.in_(secondary_of),
                ),
            )
            .order_by(PostpaidActivation.activation_id)
        )
        return list(rows.scalars())

    async def is_secondary_of(self, activation_id: int, phone_number: str) -> bool:
        found = await self.session.execute(
            select(PostpaidSecondaryNumber.secondary_id).where(
                PostpaidSecondaryNumber.activation_id == activation_id,
                PostpaidSecondaryNumber.phone_number == phone_number,
                PostpaidSecondaryNumber.removed_at.is_(None),
            )
        )
        return found.first() is not None

    # --- secondary numbers ---------------------------------------------------------------------

    async def secondaries(
        self, activation_ids: Sequence[int]
    ) -> dict[int, list[PostpaidSecondaryNumber]]:
        """Current secondary numbers per activation, in the order they were added."""
        grouped: dict[int, list[PostpaidSecondaryNumber]] = defaultdict(list)
        if not activation_ids:
            return grouped
        rows = await self.session.execute(
            select(PostpaidSecondaryNumber)
            .where(
                PostpaidSecondaryNumber.activation_id.in_(activation_ids),
                PostpaidSecondaryNumber.removed_at.is_(None),
            )
            .order_by(PostpaidSecondaryNumber.added_date, PostpaidSecondaryNumber.secondary_id)
        )
        for row in rows.scalars():
            grouped[row.activation_id].append(row)
        return grouped

    async def count_secondaries(self, activation_id: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).where(
                        PostpaidSecondaryNumber.activation_id == activation_id,
                        PostpaidSecondaryNumber.removed_at.is_(None),
                    )
                )
            ).scalar_one()
        )

    async def get_secondary(
        self, activation_id: int, secondary_id: int
    ) -> PostpaidSecondaryNumber | None:
        return (
            await self.session.execute(
                select(PostpaidSecondaryNumber).where(
                    PostpaidSecondaryNumber.secondary_id == secondary_id,
                    PostpaidSecondaryNumber.activation_id == activation_id,
                    PostpaidSecondaryNumber.removed_at.is_(None),
                )
            )
        ).scalar_one_or_none()

    # --- add-ons and bills --------------------------------------------------------------------

    async def addons(
        self, activation_ids: Sequence[int], *, status: AddonStatus | None = None
    ) -> dict[int, list[PostpaidDataAddon]]:
        grouped: dict[int, list[PostpaidDataAddon]] = defaultdict(list)
        if not activation_ids:
            return grouped
        query = (
            select(PostpaidDataAddon)
            .where(PostpaidDataAddon.activation_id.in_(activation_ids))
            .order_by(PostpaidDataAddon.purchased_date, PostpaidDataAddon.addon_id)
        )
        if status is not None:
            query = query.where(PostpaidDataAddon.status == status)
        for addon in (await self.session.execute(query)).scalars():
            grouped[addon.activation_id].append(addon)
        return grouped

    async def unbilled_addons(self, activation_id: int) -> list[PostpaidDataAddon]:
        rows = await self.session.execute(
            select(PostpaidDataAddon)
            .where(
                PostpaidDataAddon.activation_id == activation_id,
                PostpaidDataAddon.bill_id.is_(None),
            )
            .order_by(PostpaidDataAddon.purchased_date, PostpaidDataAddon.addon_id)
        )
        return list(rows.scalars())

    async def expire_open_addons(self, activation_id: int) -> None:
        await self.session.execute(
            update(PostpaidDataAddon)
            .where(
                PostpaidDataAddon.activation_id == activation_id,
                PostpaidDataAddon.status == AddonStatus.active,
            )
            .values(status=AddonStatus.expired)
        )

    async def bills(
        self, activation_id: int, *, unpaid_only: bool = False, for_update: bool = False
    ) -> list[PostpaidBill]:
        query = (
            select(PostpaidBill)
            .where(PostpaidBill.activation_id == activation_id)
            .order_by(PostpaidBill.cycle_start)
        )
        if unpaid_only:
            query = query.where(PostpaidBill.status == BillStatus.unpaid)
        if for_update:
            query = query.with_for_update()
        return list((await self.session.execute(query)).scalars())

    async def addons_of_bills(self, bill_ids: Sequence[int]) -> dict[int, list[PostpaidDataAddon]]:
        """The add-ons charged on each of these bills, in purchase order (one query)."""
        grouped: dict[int, list[PostpaidDataAddon]] = defaultdict(list)
        rows = await self.session.execute(
            select(PostpaidDataAddon)
            .where(PostpaidDataAddon.bill_id.in_(bill_ids))
            .order_by(PostpaidDataAddon.purchased_date, PostpaidDataAddon.addon_id)
        )
        for addon in rows.scalars():
            grouped[addon.bill_id or 0].append(addon)
        return grouped

    # --- usage --------------------------------------------------------------------------------

    async def lock_pools(self, phone_numbers: Sequence[str]) -> dict[str, PostpaidActivation]:
        """Running activations serving these numbers (as primary or secondary), locked."""
        secondary = select(
            PostpaidSecondaryNumber.phone_number, PostpaidSecondaryNumber.activation_id
        ).where(
            PostpaidSecondaryNumber.phone_number.in_(phone_numbers),
            PostpaidSecondaryNumber.removed_at.is_(None),
        )
        by_phone: dict[str, int] = {
            row.phone_number: row.activation_id for row in await self.session.execute(secondary)
        }
        activations = (
            await self.session.execute(
                select(PostpaidActivation)
                .where(
                    PostpaidActivation.status.in_(RUNNING),
                    or_(
                        PostpaidActivation.primary_number.in_(phone_numbers),
                        PostpaidActivation.activation_id.in_(set(by_phone.values())),
                    ),
                )
                .order_by(PostpaidActivation.activation_id)
                .with_for_update()
            )
        ).scalars()
        found = {activation.activation_id: activation for activation in activations}
        pools = {a.primary_number: a for a in found.values() if a.primary_number in phone_numbers}
        for phone, activation_id in by_phone.items():
            if activation_id in found:
                pools[phone] = found[activation_id]
        return pools

    # --- jobs ---------------------------------------------------------------------------------

    async def close_due_cycles(
        self, now: datetime, cycle: timedelta, grace: timedelta, batch_size: int
    ) -> int:
        """Bill every active activation whose cycle ended and start its next cycle; returns
        how many were billed.

        One cycle per activation per call (call again until nothing is returned). An
        activation with an unpaid bill already past due at its cycle end is left for
        suspension instead of rolling on.
        """
        result = await self.session.execute(
            text(
                """
                WITH due AS (
                    SELECT a.activation_id, a.billing_cycle_start, a.billing_cycle_end,
                           a.base_amount
                    FROM postpaid_activation a
                    WHERE a.status = 'active' AND a.billing_cycle_end <= :now
                      AND NOT EXISTS (
                          SELECT 1 FROM postpaid_bill b
                          WHERE b.activation_id = a.activation_id AND b.status = 'unpaid'
                            AND b.due_date <= a.billing_cycle_end)
                    ORDER BY a.activation_id
                    LIMIT :batch
                    FOR UPDATE SKIP LOCKED
                ), charges AS (
                    SELECT d.activation_id, coalesce(sum(x.addon_price), 0) AS addon_charges
                    FROM due d
                    LEFT JOIN postpaid_data_addon x
                           ON x.activation_id = d.activation_id AND x.bill_id IS NULL
                    GROUP BY d.activation_id
                ), bills AS (
                    INSERT INTO postpaid_bill (activation_id, cycle_start, cycle_end, base_amount,
                                               addon_charges, total_amount, due_date, status)
                    SELECT d.activation_id, d.billing_cycle_start, d.billing_cycle_end,
                           d.base_amount, c.addon_charges, d.base_amount + c.addon_charges,
                           d.billing_cycle_end + :grace, 'unpaid'
                    FROM due d JOIN charges c ON c.activation_id = d.activation_id
                    ON CONFLICT (activation_id, cycle_start) DO NOTHING
                    RETURNING bill_id, activation_id, total_amount, due_date
                ), billed_addons AS (
                    UPDATE postpaid_data_addon x
                    SET bill_id = bills.bill_id,
                        status = CASE WHEN x.status = 'fully_used' THEN 'fully_used'
                                      ELSE 'expired' END
                    FROM bills
                    WHERE x.activation_id = bills.activation_id AND x.bill_id IS NULL
                ), rolled AS (
                    UPDATE postpaid_activation a
                    SET billing_cycle_start = a.billing_cycle_end,
                        billing_cycle_end = a.billing_cycle_end + :cycle,
                        base_balance_mb = a.base_data_allowance_mb,
                        data_used_mb = 0,
                        total_amount_due = a.total_amount_due + bills.total_amount,
                        updated_at = now()
                    FROM bills WHERE a.activation_id = bills.activation_id
                )
                SELECT bills.bill_id, bills.activation_id, bills.total_amount, bills.due_date
                FROM bills
                """
            ),
            {"now": now, "cycle": cycle, "grace": grace, "batch": batch_size},
        )
        return len(result.all())

    async def suspend_overdue(self, now: datetime) -> list[Row[int, int, str, Decimal]]:
        """Active activations with a bill unpaid past its due date become suspended."""
        overdue = exists().where(
            PostpaidBill.activation_id == PostpaidActivation.activation_id,
            PostpaidBill.status == BillStatus.unpaid,
            PostpaidBill.due_date <= now,
        )
        result = await self.session.execute(
            update(PostpaidActivation)
            .where(PostpaidActivation.status == PostpaidStatus.active, overdue)
            .values(status=PostpaidStatus.suspended, suspended_at=now)
            .returning(
                PostpaidActivation.activation_id,
                PostpaidActivation.customer_id,
                PostpaidActivation.primary_number,
                PostpaidActivation.total_amount_due,
            )
        )
        return list(result)

    def due_reminders(
        self, now: datetime, ahead: timedelta, timezone: str
    ) -> Select[int, str, str, str, str, str]:
        """SELECT of `postpaid_due_date` push reminders for bills due within `ahead`."""
        local_due = func.timezone(timezone, PostpaidBill.due_date)
        return (
            select(
                PostpaidActivation.customer_id,
                literal(NotificationType.postpaid_due_date.value),
                literal("Bill due soon"),
                func.concat(
                    "Your postpaid bill of ₹",
                    PostpaidBill.total_amount,
                    " for ",
                    PostpaidActivation.primary_number,
                    " is due on ",
                    func.to_char(local_due, "DD Mon YYYY"),
                    ".",
                ),
                literal(NotificationChannel.push.value),
                func.concat("postpaid_due_date:", PostpaidBill.bill_id),
            )
            .join(
                PostpaidActivation, PostpaidActivation.activation_id == PostpaidBill.activation_id
            )
            .where(
                PostpaidBill.status == BillStatus.unpaid,
                PostpaidBill.due_date > now,
                PostpaidBill.due_date <= now + ahead,
            )
        )


# --- correlated subqueries other domains compose into their SQL (through the service) ---


def has_running_line(phone_number: ColumnExpressionArgument[str]) -> Exists:
    """Whether a postpaid plan runs (active or suspended) on the number as its primary."""
    return exists().where(
        PostpaidActivation.primary_number == phone_number,
        PostpaidActivation.status.in_(RUNNING),
    )
