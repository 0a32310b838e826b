"""Live sessions remembered in-process, so most requests authenticate without a query.

An entry says "this session was live and its account allowed to act"; it is dropped when
the database announces (`nexa_auth_changed`, from triggers on `auth_session`, `customer`
and `admin`) that the session, or the account behind it, changed — and at once, locally,
by the code that revokes, so the revoking process never answers from an old entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from nexa.core.config import get_settings
from nexa.core.invalidation import AUTH_CHANNEL, LocalCache, listener
from nexa.models import UserType


@dataclass(frozen=True)
class LiveSession:
    user_type: UserType
    subject_id: int
    expires_at: datetime


cache: LocalCache[uuid.UUID, LiveSession] = LocalCache(
    "auth_sessions", max_entries=lambda: get_settings().auth_cache_entries
)
listener.register(cache)


def forget_session(session_id: uuid.UUID) -> None:
    cache.evict(session_id)


def forget_account(user_type: UserType, subject_id: int) -> None:
    cache.evict_where(lambda _, live: live.user_type == user_type and live.subject_id == subject_id)


def _on_change(payload: str) -> None:
    """Payloads: `s:<session uuid>`, `c:<customer id>`, `a:<admin id>`."""
    kind, _, ident = payload.partition(":")
    try:
        if kind == "s":
            forget_session(uuid.UUID(ident))
        elif kind == "c":
            forget_account(UserType.customer, int(ident))
        elif kind == "a":
            forget_account(UserType.admin, int(ident))
        else:
            cache.clear()
    except ValueError:
        cache.clear()  # an unreadable announcement: forget everything rather than guess


listener.on(AUTH_CHANNEL, _on_change)
