"""Prometheus metrics (`GET /metrics`): requests, jobs, notification deliveries, DB pools.

Counters live in this process. With several processes per node (`nexa serve --workers N`)
set `PROMETHEUS_MULTIPROC_DIR` to an empty folder: every process then writes its values
there and `/metrics` sums them. A `nexa worker` serves its own `/metrics` with
`--metrics-port`.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from starlette.requests import Request
from starlette.responses import Response

from nexa.core.config import get_settings

# request latencies of an API that answers in milliseconds, up to slow exports
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "nexa_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "nexa_http_request_duration_seconds",
    "Time to answer an HTTP request (until the response has been sent)",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
JOB_RUNS = Counter(
    "nexa_job_runs_total", "Background jobs run, by task and outcome", ["task", "outcome"]
)
JOB_LATENCY = Histogram(
    "nexa_job_duration_seconds",
    "Time a background job ran",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
)
NOTIFICATIONS = Counter(
    "nexa_notification_deliveries_total",
    "SMS and push delivery attempts, by channel and outcome (sent, retry, failed)",
    ["channel", "outcome"],
)
RATE_LIMITED = Counter("nexa_rate_limited_total", "Requests refused with 429, by limit", ["limit"])
RATE_LIMIT_ERRORS = Counter(
    "nexa_rate_limit_errors_total",
    "Rate-limit checks skipped because the counter storage (Redis) failed",
)


class _PoolCollector(Collector):
    """Connection pool figures of this process's database engines, read at scrape time."""

    def collect(self) -> Iterable[Metric]:
        from nexa.core.db import pool_statistics

        figures = pool_statistics()
        families = {
            name: GaugeMetricFamily(f"nexa_db_pool_{name}", help_text, labels=["pool"])
            for name, help_text in (
                ("size", "Connections the pool keeps open"),
                ("checked_out", "Connections in use by requests or jobs"),
                ("overflow", "Connections open beyond the pool size"),
                ("idle", "Open connections waiting in the pool"),
            )
        }
        for index, stats in enumerate(figures):
            for name, family in families.items():
                family.add_metric([str(index)], stats[name])
        yield from families.values()


REGISTRY.register(_PoolCollector())


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_PoolCollector())
        return registry
    return REGISTRY


def exposition() -> bytes:
    return generate_latest(_registry())


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: open, or behind `Authorization: Bearer NEXA_METRICS_TOKEN` when set."""
    token = get_settings().metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        if not secrets.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return Response(
                b'{"detail": "A metrics token is required", "code": "not_authenticated"}',
                status_code=401,
                media_type="application/json",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


# label children are looked up once per (method, route, status): a dict hit afterwards
_request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    children = _request_children.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_LATENCY.labels(method, route),
        )
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


async def job_middleware(call_next: Callable[[], Awaitable[Any]], context: Any, worker: Any) -> Any:
    """Procrastinate worker middleware: counts every job run and times it."""
    task = getattr(context.job, "task_name", "unknown")
    started = time.perf_counter()
    try:
        result = await call_next()
    except BaseException:
        JOB_RUNS.labels(task, "failed").inc()
        raise
    finally:
        JOB_LATENCY.labels(task).observe(time.perf_counter() - started)
    JOB_RUNS.labels(task, "succeeded").inc()
    return result
