"""In-process caches kept honest by PostgreSQL LISTEN/NOTIFY (the process's one LISTEN
connection, which also carries the live notification stream's announcements).

Database triggers NOTIFY on the channels below when cached facts change (a session is
revoked, a customer's status changes, the catalogue is edited); every API process listens
on one connection and evicts what it holds. The NOTIFY is sent at commit, so every process,
whoever made the change, forgets the old fact within milliseconds.

A cache is trusted only while its process's listener is connected: before the first
LISTEN, and from a dropped connection until the next LISTEN is in place, every lookup is a
miss (the database answers), and the cache is emptied on each reconnect.

A fill races an invalidation when it read the database before a change committed and
stores after the change's NOTIFY arrived; `generation()` / `put(..., generation)` refuse
such a stale fill.

A cache also read on another event loop (the job worker of `nexa serve` runs in a thread
with a loop of its own) is made with `starts_listener=False`: it answers only on the loop
the listener already runs on, and never starts or moves the listener (which would take it
away from the API's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import psycopg
import structlog

log = structlog.get_logger("nexa.invalidation")

AUTH_CHANNEL = "nexa_auth_changed"
CATALOG_CHANNEL = "nexa_catalog_changed"
CLOCK_CHANNEL = "nexa_clock_changed"

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class LocalCache(Generic[Key, Value]):
    """A bounded LRU map that answers only while the invalidation listener is connected."""

    def __init__(
        self, name: str, max_entries: int | Callable[[], int], *, starts_listener: bool = True
    ) -> None:
        """`max_entries` may be a function (read at first use, e.g. from settings); 0 turns
        the cache off. `starts_listener=False`: see the module's notes."""
        self.name = name
        self._max_entries = max_entries
        self.starts_listener = starts_listener
        self._entries: OrderedDict[Key, Value] = OrderedDict()
        self._generation = 0

    @functools.cached_property
    def max_entries(self) -> int:
        limit = self._max_entries
        return limit if isinstance(limit, int) else limit()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def generation(self) -> int:
        """Take before reading the database; hand to `put`."""
        return self._generation

    def trusted(self) -> bool:
        if not self.enabled:
            return False
        return listener.trusted() if self.starts_listener else listener.trusted_here()

    def get(self, key: Key) -> Value | None:
        if not self.trusted():
            return None
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: Key, value: Value, generation: int) -> None:
        if not self.trusted() or generation != self._generation:
            return  # something changed since the caller read the database
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def evict(self, key: Key) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def evict_where(self, condition: Callable[[Key, Value], bool]) -> None:
        self._generation += 1
        for key in [k for k, v in self._entries.items() if condition(k, v)]:
            del self._entries[key]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class InvalidationListener:
    """One LISTEN connection per process; routes payloads to the handlers of a channel."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[[str], None]]] = {}
        self._caches: list[LocalCache[object, object]] = []
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected = False
        self.ready = asyncio.Event()

    def on(self, channel: str, handler: Callable[[str], None]) -> None:
        new_channel = channel not in self._handlers
        self._handlers.setdefault(channel, []).append(handler)
        if new_channel and self._task is not None and not self._task.done():
            self._task.cancel()  # reconnect, so that the connection LISTENs on it too

    def register(self, cache: LocalCache[Key, Value]) -> None:
        self._caches.append(cache)  # type: ignore[arg-type]

    def trusted(self) -> bool:
        """Whether caches may answer (starts the listener on first use in this loop)."""
        self.ensure_started()
        return self._connected

    def trusted_here(self) -> bool:
        """Whether caches may answer on the running loop, without starting or moving the
        listener: only on the loop it runs on, while connected."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        running = self._task is not None and not self._task.done()
        return running and self._loop is loop and self._connected

    def ensure_started(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        self._set_connected(False)
        self._loop = loop
        self.ready = asyncio.Event()
        self._task = loop.create_task(self._listen(), name="nexa-invalidation-listener")

    async def stop(self) -> None:
        self._set_connected(False)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
        self._task = None

    def _set_connected(self, connected: bool) -> None:
        self._connected = connected
        for cache in self._caches:
            cache.clear()  # nothing cached across a gap in the notifications survives

    async def _listen(self) -> None:
        from nexa.core.db import database_url, libpq_url

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    libpq_url(database_url()), autocommit=True
                ) as connection:
                    for channel in self._handlers:
                        await connection.execute(f"LISTEN {channel}")
                    self._set_connected(True)
                    self.ready.set()
                    async for event in connection.notifies():
                        for handler in self._handlers.get(event.channel, ()):
                            handler(event.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: distrust caches, reconnect
                self.ready.clear()
                self._set_connected(False)
                log.warning("invalidation_listener_reconnecting", error=type(exc).__name__)
                await asyncio.sleep(1)


listener = InvalidationListener()
