from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import TestClock


class TestClockRepository:
    __test__ = False

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def offset_for_update(self) -> int:
        return int(
            (
                await self.session.execute(
                    select(TestClock.offset_seconds)
                    .where(TestClock.clock_id == 1)
                    .with_for_update()
                )
            ).scalar_one()
        )

    async def set_offset(self, seconds: int, at: datetime) -> None:
        await self.session.execute(
            update(TestClock)
            .where(TestClock.clock_id == 1)
            .values(offset_seconds=seconds, updated_at=at)
        )
