"""record_admin_action: one row in the caller's transaction, JSON-safe, secrets redacted."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import REDACTED, record_admin_action
from nexa.models import AuditLog, PlanStatus
from tests.factories.accounts import make_admin


async def _rows(db: AsyncSession, admin_id: int) -> list[AuditLog]:
    result = await db.execute(
        select(AuditLog).where(AuditLog.admin_id == admin_id).order_by(AuditLog.audit_id)
    )
    return list(result.scalars())


async def test_records_who_what_when_target_and_the_changed_fields(db: AsyncSession) -> None:
    admin = await make_admin(db)
    before = {"price": Decimal("599.00"), "status": PlanStatus.active, "plan_name": "Gold"}
    after = {"price": Decimal("649.50"), "status": PlanStatus.active, "plan_name": "Gold"}
    await record_admin_action(db, admin, "plan.update", "plan", 42, before, after)
    [row] = await _rows(db, admin.admin_id)
    assert (row.admin_email, row.admin_name) == (admin.email, admin.name)
    assert (row.action, row.target_type, row.target_id) == ("plan.update", "plan", "42")
    # only what changed, money exact
    assert row.before == {"price": "599.00"}
    assert row.after == {"price": "649.50"}
    assert abs((row.created_at - datetime.now(UTC)).total_seconds()) < 60


async def test_a_rolled_back_action_leaves_no_audit_row(db: AsyncSession) -> None:
    admin = await make_admin(db)
    savepoint = await db.begin_nested()
    await record_admin_action(db, admin, "category.create", "category", 1, None, {"a": 1})
    await savepoint.rollback()
    assert await _rows(db, admin.admin_id) == []


async def test_passwords_hashes_and_tokens_are_redacted(db: AsyncSession) -> None:
    admin = await make_admin(db)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    await record_admin_action(
        db,
        admin,
        "admin.create",
        "admin",
        7,
        None,
        {
            "email": "x@example.com",
            "password": "hunter2-secret",
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$abc$def",
            "nested": {"refresh_token": "r-123", "note": jwt, "items": [{"api_key": "k"}]},
            "hash_like_value": "$2b$12$abcdefghijklmnopqrstuv",
        },
    )
    [row] = await _rows(db, admin.admin_id)
    assert row.after == {
        "email": "x@example.com",
        "password": REDACTED,
        "password_hash": REDACTED,
        "nested": {"refresh_token": REDACTED, "note": REDACTED, "items": [{"api_key": REDACTED}]},
        "hash_like_value": REDACTED,
    }
    text = str(row.after)
    for secret in ("hunter2", "argon2id", jwt, "r-123", "$2b$"):
        assert secret not in text


async def test_long_lists_are_summarised(db: AsyncSession) -> None:
    admin = await make_admin(db)
    await record_admin_action(
        db, admin, "notification.send", "notification", None, None, {"ids": list(range(250))}
    )
    [row] = await _rows(db, admin.admin_id)
    assert row.target_id is None
    assert row.after is not None
    assert row.after["ids"][:3] == [0, 1, 2] and row.after["ids"][-1] == "… 150 more"
    assert len(row.after["ids"]) == 101
