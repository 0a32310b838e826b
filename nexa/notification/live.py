"""Real-time in-app notifications: one LISTEN connection per API process fans new rows
out to the customers connected to /customer/notifications/stream.

The database trigger `notification_announce` NOTIFYs on every insert, after commit, so a
row written by any API process or worker reaches the stream wherever the customer is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict

from nexa.core.invalidation import listener

CHANNEL = "nexa_notification"


class LiveHub:
    """Fans the announcements heard by the process's one LISTEN connection (the same one
    that keeps the in-process caches fresh, core/invalidation.py) out to open streams."""

    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue[int]]] = defaultdict(set)

    async def subscribe(self, customer_id: int) -> asyncio.Queue[int]:
        """A queue receiving the ids of the customer's new notifications."""
        listener.ensure_started()
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1000)
        self._queues[customer_id].add(queue)
        await asyncio.wait_for(listener.ready.wait(), timeout=10)
        return queue

    def unsubscribe(self, customer_id: int, queue: asyncio.Queue[int]) -> None:
        self._queues[customer_id].discard(queue)
        if not self._queues[customer_id]:
            del self._queues[customer_id]

    def dispatch(self, payload: str) -> None:
        try:
            announced = json.loads(payload)
            customer_id, notification_id = announced["customer_id"], announced["notification_id"]
        except (ValueError, KeyError, TypeError):
            return
        for queue in list(self._queues.get(customer_id, ())):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses, never blocks
                queue.put_nowait(notification_id)


_hub = LiveHub()
listener.on(CHANNEL, _hub.dispatch)


def hub() -> LiveHub:
    return _hub
