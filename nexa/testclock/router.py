"""Test clock endpoints: mounted only outside production (see nexa/api.py)."""

from __future__ import annotations

from fastapi import APIRouter

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.testclock import service
from nexa.testclock.schemas import ClockMove, ClockMoved, ClockState

router = APIRouter(prefix="/test-clock", tags=["Test Clock"])


@router.get("", response_model=ClockState)
async def get_test_clock() -> ClockState:
    """The service's current time and how far it is ahead of real time."""
    return service.state()


@router.post("", response_model=ClockMoved)
async def move_test_clock(change: ClockMove, db: SessionDep, admin: CurrentAdmin) -> ClockMoved:
    """Move the clock forward and run every job that became due."""
    return await service.move(db, change, admin)
