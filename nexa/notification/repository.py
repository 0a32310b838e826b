from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Notification


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert notifications; rows whose dedupe_key exists already are skipped."""
        if not rows:
            return []
        statement = (
            insert(Notification)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.notification_id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def add_from_select(self, columns: list[str], query: Select[Any]) -> int:
        """Set-based INSERT … SELECT for jobs; rows whose dedupe_key exists are skipped."""
        statement = (
            insert(Notification)
            .from_select(columns, query)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.notification_id)
        )
        return len((await self.session.execute(statement)).all())
