"""Real-time in-app notifications: one LISTEN connection per API process fans new rows
out to the customers connected to /customer/notifications/stream.

The database trigger `notification_announce` NOTIFYs on every insert, after commit, so a
row written by any API process or worker reaches the stream wherever the customer is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
from collections import defaultdict

import psycopg
import structlog

from nexa.core.db import database_url, libpq_url

log = structlog.get_logger("nexa.notification.live")
CHANNEL = "nexa_notification"


class LiveHub:
    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue[int]]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def subscribe(self, customer_id: int) -> asyncio.Queue[int]:
        """A queue receiving the ids of the customer's new notifications."""
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.create_task(self._listen())
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1000)
        self._queues[customer_id].add(queue)
        await asyncio.wait_for(self._ready.wait(), timeout=10)
        return queue

    def unsubscribe(self, customer_id: int, queue: asyncio.Queue[int]) -> None:
        self._queues[customer_id].discard(queue)
        if not self._queues[customer_id]:
            del self._queues[customer_id]

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    libpq_url(database_url()), autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    async for event in connection.notifies():
                        self._dispatch(event.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: reconnect shortly
                self._ready.clear()
                log.warning("live_listener_reconnecting", error=type(exc).__name__)
                await asyncio.sleep(1)

    def _dispatch(self, payload: str) -> None:
        try:
            announced = json.loads(payload)
            customer_id, notification_id = announced["customer_id"], announced["notification_id"]
        except (ValueError, KeyError, TypeError):
            return
        for queue in list(self._queues.get(customer_id, ())):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses, never blocks
                queue.put_nowait(notification_id)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveHub] = weakref.WeakKeyDictionary()


def hub() -> LiveHub:
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = LiveHub()
    return _hubs[loop]
