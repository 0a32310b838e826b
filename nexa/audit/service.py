"""The admin audit log: every state-changing admin action records who, what, when, the
target and a before/after summary — in the action's own transaction, so an action that
rolls back leaves no audit row. Passwords, hashes and tokens never reach the log."""

from __future__ import annotations

import dataclasses
import enum
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import structlog
from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.repository import AuditFilters, AuditRepository
from nexa.core import clock
from nexa.core.errors import BadRequest
from nexa.models import Admin, AuditLog

REDACTED = "[redacted]"
# keys whose values are secrets, whatever they hold
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|hash|jti|authori[sz]ation|api[_-]?key|"
    r"otp|cookie|credential|private[_-]?key|session[_-]?id",
    re.IGNORECASE,
)
# values that look like a JWT or a password hash, under whatever key
_SECRET_VALUE = re.compile(
    r"^(eyJ[\w-]+\.[\w-]+\.[\w-]*|\$(argon2(id|i|d)|2[abxy]?|pbkdf2[\w-]*|scrypt)\$.*)$"
)
MAX_LIST_ITEMS = 100
MAX_TEXT = 2000


def _is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def clean(value: Any) -> Any:
    """A JSON-safe copy: exact money as strings, instants in ISO-8601, secrets redacted,
    long lists and texts cut (the log keeps a summary, not bulk data)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return clean(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        if _SECRET_VALUE.match(value):
            return REDACTED
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if _is_secret_key(str(key)) else clean(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        cleaned = [clean(item) for item in items[:MAX_LIST_ITEMS]]
        if len(items) > MAX_LIST_ITEMS:
            cleaned.append(f"… {len(items) - MAX_LIST_ITEMS} more")
        return cleaned
    return clean(str(value))


def row_summary(row: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The loaded column values of an ORM row (no lazy loads, no secrets)."""
    state = sa_inspect(row)
    columns = {attr.key for attr in state.mapper.column_attrs}
    loaded = state.dict
    return clean(
        {
            key: loaded[key]
            for key in sorted(columns)
            if key in loaded and key not in exclude and not _is_secret_key(key)
        }
    )


def _changes(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs (keys present on one side only are kept)."""
    keys = [key for key in {**before, **after} if before.get(key, ...) != after.get(key, ...)]
    return (
        {key: before[key] for key in keys if key in before},
        {key: after[key] for key in keys if key in after},
    )


async def _identity(audits: AuditRepository, admin: Admin) -> tuple[int, str, str]:
    """The admin's id, e-mail and name without a lazy load (the row may have been expired
    by an earlier statement of the request, or belong to another session)."""
    state = sa_inspect(admin)
    loaded = state.dict
    if all(key in loaded for key in ("admin_id", "email", "name")):
        return loaded["admin_id"], loaded["email"], loaded["name"]
    admin_id = loaded.get("admin_id") or (state.identity[0] if state.identity else None)
    if admin_id is None:
        raise ValueError("record_admin_action needs a stored admin")
    email, name = await audits.admin_identity(int(admin_id))
    return int(admin_id), email, name


async def record_admin_action(
    db: AsyncSession,
    admin: Admin,
    action: str,
    target_type: str,
    target_id: str | int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write one audit row in the caller's transaction (nothing is committed here).

    `action` is a dotted name such as "plan.update"; `before` / `after` summarise the target
    (when both are given only the fields that changed are kept). Values are made JSON-safe
    (Decimal -> exact string, datetimes -> ISO-8601) and secrets are redacted by key
    (password, token, hash, secret…) and by shape (JWTs, password hashes).
    """
    cleaned_before = clean(before) if before is not None else None
    cleaned_after = clean(after) if after is not None else None
    if isinstance(cleaned_before, dict) and isinstance(cleaned_after, dict):
        cleaned_before, cleaned_after = _changes(cleaned_before, cleaned_after)
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    audits = AuditRepository(db)
    admin_id, email, name = await _identity(audits, admin)
    await audits.add(
        AuditLog(
            admin_id=admin_id,
            admin_email=email,
            admin_name=name,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            before=cleaned_before,
            after=cleaned_after,
            request_id=str(request_id)[:64] if request_id else None,
            created_at=clock.now(),
        )
    )


# what NEXA itself records (alerts of its own): no admin acted
SYSTEM_ACTOR = (0, "system", "NEXA")


async def record_system_event(
    db: AsyncSession,
    action: str,
    target_type: str,
    target_id: str | int | None,
    details: dict[str, Any],
) -> None:
    """An audit row for something NEXA noticed itself (e.g. a webhook's wrong amount)."""
    admin_id, email, name = SYSTEM_ACTOR
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    await AuditRepository(db).add(
        AuditLog(
            admin_id=admin_id,
            admin_email=email,
            admin_name=name,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            before=None,
            after=clean(details),
            request_id=str(request_id)[:64] if request_id else None,
            created_at=clock.now(),
        )
    )


class InvalidDateRange(BadRequest, code="invalid_date_range"): ...


async def list_entries(
    db: AsyncSession, filters: AuditFilters, *, skip: int, limit: int
) -> tuple[list[AuditLog], int]:
    """Newest first, filtered by who, what, which target and when."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidDateRange("date_from must not be after date_to")
    return await AuditRepository(db).find(filters, skip=skip, limit=limit)
