"""A small typed base for repositories: the session, load by key, add, count, one page.

    class AuditRepository(Repository[AuditLog]):
        model = AuditLog

A repository keeps its own named methods for its queries; these only remove the lines
every repository would otherwise write again. Everything runs in the caller's transaction:
nothing here commits.
"""

from __future__ import annotations

from typing import Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from nexa.models.base import Base

Model = TypeVar("Model", bound=Base)
Added = TypeVar("Added", bound=Base)
Entity = TypeVar("Entity")
Columns = TypeVarTuple("Columns")


class Repository(Generic[Model]):
    """SQL of one domain over the caller's session; `model` is the table it mostly serves."""

    model: type[Model]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: int | str) -> Model | None:
        """The row of `model` with this primary key (from the session's identity map if there)."""
        return await self.session.get(self.model, key)

    async def add(self, row: Added) -> Added:
        """Add a new row (of any table) and flush, so that its generated columns are set."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete_batch(
        self, key: InstrumentedAttribute[int], *conditions: ColumnElement[bool], batch_size: int
    ) -> int:
        """Delete up to `batch_size` rows of the table of `key` (its primary key) matching
        every condition, skipping rows others hold (a clean-up job's batch); how many."""
        batch = select(key).where(*conditions).limit(batch_size).with_for_update(skip_locked=True)
        statement = delete(key.class_).where(key.in_(batch.scalar_subquery()))
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def count(self, *conditions: ColumnElement[bool]) -> int:
        """Rows of `model` matching every condition."""
        query = select(func.count()).select_from(self.model).where(*conditions)
        return int((await self.session.execute(query)).scalar_one())

    async def page(
        self, query: Select[Entity], *, skip: int, limit: int
    ) -> tuple[list[Entity], int]:
        """One page of an ordered one-entity query (`select(Model)...`) and the count of all."""
        rows = (await self.session.execute(query.offset(skip).limit(limit))).scalars()
        return list(rows), await self._total(query)

    async def page_of_rows(
        self, query: Select[*Columns], *, skip: int, limit: int
    ) -> tuple[list[Row[*Columns]], int]:
        """One page of an ordered query of several columns (rows) and the count of all."""
        rows = await self.session.execute(query.offset(skip).limit(limit))
        return list(rows), await self._total(query)

    async def _total(self, query: Select[*Columns]) -> int:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return int((await self.session.execute(counted)).scalar_one())
