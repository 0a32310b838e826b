from __future__ import annotations

import procrastinate

from nexa.core.jobs import run_in_batches
from nexa.customer import inactivity

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="0 * * * *")
@blueprint.task(name="inactivity_monitoring", queueing_lock="inactivity_monitoring")
async def inactivity_monitoring(timestamp: int) -> int:
    """Hourly check; each customer is recomputed once per operator day
    (docs/decisions.md#inactivity)."""
    return await run_in_batches("inactivity_monitoring", inactivity.refresh_batch)
