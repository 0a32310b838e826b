"""Periodic clean-up of old one-time codes."""

from __future__ import annotations

import procrastinate

from nexa.core.jobs import run_in_batches
from nexa.otp import service

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="23 * * * *")
@blueprint.task(name="purge_one_time_codes", queueing_lock="purge_one_time_codes")
async def purge_one_time_codes(timestamp: int) -> int:
    """Delete codes issued more than a day ago (used or not), in batches."""
    return await run_in_batches("purge_one_time_codes", service.purge_codes)
