"""`Idempotency-Key` for money-moving requests (docs/decisions.md#idempotency-keys).

The first request with a key inserts a row (the unique index makes a concurrent twin wait
for it); when it finishes, its answer is stored in that row in the same transaction. A
repeat with the same body gets the stored answer; with another body, 409. A request that
fails and rolls back leaves no row, so the client may retry it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import Conflict, NexaError
from nexa.models import IdempotencyKey

if TYPE_CHECKING:
    from nexa.models import Customer

MAX_KEY_LENGTH = 255
# an answer recorded while the request is still on its way (a checkout between its steps):
# a repeat waits a little for the final one, then is told "accepted" (202) with this body
PROCESSING = 102
PROCESSING_WAIT_SECONDS, PROCESSING_POLL_SECONDS = 10.0, 0.05

# the header every money-moving POST declares
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Any unique string; a retry with the same key and body is answered "
        "with the first answer and charges nothing more (kept 24 h)",
    ),
]


class IdempotencyKeyReused(Conflict, code="idempotency_key_reused"): ...


class ReplayedResponse(NexaError):
    """Carries the stored answer of an earlier request with the same key."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__("replayed", "replayed", headers={"Idempotent-Replayed": "true"})
        self.status_code = status_code
        self.replay_body = body


@dataclass(frozen=True)
class IdempotencyClaim:
    row_id: int


def request_fingerprint(endpoint: str, payload: Any) -> str:
    canonical = json.dumps([endpoint, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    db: AsyncSession, owner: str, key: str | None, endpoint: str, payload: Any
) -> IdempotencyClaim | None:
    """Reserve `key` for this request, or raise the earlier answer / a 409.

    Returns None when no key was sent (the request is simply not idempotent).
    """
    if not key:
        return None
    fingerprint = request_fingerprint(endpoint, payload)
    now = clock.now()
    inserted = await db.execute(
        insert(IdempotencyKey)
        .values(
            owner=owner,
            key=key,
            endpoint=endpoint,
            request_hash=fingerprint,
            expires_at=now + timedelta(hours=get_settings().idempotency_ttl_hours),
        )
        .on_conflict_do_nothing(index_elements=["owner", "key"])
        .returning(IdempotencyKey.idempotency_key_id)
    )
    row_id = inserted.scalar_one_or_none()
    if row_id is not None:
        return IdempotencyClaim(row_id)
    earlier = await _stored(db, owner, key)
    if earlier.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request")
    for _ in range(int(PROCESSING_WAIT_SECONDS / PROCESSING_POLL_SECONDS)):
        if earlier.response_status != PROCESSING:
            break
        # the first request is between two steps (a checkout asking its provider): its final
        # answer usually follows within milliseconds
        await asyncio.sleep(PROCESSING_POLL_SECONDS)
        earlier = await _stored(db, owner, key)
    if earlier.response_status is None or earlier.response_body is None:
        # cannot happen: the first request stores an answer before it commits
        raise IdempotencyKeyReused("The first request with this Idempotency-Key is unfinished")
    status = 202 if earlier.response_status == PROCESSING else earlier.response_status
    raise ReplayedResponse(status, earlier.response_body)


async def _stored(db: AsyncSession, owner: str, key: str) -> IdempotencyKey:
    query = (
        select(IdempotencyKey)
        .where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )
    return (await db.execute(query)).scalar_one()


async def record(
    db: AsyncSession, claim_: IdempotencyClaim | None, status_code: int, body: dict[str, Any]
) -> None:
    """Store the answer of the request that holds the claim."""
    if claim_ is None:
        return
    await db.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.idempotency_key_id == claim_.row_id)
        .values(response_status=status_code, response_body=body)
    )


async def purge_expired(db: AsyncSession, *, batch_size: int = 5000) -> int:
    batch = (
        select(IdempotencyKey.idempotency_key_id)
        .where(IdempotencyKey.expires_at < clock.now())
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    result = await db.execute(
        delete(IdempotencyKey).where(IdempotencyKey.idempotency_key_id.in_(batch))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


Request = TypeVar("Request", bound=BaseModel)
Response = TypeVar("Response", bound=BaseModel)
CustomerOperation = Callable[["AsyncSession", "Customer", Request], Awaitable[Response]]
KeyedOperation = Callable[["AsyncSession", "Customer", Request, str | None], Awaitable[Response]]


async def once_per_key(
    db: AsyncSession,
    customer_id: int,
    key: str | None,
    endpoint: str,
    request: Callable[[], object],
    operation: Callable[[], Awaitable[Response]],
) -> Response:
    """Run `operation` once per `Idempotency-Key` of this customer and return its answer to
    every repeat. `request()` gives what the key must always come with (built only when a
    key is sent). A failure whose writes are kept (a declined payment: `commit_changes`) is
    an answer too, and is replayed like a success."""
    claimed = await claim(db, f"customer:{customer_id}", key, endpoint, request()) if key else None
    try:
        response = await operation()
    except NexaError as failure:
        if failure.commit_changes:
            await record(db, claimed, failure.status_code, failure.body())
        raise
    if claimed is not None:
        await record(db, claimed, 200, response.model_dump(mode="json"))
    return response


def keyed(
    endpoint: str,
) -> Callable[[CustomerOperation[Request, Response]], KeyedOperation[Request, Response]]:
    """Make `operation(db, customer, request)` idempotent: the decorated function takes the
    `Idempotency-Key` as a fourth argument, bound to `endpoint` and the request's body."""

    def decorate(
        operation: CustomerOperation[Request, Response],
    ) -> KeyedOperation[Request, Response]:
        @functools.wraps(operation)
        async def answer_once(
            db: AsyncSession, customer: Customer, request: Request, key: str | None
        ) -> Response:
            return await once_per_key(
                db,
                customer.customer_id,
                key,
                endpoint,
                lambda: request.model_dump(mode="json"),
                lambda: operation(db, customer, request),
            )

        return answer_once

    return decorate
