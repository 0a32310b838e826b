"""A movable clock for test installations (never mounted in production).

Moving it forward runs every time-based job that became due, in the same transaction, so
the effects (expiries, queue activations, resets, reminders…) are visible in the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.backup import service as backup_service
from nexa.core import clock
from nexa.core.errors import BadRequest
from nexa.core.jobs import BatchWork
from nexa.customer import service as customer_service
from nexa.payment import service as payment_service
from nexa.postpaid import service as postpaid_service
from nexa.recharge import service as recharge_service
from nexa.referral import service as referral_service
from nexa.testclock.schemas import ClockMove, ClockMoved, ClockState

if TYPE_CHECKING:
    from nexa.models import Admin

# name -> one batch of a time-based job (returns how many rows it changed; 0 = nothing left)
DUE_WORK: dict[str, BatchWork] = {
    "subscription_lifecycle": recharge_service.settle_due_lines,
    # cycles stop rolling at a bill overdue by their end; the suspension then applies
    "postpaid_cycles": postpaid_service.close_due_cycles,
    "postpaid_suspensions": postpaid_service.suspend_overdue,
    "postpaid_due_reminders": postpaid_service.send_due_reminders,
    "daily_usage_reset": recharge_service.reset_daily_usage,
    "expiry_reminders": recharge_service.send_expiry_reminders,
    "referral_expiry": referral_service.expire_programs,
    # payments still open past their time fail (no provider is asked from here)
    "payment_expiry": payment_service.fail_overdue_payments,
    "inactivity_monitoring": customer_service.refresh_inactivity,
    # queues the scheduled backup that fell due (its archive is written by a job)
    "scheduled_backups": backup_service.claim_due_backup,
}


MAX_BATCHES = 10_000  # a safety stop; real runs need a handful


class ClockCannotGoBack(BadRequest, code="clock_cannot_go_back"): ...


def state() -> ClockState:
    real_now = datetime.now(UTC)
    return ClockState(
        now=real_now + clock.offset(),
        real_now=real_now,
        offset_seconds=int(clock.offset().total_seconds()),
    )


async def move(db: AsyncSession, change: ClockMove, admin: Admin) -> ClockMoved:
    offset = await clock.lock_shared_offset(db)
    real_now = datetime.now(UTC)
    before = {"offset_seconds": int(offset.total_seconds()), "now": real_now + offset}
    if change.advance_seconds is not None:
        offset += timedelta(seconds=change.advance_seconds)
    else:
        assert change.set_to is not None
        target_offset = change.set_to - real_now
        if target_offset < offset:
            raise ClockCannotGoBack("The clock only moves forward")
        offset = target_offset
    await clock.store_shared_offset(db, offset)
    moved = ClockMoved(**state().model_dump(), jobs_run=await run_due_work(db, clock.now()))
    await record_admin_action(
        db,
        admin,
        "test_clock.move",
        "test_clock",
        1,
        before,
        {"offset_seconds": moved.offset_seconds, "now": moved.now, "jobs_run": moved.jobs_run},
    )
    return moved


async def run_due_work(db: AsyncSession, now: datetime) -> dict[str, int]:
    """Run every job's batches until each reports nothing left."""
    totals: dict[str, int] = {}
    for name, work in DUE_WORK.items():
        totals[name] = 0
        for _ in range(MAX_BATCHES):
            changed = await work(db, now)
            totals[name] += changed
            if changed <= 0:
                break
    return totals
