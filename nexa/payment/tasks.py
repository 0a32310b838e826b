"""Payment jobs: checking open payments with the provider, failing overdue ones, sending
refunds."""

from __future__ import annotations

import procrastinate

from nexa.core.db import unit_of_work
from nexa.core.jobs import run_in_batches
from nexa.payment import reconciliation, refunds

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="reconcile_payments", queueing_lock="reconcile_payments")
async def reconcile_payments(timestamp: int) -> int:
    """Every minute: ask the provider about open payments due a check; fail overdue ones."""
    checked = await reconciliation.check_open_payments()
    return checked + await run_in_batches("fail_overdue_payments", reconciliation.fail_overdue)


@blueprint.task(name="send_refund", retry=procrastinate.RetryStrategy(max_attempts=10, wait=60))
async def send_refund(refund_id: int) -> str | None:
    """Send a refund to the provider (retried while the provider cannot be reached)."""
    async with unit_of_work() as db:
        status = await refunds.send_refund(db, refund_id)
    return status.value if status else None
