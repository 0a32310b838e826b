"""Postpaid lines as other domains see them: the data pools that the usage feed draws on,
and the time-based work the jobs and the test clock run.

Postpaid's own routes use its modules directly: `activations` (plans, starting and reading
a line), `billing` (add-ons, bills, payment, cycle jobs), `family` (secondary numbers),
`pools` (shared data) and `admin_views`. The rules: docs/decisions.md#postpaid-cycles.
"""

from __future__ import annotations

from nexa.postpaid.billing import close_due_cycles, send_due_reminders, suspend_overdue
from nexa.postpaid.pools import Pool, alert_pools, load_pools
from nexa.postpaid.repository import has_running_line

__all__ = [
    "Pool",
    "alert_pools",
    "close_due_cycles",
    "has_running_line",
    "load_pools",
    "send_due_reminders",
    "suspend_overdue",
]
