"""SQL of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from nexa.core.repository import Repository
from nexa.models import Admin, AuditLog


@dataclass(frozen=True)
class AuditFilters:
    admin_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive


class AuditRepository(Repository[AuditLog]):
    model = AuditLog

    async def admin_identity(self, admin_id: int) -> tuple[str, str]:
        row = (
            await self.session.execute(
                select(Admin.email, Admin.name).where(Admin.admin_id == admin_id)
            )
        ).one()
        return row.email, row.name

    async def find(
        self, filters: AuditFilters, *, skip: int, limit: int
    ) -> tuple[list[AuditLog], int]:
        """Newest first; every filter is served by an index of the table."""
        conditions: list[ColumnElement[bool]] = []
        if filters.admin_id is not None:
            conditions.append(AuditLog.admin_id == filters.admin_id)
        if filters.action is not None:
            conditions.append(AuditLog.action == filters.action)
        if filters.target_type is not None:
            conditions.append(AuditLog.target_type == filters.target_type)
        if filters.target_id is not None:
            conditions.append(AuditLog.target_id == filters.target_id)
        if filters.date_from is not None:
            conditions.append(AuditLog.created_at >= filters.date_from)
        if filters.date_to is not None:
            conditions.append(AuditLog.created_at < filters.date_to)
        query = (
            select(AuditLog)
            .where(*conditions)
            .order_by(AuditLog.created_at.desc(), AuditLog.audit_id.desc())
        )
        return await self.page(query, skip=skip, limit=limit)
