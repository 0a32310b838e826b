"""Postpaid billing jobs: close cycles into bills, suspend overdue plans, remind before due."""

from __future__ import annotations

import procrastinate

from nexa.core.jobs import run_in_batches
from nexa.postpaid import billing

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/5 * * * *")
@blueprint.task(name="postpaid_billing", queueing_lock="postpaid_billing")
async def postpaid_billing(timestamp: int) -> int:
    """Every 5 minutes: bills for ended cycles, suspensions, due reminders."""
    closed = await run_in_batches("postpaid_close_cycles", billing.close_due_cycles)
    suspended = await run_in_batches("postpaid_suspend_overdue", billing.suspend_overdue, 1)
    reminded = await run_in_batches("postpaid_due_reminders", billing.send_due_reminders, 1)
    return closed + suspended + reminded
