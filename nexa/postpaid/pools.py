"""Postpaid data pools: how a usage batch draws on an activation's shared data (base
allowance, then add-ons), and the alerts it triggers. Called by the usage feed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core.config import get_settings
from nexa.models import (
    AddonStatus,
    NotificationChannel,
    NotificationType,
    PostpaidActivation,
    PostpaidDataAddon,
    PostpaidStatus,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.postpaid.repository import PostpaidRepository


@dataclass
class Pool:
    """One activation's shared data while a usage batch is applied."""

    activation: PostpaidActivation
    addons: list[PostpaidDataAddon]

    @property
    def remaining_mb(self) -> int:
        return self.activation.base_balance_mb + sum(a.data_remaining_mb for a in self.addons)

    def consume(self, used_mb: int) -> int:
        """Base allowance first, then add-ons in purchase order; nothing while suspended."""
        if self.activation.status != PostpaidStatus.active:
            return 0
        left = used_mb
        take = min(left, self.activation.base_balance_mb)
        self.activation.base_balance_mb -= take
        left -= take
        for addon in self.addons:
            take = min(left, addon.data_remaining_mb)
            addon.data_remaining_mb -= take
            left -= take
            if addon.data_remaining_mb == 0:
                addon.status = AddonStatus.fully_used
        applied = used_mb - left
        self.activation.data_used_mb += applied
        return applied


async def load_pools(db: AsyncSession, phone_numbers: list[str]) -> dict[str, Pool]:
    """Data pools of the postpaid numbers among these (primary or secondary), locked."""
    repository = PostpaidRepository(db)
    activations = await repository.lock_pools(phone_numbers)
    ids = sorted({a.activation_id for a in activations.values()})
    addons = await repository.addons(ids, status=AddonStatus.active)
    pools = {i: Pool(a, addons[i]) for a in activations.values() if (i := a.activation_id)}
    return {phone: pools[activation.activation_id] for phone, activation in activations.items()}


async def alert_pools(db: AsyncSession, pools: list[Pool]) -> None:
    """low_balance and data_exhausted (with addon_offered) once per cycle
    (docs/decisions.md#postpaid-alerts)."""
    low_balance_mb = get_settings().low_balance_mb
    offer = None
    alerts: list[Alert] = []
    for pool in pools:
        activation = pool.activation
        cycle = f"{activation.activation_id}:{activation.billing_cycle_start.isoformat()}"
        owner, number = activation.customer_id, activation.primary_number
        remaining = pool.remaining_mb
        if remaining == 0:
            if offer is None:
                addons = await catalog_service.postpaid_plans(db, addons=True)
                names = [plan.plan_name for plan in addons]
                offer = ", ".join(names) or "none available right now"
            alerts += [
                Alert(
                    owner,
                    NotificationType.data_exhausted,
                    "Data used up",
                    f"All data of your postpaid plan on {number} is used up.",
                    dedupe_key=f"postpaid_data_exhausted:{cycle}",
                ),
                Alert(
                    owner,
                    NotificationType.addon_offered,
                    "Need more data?",
                    f"Add data to {number} until your cycle ends: {offer}.",
                    channel=NotificationChannel.push,
                    dedupe_key=f"addon_offered:{cycle}",
                ),
            ]
        elif remaining < low_balance_mb:
            alerts.append(
                Alert(
                    owner,
                    NotificationType.low_balance,
                    "Low data balance",
                    f"Only {remaining} MB of data left on your postpaid plan for {number}.",
                    dedupe_key=f"postpaid_low_balance:{cycle}",
                )
            )
    if alerts:
        await notification_service.notify(db, *alerts)
