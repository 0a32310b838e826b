"""Customer service rules that other domains call."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.customer import service
from nexa.models import AccountStatus, StatusReason
from tests.factories.accounts import make_customer


async def test_a_plan_starting_brings_its_owner_back_from_inactivity(db: AsyncSession) -> None:
    owner = await make_customer(db)
    owner.account_status = AccountStatus.inactive
    owner.status_reason = StatusReason.inactivity
    owner.days_inactive = 40
    await db.flush()
    started = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

    found = await service.record_plan_activation(db, owner.phone_number, started)

    assert found == owner.customer_id
    # the object this transaction already holds shows the change (no stale copy)
    assert (owner.account_status, owner.status_reason) == (AccountStatus.active, None)
    assert (owner.days_inactive, owner.last_active_plan_date) == (0, started)
    assert await service.record_plan_activation(db, "9999999999", started) is None


async def test_an_admin_deactivation_is_not_undone_by_a_purchase(db: AsyncSession) -> None:
    owner = await make_customer(db)
    owner.account_status = AccountStatus.inactive
    owner.status_reason = StatusReason.admin
    await db.flush()

    await service.record_plan_activation(db, owner.phone_number, datetime.now(UTC))

    assert (owner.account_status, owner.status_reason) == (
        AccountStatus.inactive,
        StatusReason.admin,
    )
