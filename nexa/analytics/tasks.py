"""The daily sales summary, kept by a periodic job (one run at a time cluster-wide)."""

from __future__ import annotations

import procrastinate

from nexa.analytics import service
from nexa.core.jobs import run_in_batches

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="sales_summary", queueing_lock="sales_summary")
async def sales_summary(timestamp: int) -> int:
    """Sum the operator days that ended: usually nothing to do, once a day one day; after a
    reset, a month per transaction until the summary is whole again."""
    return await run_in_batches("sales_summary", service.refresh_summary, 1000)
