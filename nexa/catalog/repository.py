from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Category


class CategoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_exists(self) -> bool:
        return (
            await self.session.execute(select(Category.category_id).limit(1))
        ).first() is not None
