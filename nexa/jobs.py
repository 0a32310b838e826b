"""The Procrastinate job queue: one App, every domain's blueprint registered here.

Each domain's `tasks.py` owns a `procrastinate.Blueprint`; add it to `BLUEPRINTS`.
`nexa worker` and the in-process worker of `nexa serve` run them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate
import structlog

from nexa import wiring
from nexa.analytics.tasks import blueprint as analytics_blueprint
from nexa.auth.tasks import blueprint as auth_blueprint
from nexa.backup.tasks import blueprint as backup_blueprint
from nexa.core.db import database_url, dispose_engine, libpq_url
from nexa.core.jobs import blueprint as core_blueprint
from nexa.core.metrics import job_middleware
from nexa.customer.tasks import blueprint as customer_blueprint
from nexa.notification.tasks import blueprint as notification_blueprint
from nexa.otp.tasks import blueprint as otp_blueprint
from nexa.payment.tasks import blueprint as payment_blueprint
from nexa.postpaid.tasks import blueprint as postpaid_blueprint
from nexa.recharge.tasks import blueprint as recharge_blueprint
from nexa.referral.tasks import blueprint as referral_blueprint

log = structlog.get_logger("nexa.jobs")

BLUEPRINTS: dict[str, procrastinate.Blueprint] = {
    "core": core_blueprint,
    "auth": auth_blueprint,
    "recharge": recharge_blueprint,
    "referral": referral_blueprint,
    "postpaid": postpaid_blueprint,
    "notification": notification_blueprint,
    "customer": customer_blueprint,
    "backup": backup_blueprint,
    "analytics": analytics_blueprint,
    "payment": payment_blueprint,
    "otp": otp_blueprint,
}

app = procrastinate.App(connector=procrastinate.PsycopgConnector())
for namespace, blueprint in BLUEPRINTS.items():
    app.add_tasks_from(blueprint, namespace=namespace)
wiring.wire()  # jobs settle payments too (webhook-less reconciliation, refunds)


@asynccontextmanager
async def opened_app(max_connections: int = 4) -> AsyncIterator[procrastinate.App]:
    """The job app connected to this process's database with a pool of its own."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url()), min_size=1, max_size=max_connections
    )
    with app.replace_connector(connector):
        async with app.open_async():
            yield app


async def run_worker(*, concurrency: int = 4, wait: bool = True, name: str = "nexa") -> None:
    """Run a worker until cancelled (or, with wait=False, until the queue is empty)."""
    async with opened_app(max_connections=concurrency + 2) as worker_app:
        await worker_app.run_worker_async(
            concurrency=concurrency,
            wait=wait,
            name=name,
            worker_middleware=[job_middleware],  # nexa_job_runs_total, nexa_job_duration
            install_signal_handlers=wait and threading.current_thread() is threading.main_thread(),
        )


class BackgroundWorker:
    """The in-process worker of `nexa serve`: a thread with its own event loop."""

    def __init__(self, concurrency: int = 2) -> None:
        self.concurrency = concurrency
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="nexa-job-worker", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(
            run_worker(concurrency=self.concurrency, name="nexa-serve")
        )
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("job_worker_crashed")
        finally:
            self._loop.run_until_complete(dispose_engine())
            self._loop.close()

    def start(self) -> None:
        self._thread.start()
        log.info("job_worker_started", mode="in-process")

    def stop(self, timeout: float = 15) -> None:
        if self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout)
