from __future__ import annotations

from datetime import datetime
from typing import Any

from nexa.core.schemas import Schema


class AuditLogEntry(Schema):
    audit_id: int
    admin_id: int
    admin_email: str
    admin_name: str
    action: str
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    created_at: datetime
