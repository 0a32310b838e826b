"""GET /admin/audit-log (the admin guard is applied in nexa/api.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexa.audit import service
from nexa.audit.repository import AuditFilters
from nexa.audit.schemas import AuditLogEntry
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DateOrInstant, DbId, query_instant
from nexa.models import AuditLog

router = APIRouter(prefix="/audit-log", tags=["Audit Log"])


@router.get("/", response_model=list[AuditLogEntry])
async def get_audit_log(
    db: SessionDep,
    page: PageParams,
    admin_id: Annotated[DbId | None, Query(description="Who acted")] = None,
    action: Annotated[
        str | None, Query(max_length=60, description="e.g. plan.update, customer.suspend")
    ] = None,
    target_type: Annotated[
        str | None, Query(max_length=40, description="e.g. plan, offer, customer")
    ] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[
        DateOrInstant | None, Query(description="From this instant (a bare date: that day)")
    ] = None,
    date_to: Annotated[
        DateOrInstant | None, Query(description="Before this instant (a bare date: included)")
    ] = None,
) -> list[AuditLog]:
    """State-changing admin actions, newest first."""
    entries, total = await service.list_entries(
        db,
        AuditFilters(
            admin_id=admin_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            date_from=query_instant(date_from),
            date_to=query_instant(date_to, end=True),
        ),
        skip=page.skip,
        limit=page.limit,
    )
    page.set_total(total)
    return entries
