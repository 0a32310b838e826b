from __future__ import annotations

import procrastinate

from nexa.core.jobs import run_in_batches
from nexa.referral import service

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="7 * * * *")
@blueprint.task(name="expire_referral_programs", queueing_lock="expire_referral_programs")
async def expire_referral_programs(timestamp: int) -> int:
    """Hourly: codes past their end take no more applications
    (docs/decisions.md#referral-expiry)."""
    return await run_in_batches("expire_referral_programs", service.expire_programs, 1)
