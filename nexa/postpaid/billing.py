"""Postpaid money: data add-ons charged on the bill, bills and their payment, and the jobs
that close cycles into bills, suspend overdue lines and remind before the due date."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock, idempotency
from nexa.core.config import get_settings
from nexa.core.errors import NotFound
from nexa.core.schemas import mb_to_gb
from nexa.models import (
    AddonStatus,
    NotificationType,
    PostpaidBill,
    PostpaidDataAddon,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.postpaid import activations
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import (
    BillLineItem,
    DataAddonPurchaseRequest,
    DataAddonResponse,
    PostpaidBillResponse,
)

if TYPE_CHECKING:
    from nexa.models import Customer

BATCH_SIZE = 200


# --- add-ons ----------------------------------------------------------------------------------


def addon_response(addon: PostpaidDataAddon) -> DataAddonResponse:
    return DataAddonResponse(
        addon_id=addon.addon_id,
        addon_name=addon.addon_name,
        data_amount_gb=mb_to_gb(addon.data_amount_mb) or Decimal(0),
        data_amount_mb=addon.data_amount_mb,
        data_remaining_mb=addon.data_remaining_mb,
        data_remaining_gb=mb_to_gb(addon.data_remaining_mb) or Decimal(0),
        addon_price=addon.addon_price,
        purchased_date=addon.purchased_date,
        valid_until=addon.valid_until,
        status=addon.status,
    )


class AddonPlanNotFound(NotFound, code="addon_plan_not_found"): ...


@idempotency.keyed("POST /customer/postpaid/purchase-addon")
async def purchase_addon(
    db: AsyncSession, customer: Customer, data: DataAddonPurchaseRequest
) -> DataAddonResponse:
    """Data now, price on this cycle's bill, valid to the cycle end
    (docs/decisions.md#postpaid-addons)."""
    activation = await activations.owned_activation(
        db, customer, data.activation_id, for_update=True
    )
    activations.ensure_running(activation)
    repository = PostpaidRepository(db)
    plans = await catalog_service.postpaid_plans(db, addons=True, plan_id=data.plan_id)
    if not plans:
        raise AddonPlanNotFound(f"Plan {data.plan_id} is not an available postpaid add-on")
    plan = plans[0]
    amount = plan.data_allowance_mb or 0
    addon = await repository.add(
        PostpaidDataAddon(
            activation_id=activation.activation_id,
            plan_id=plan.plan_id,
            addon_name=plan.plan_name,
            data_amount_mb=amount,
            data_remaining_mb=amount,
            addon_price=plan.price,
            purchased_date=clock.now(),
            valid_until=activation.billing_cycle_end,
            status=AddonStatus.active if amount > 0 else AddonStatus.fully_used,
        )
    )
    return addon_response(addon)


async def active_addons(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[DataAddonResponse]:
    activation = await activations.viewable_activation(db, customer, activation_id)
    addons = await PostpaidRepository(db).addons(
        [activation.activation_id], status=AddonStatus.active
    )
    return [addon_response(addon) for addon in addons[activation.activation_id]]


# --- bills and payment ------------------------------------------------------------------------


def _line_items(base_amount: Decimal, addons: list[PostpaidDataAddon]) -> list[BillLineItem]:
    return [
        BillLineItem(description="Monthly plan", amount=base_amount),
        *(
            BillLineItem(description=f"Add-on: {a.addon_name}", amount=a.addon_price)
            for a in addons
        ),
    ]


async def _bill_responses(
    db: AsyncSession, bills: list[PostpaidBill]
) -> list[PostpaidBillResponse]:
    addons = await PostpaidRepository(db).addons_of_bills([bill.bill_id for bill in bills])
    return [
        PostpaidBillResponse(
            activation_id=bill.activation_id,
            bill_id=bill.bill_id,
            status=bill.status,
            billing_cycle_start=bill.cycle_start,
            billing_cycle_end=bill.cycle_end,
            base_amount=bill.base_amount,
            addon_charges=bill.addon_charges,
            total_amount_due=bill.total_amount,
            due_date=bill.due_date,
            paid_at=bill.paid_at,
            line_items=_line_items(bill.base_amount, addons[bill.bill_id]),
        )
        for bill in bills
    ]


async def current_bill(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> PostpaidBillResponse:
    """The oldest unpaid bill, or else the running estimate of the current cycle."""
    activation = await activations.viewable_activation(db, customer, activation_id)
    repository = PostpaidRepository(db)
    unpaid = await repository.bills(activation.activation_id, unpaid_only=True)
    if unpaid:
        return (await _bill_responses(db, unpaid[:1]))[0]
    addons = await repository.unbilled_addons(activation.activation_id)
    charges = sum((a.addon_price for a in addons), Decimal("0.00"))
    return PostpaidBillResponse(
        activation_id=activation.activation_id,
        billing_cycle_start=activation.billing_cycle_start,
        billing_cycle_end=activation.billing_cycle_end,
        base_amount=activation.base_amount,
        addon_charges=charges,
        total_amount_due=activation.base_amount + charges,
        due_date=activation.billing_cycle_end + activations.grace_period(),
        is_estimate=True,
        line_items=_line_items(activation.base_amount, addons),
    )


async def bill_history(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[PostpaidBillResponse]:
    activation = await activations.viewable_activation(db, customer, activation_id)
    bills = await PostpaidRepository(db).bills(activation.activation_id)
    return await _bill_responses(db, list(reversed(bills)))


# --- jobs -------------------------------------------------------------------------------------


async def close_due_cycles(db: AsyncSession, now: datetime | None = None) -> int:
    """Bill ended cycles and start the next ones (one batch; 0 = nothing left)."""
    return await PostpaidRepository(db).close_due_cycles(
        now or clock.now(), activations.cycle_length(), activations.grace_period(), BATCH_SIZE
    )


async def suspend_overdue(db: AsyncSession, now: datetime | None = None) -> int:
    """Unpaid past the due date: suspended, and the owner is told (once per suspension)."""
    now = now or clock.now()
    suspended = await PostpaidRepository(db).suspend_overdue(now)
    await notification_service.notify(
        db,
        *(
            Alert(
                row.customer_id,
                NotificationType.postpaid_due_date,
                "Postpaid service suspended",
                f"Your bill of ₹{row.total_amount_due} for {row.primary_number} is overdue; "
                "the service is suspended until it is paid.",
                dedupe_key=f"postpaid_suspended:{row.activation_id}:{now.isoformat()}",
            )
            for row in suspended
        ),
    )
    return len(suspended)


async def send_due_reminders(db: AsyncSession, now: datetime | None = None) -> int:
    """One `postpaid_due_date` push per bill, NEXA_POSTPAID_REMINDER_DAYS before it is due."""
    settings = get_settings()
    query = PostpaidRepository(db).due_reminders(
        now or clock.now(), timedelta(days=settings.postpaid_reminder_days), settings.timezone
    )
    return await notification_service.notify_from_select(db, query)
