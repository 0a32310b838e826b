"""`POST /admin/usage`: the mediation feed (an admin token or the usage-feed service token)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials

from nexa.auth.dependencies import admin_principal, bearer_scheme, current_principal
from nexa.core.config import get_settings
from nexa.core.db import SessionDep
from nexa.recharge import usage
from nexa.recharge.schemas import UsageBatch, UsageBatchResult


async def admin_or_usage_feed(
    db: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """The mediation system may send NEXA_USAGE_FEED_TOKEN instead of an admin token."""
    feed_token = get_settings().usage_feed_token
    if (
        feed_token
        and credentials is not None
        and secrets.compare_digest(credentials.credentials.encode(), feed_token.encode())
    ):
        return
    await admin_principal(await current_principal(db, credentials))


# mounted outside the /admin guard because of the service token; same 401/403 answers
router = APIRouter(
    prefix="/admin", tags=["Data Usage"], dependencies=[Depends(admin_or_usage_feed)]
)


@router.post("/usage", response_model=UsageBatchResult)
async def record_usage(batch: UsageBatch, db: SessionDep) -> UsageBatchResult:
    """Record data usage (up to 1 000 records); a repeated `event_id` is counted once."""
    return await usage.record_usage(db, batch)
