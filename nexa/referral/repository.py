from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnExpressionArgument, ScalarSelect, case, func, select, update

from nexa.core import sql
from nexa.core.repository import Repository
from nexa.models import (
    ReferralApplicationStatus,
    ReferralDiscount,
    ReferralProgram,
    ReferralStatus,
    ReferralUsageLog,
)


@dataclass(frozen=True)
class ReferralOverview:
    programs: int
    active_programs: int
    uses: int
    by_status: dict[str, int]
    top_referrers: list[tuple[int, int]]  # (referrer's customer id, referrals), best first


class ReferralRepository(Repository[ReferralProgram]):
    model = ReferralProgram

    async def code_exists(self, code: str) -> bool:
        found = await self.session.execute(
            select(ReferralProgram.referral_id).where(ReferralProgram.referral_code == code)
        )
        return found.first() is not None

    async def lock_by_code(self, code: str) -> ReferralProgram | None:
        return (
            await self.session.execute(
                select(ReferralProgram)
                .where(ReferralProgram.referral_code == code)
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def program(
        self, referral_id: int, *, for_update: bool = False
    ) -> ReferralProgram | None:
        query = select(ReferralProgram).where(ReferralProgram.referral_id == referral_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def active_of(self, referrer_id: int) -> ReferralProgram | None:
        return (
            await self.session.execute(
                select(ReferralProgram)
                .where(
                    ReferralProgram.referrer_customer_id == referrer_id,
                    ReferralProgram.is_active.is_(True),
                )
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def latest_of(self, referrer_id: int) -> ReferralProgram | None:
        return (
            await self.session.execute(
                select(ReferralProgram)
                .where(ReferralProgram.referrer_customer_id == referrer_id)
                .order_by(ReferralProgram.created_at.desc(), ReferralProgram.referral_id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def lock_pending_application_of(self, referee_id: int) -> ReferralUsageLog | None:
        # asked by every purchase and almost always "none": a bare query first
        log_id = await sql.fetch_value(
            self.session,
            "SELECT log_id FROM referral_usage_log"
            " WHERE used_by_customer_id = %(referee)s AND status = 'pending'"
            " ORDER BY log_id LIMIT 1 FOR UPDATE",
            {"referee": referee_id},
        )
        if log_id is None:
            return None
        return await self.session.get(ReferralUsageLog, log_id)  # locked just above

    async def pending_applications(self, referral_id: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).where(
                        ReferralUsageLog.referral_id == referral_id,
                        ReferralUsageLog.status == ReferralApplicationStatus.pending,
                    )
                )
            ).scalar_one()
        )

    async def lock_best_voucher(
        self, holder_id: int, at: datetime, *, with_voucher: bool = True
    ) -> tuple[tuple[int, Decimal] | None, bool]:
        """The usable voucher lapsing first, locked (None when `with_voucher` is off, or there
        is none; one held by a concurrent purchase is skipped, docs/decisions.md#one-discount),
        and whether the holder has a referral pending. On the purchase path: one bare query."""
        row = await sql.fetch_one(
            self.session,
            """
            SELECT d.discount_id, d.discount_percentage,
                   EXISTS (SELECT 1 FROM referral_usage_log
                           WHERE used_by_customer_id = %(holder)s AND status = 'pending')
                       AS referral_pending
            FROM (SELECT) AS one
            LEFT JOIN LATERAL (
                SELECT discount_id, discount_percentage FROM referral_discount
                WHERE %(with_voucher)s AND customer_id = %(holder)s AND NOT is_used
                  AND valid_until >= %(at)s
                ORDER BY valid_until, discount_id LIMIT 1 FOR UPDATE SKIP LOCKED
            ) AS d ON true
            """,
            {"holder": holder_id, "at": at, "with_voucher": with_voucher},
        )
        assert row is not None
        voucher = (row.discount_id, row.discount_percentage) if row.discount_id else None
        return voucher, row.referral_pending

    async def hold_voucher(self, discount_id: int, at: datetime) -> int:
        return await sql.execute(
            self.session,
            "UPDATE referral_discount SET is_used = true, used_at = %(at)s"
            " WHERE discount_id = %(id)s AND NOT is_used",
            {"id": discount_id, "at": at},
        )

    async def spend_held_voucher(self, discount_id: int, transaction_id: int) -> None:
        await sql.execute(
            self.session,
            "UPDATE referral_discount SET used_transaction_id = %(transaction_id)s"
            " WHERE discount_id = %(id)s",
            {"id": discount_id, "transaction_id": transaction_id},
        )

    async def release_voucher(self, discount_id: int) -> None:
        await self.session.execute(
            update(ReferralDiscount)
            .where(ReferralDiscount.discount_id == discount_id)
            .values(is_used=False, used_at=None, used_transaction_id=None)
        )

    async def usable_vouchers(self, holder_id: int, at: datetime) -> list[ReferralDiscount]:
        rows = await self.session.execute(
            select(ReferralDiscount)
            .where(
                ReferralDiscount.customer_id == holder_id,
                ReferralDiscount.is_used.is_(False),
                ReferralDiscount.valid_until >= at,
            )
            .order_by(ReferralDiscount.valid_until, ReferralDiscount.discount_id)
        )
        return list(rows.scalars())

    async def usage_logs(self, referral_id: int) -> list[ReferralUsageLog]:
        rows = await self.session.execute(
            select(ReferralUsageLog)
            .where(ReferralUsageLog.referral_id == referral_id)
            .order_by(ReferralUsageLog.used_at, ReferralUsageLog.log_id)
        )
        return list(rows.scalars())

    async def completed_applications(self, referral_id: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).where(
                        ReferralUsageLog.referral_id == referral_id,
                        ReferralUsageLog.status == ReferralApplicationStatus.completed,
                    )
                )
            ).scalar_one()
        )

    async def list_programs(
        self, *, status: ReferralStatus | None, is_active: bool | None, skip: int, limit: int
    ) -> tuple[list[ReferralProgram], int]:
        conditions = []
        if status is not None:
            conditions.append(ReferralProgram.status == status)
        if is_active is not None:
            conditions.append(ReferralProgram.is_active.is_(is_active))
        total = (
            await self.session.execute(
                select(func.count()).select_from(ReferralProgram).where(*conditions)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(ReferralProgram)
            .where(*conditions)
            .order_by(ReferralProgram.created_at.desc(), ReferralProgram.referral_id.desc())
            .offset(skip)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def overview(self) -> ReferralOverview:
        totals = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(ReferralProgram.is_active.is_(True)),
                    func.coalesce(func.sum(ReferralProgram.current_uses), 0),
                )
            )
        ).one()
        by_status = await self.session.execute(
            select(ReferralProgram.status, func.count()).group_by(ReferralProgram.status)
        )
        uses = func.count(ReferralUsageLog.log_id)
        top = await self.session.execute(
            select(ReferralProgram.referrer_customer_id, uses)
            .join(ReferralUsageLog, ReferralUsageLog.referral_id == ReferralProgram.referral_id)
            .group_by(ReferralProgram.referrer_customer_id)
            .order_by(uses.desc(), ReferralProgram.referrer_customer_id)
            .limit(10)
        )
        return ReferralOverview(
            programs=int(totals[0]),
            active_programs=int(totals[1]),
            uses=int(totals[2]),
            by_status={str(status): int(count) for status, count in by_status},
            top_referrers=[(int(referrer), int(count)) for referrer, count in top],
        )

    async def expire_programs(self, now: datetime) -> int:
        """Programs past their end take no more applications; never-used ones are `expired`."""
        result = await self.session.execute(
            update(ReferralProgram)
            .where(ReferralProgram.is_active.is_(True), ReferralProgram.expires_at < now)
            .values(
                is_active=False,
                status=case(
                    (ReferralProgram.current_uses == 0, ReferralStatus.expired.value),
                    else_=ReferralProgram.status,
                ),
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- correlated subqueries other domains compose into their SQL (through the service) ---


def active_code_of(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[str]:
    """The customer's referral code that is active now, if any."""
    return (
        select(ReferralProgram.referral_code)
        .where(
            ReferralProgram.referrer_customer_id == customer_id,
            ReferralProgram.is_active.is_(True),
        )
        .limit(1)
        .scalar_subquery()
    )
