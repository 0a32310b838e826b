"""Waking the delivery job once rows to send have committed.

`notify` marks the request's session; when that session commits, this process queues the
delivery job (one queued at a time, by its queueing lock) in one autocommitted statement.
Deferring inside the business transaction instead would cost a savepoint per purchase and
make concurrent purchases wait on one another at the job's unique queueing lock until each
commits. Requests arriving while a wake-up is under way, or within `COALESCE_SECONDS` after
it, share the next one. If the process dies between the commit and the wake-up, the
every-minute sweep (`deliver_notifications_sweep`) sends the rows.
"""

from __future__ import annotations

import asyncio
import weakref

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from nexa.core.queue import defer_alone

log = structlog.get_logger("nexa.notification.wakeup")

DELIVERY_TASK = "notification:deliver_notifications"
DELIVERY_LOCK = "deliver_notifications"
# a waiting delivery job is taken before other waiting jobs (fan-outs, backups, periodic
# work): one-time codes must not queue behind them (docs/decisions.md#otp-delivery)
DELIVERY_PRIORITY = 10
_TO_SEND = "nexa.notifications_to_send"


def deliver_after_commit(db: AsyncSession) -> None:
    """Wake the delivery job if, and once, this session's transaction commits."""
    db.sync_session.info[_TO_SEND] = True


# after a wake-up, commits within this long share the next one: under load a process wakes
# the job at most about twenty times a second, not once per purchase (the job sends every
# row waiting when it runs), at the cost of at most this much delay for a message
COALESCE_SECONDS = 0.05


class _WakeUps:
    """At most one wake-up running per event loop; requests during it, or in the moment
    after it, ask for one more."""

    def __init__(self) -> None:
        self.running: asyncio.Task[None] | None = None
        self.again = False

    def request(self) -> None:
        if self.running is not None and not self.running.done():
            self.again = True
            return
        self.running = asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        while True:
            self.again = False
            try:
                await defer_alone(
                    DELIVERY_TASK, queueing_lock=DELIVERY_LOCK, priority=DELIVERY_PRIORITY
                )
            except Exception as exc:  # the sweep will send them; say so, do not fail anyone
                log.warning("delivery_wakeup_failed", error=type(exc).__name__)
            await asyncio.sleep(COALESCE_SECONDS)
            if not self.again:
                return


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _WakeUps] = (
    weakref.WeakKeyDictionary()
)


def _wake_delivery() -> None:
    loop = asyncio.get_running_loop()
    wakeups = _per_loop.get(loop)
    if wakeups is None:
        wakeups = _per_loop[loop] = _WakeUps()
    wakeups.request()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_TO_SEND, False):
        _wake_delivery()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (after_commit came first)
        session.info.pop(_TO_SEND, None)
