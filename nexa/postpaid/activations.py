"""Postpaid activations: the plans on offer, starting a line, and reading it (the owner
and, where allowed, its secondary numbers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock, idempotency
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, Forbidden, NotFound
from nexa.core.schemas import mb_to_gb
from nexa.customer import service as customer_service
from nexa.models import AddonStatus, NotificationType, PostpaidActivation, PostpaidStatus
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import (
    PostpaidActivationRequest,
    PostpaidActivationResponse,
    PostpaidPlanResponse,
    PostpaidUsageResponse,
    SecondaryNumberResponse,
)
from nexa.recharge import service as recharge_service

if TYPE_CHECKING:
    from nexa.models import Customer, Plan


class PostpaidPlanNotFound(NotFound, code="plan_not_found"): ...


class InvalidPostpaidPlan(BadRequest, code="invalid_postpaid_plan"): ...


class NumberHasPostpaid(BadRequest, code="number_has_postpaid"): ...


class NumberOfAnotherCustomer(BadRequest, code="number_of_another_customer"): ...


class NumberIsSecondary(BadRequest, code="number_on_another_activation"): ...


class ActivationNotFound(NotFound, code="activation_not_found"): ...


class ActivationIdRequired(BadRequest, code="activation_id_required"): ...


class NotActivationOwner(Forbidden, code="not_activation_owner"): ...


class ActivationSuspended(BadRequest, code="activation_suspended"): ...


def cycle_length() -> timedelta:
    return timedelta(days=get_settings().postpaid_cycle_days)


def grace_period() -> timedelta:
    return timedelta(days=get_settings().postpaid_grace_days)


def ensure_running(activation: PostpaidActivation) -> None:
    """Add-ons and family numbers need the service on: not while a bill is overdue."""
    if activation.status != PostpaidStatus.active:
        raise ActivationSuspended("The plan is suspended until the overdue bill is paid")


# --- plans ------------------------------------------------------------------------------------


def _plan_response(plan: Plan) -> PostpaidPlanResponse:
    return PostpaidPlanResponse(
        plan_id=plan.plan_id,
        plan_name=plan.plan_name,
        price=plan.price,
        description=plan.description,
        data_allowance_gb=mb_to_gb(plan.data_allowance_mb),
        data_allowance_mb=plan.data_allowance_mb,
        talktime_allowance_minutes=plan.talktime_allowance_minutes,
        sms_allowance=plan.sms_allowance,
        benefits=plan.benefits,
        max_secondary_numbers=plan.max_secondary_numbers,
    )


async def list_plans(db: AsyncSession, plan_id: int | None = None) -> list[PostpaidPlanResponse]:
    """Postpaid base plans only; add-ons have their own list (docs/decisions.md#plan-kinds)."""
    plans = await catalog_service.postpaid_plans(db, addons=False, plan_id=plan_id)
    if plan_id is not None and not plans:
        raise PostpaidPlanNotFound(f"Plan {plan_id} is not an available postpaid plan")
    return [_plan_response(plan) for plan in plans]


async def list_addon_plans(db: AsyncSession) -> list[PostpaidPlanResponse]:
    return [_plan_response(plan) for plan in await catalog_service.postpaid_plans(db, addons=True)]


# --- reading activations ----------------------------------------------------------------------


async def secondary_responses(
    db: AsyncSession, activation_ids: Sequence[int]
) -> dict[int, list[SecondaryNumberResponse]]:
    """Each activation's current secondary numbers, with their registered customer if any."""
    rows = await PostpaidRepository(db).secondaries(activation_ids)
    numbers = [row.phone_number for group in rows.values() for row in group]
    owners = await customer_service.contacts_by_phone(db, numbers)
    responses: dict[int, list[SecondaryNumberResponse]] = defaultdict(list)
    for activation_id, group in rows.items():
        responses[activation_id] = [
            SecondaryNumberResponse(
                secondary_id=row.secondary_id,
                phone_number=row.phone_number,
                added_date=row.added_date,
                customer_id=owner.customer_id if (owner := owners.get(row.phone_number)) else None,
            )
            for row in group
        ]
    return responses


async def activation_responses(
    db: AsyncSession, activations: list[PostpaidActivation], viewer: Customer | None = None
) -> list[PostpaidActivationResponse]:
    repository = PostpaidRepository(db)
    ids = [a.activation_id for a in activations]
    secondaries = await secondary_responses(db, ids)
    addons = await repository.addons(ids, status=AddonStatus.active)
    names = await catalog_service.plan_names(db, [a.plan_id for a in activations])
    responses = []
    for activation in activations:
        balance = activation.base_balance_mb + sum(
            addon.data_remaining_mb for addon in addons[activation.activation_id]
        )
        is_owner = viewer is None or viewer.customer_id == activation.customer_id
        responses.append(
            PostpaidActivationResponse(
                activation_id=activation.activation_id,
                plan_id=activation.plan_id,
                plan_name=names[activation.plan_id],
                primary_number=activation.primary_number,
                billing_cycle_start=activation.billing_cycle_start,
                billing_cycle_end=activation.billing_cycle_end,
                base_data_allowance_gb=mb_to_gb(activation.base_data_allowance_mb) or Decimal(0),
                base_data_allowance_mb=activation.base_data_allowance_mb,
                current_data_balance_gb=mb_to_gb(balance) or Decimal(0),
                current_data_balance_mb=balance,
                data_used_gb=mb_to_gb(activation.data_used_mb) or Decimal(0),
                data_used_mb=activation.data_used_mb,
                base_amount=activation.base_amount,
                total_amount_due=activation.total_amount_due,
                status=activation.status,
                secondary_numbers=secondaries[activation.activation_id],
                user_role="primary_owner" if is_owner else "secondary_number",
            )
        )
    return responses


async def my_activations(db: AsyncSession, customer: Customer) -> list[PostpaidActivationResponse]:
    activations = await PostpaidRepository(db).visible_running(
        customer.customer_id, customer.phone_number
    )
    if not activations:
        raise ActivationNotFound("You have no postpaid activation")
    return await activation_responses(db, activations, viewer=customer)


async def owned_activation(
    db: AsyncSession, customer: Customer, activation_id: int | None, *, for_update: bool = False
) -> PostpaidActivation:
    """The caller's activation — the one named, or the only one they own
    (docs/decisions.md#postpaid-activation-choice)."""
    repository = PostpaidRepository(db)
    if activation_id is not None:
        activation = await repository.activation(activation_id, for_update=for_update)
        if (
            activation is None
            or activation.status not in (PostpaidStatus.active, PostpaidStatus.suspended)
            or activation.customer_id != customer.customer_id
        ):
            raise ActivationNotFound(f"You own no postpaid activation {activation_id}")
        return activation
    owned = await repository.owned_running(customer.customer_id)
    if not owned:
        raise ActivationNotFound("You own no postpaid activation")
    if len(owned) > 1:
        raise ActivationIdRequired("You own several postpaid activations: name activation_id")
    if for_update:
        locked = await repository.activation(owned[0].activation_id, for_update=True)
        assert locked is not None
        return locked
    return owned[0]


async def viewable_activation(
    db: AsyncSession, customer: Customer, activation_id: int | None, *, for_update: bool = False
) -> PostpaidActivation:
    """The owner's activation, or one the caller is a registered secondary number of
    (docs/decisions.md#secondary-numbers)."""
    if activation_id is None:
        return await owned_activation(db, customer, None, for_update=for_update)
    repository = PostpaidRepository(db)
    activation = await repository.activation(activation_id, for_update=for_update)
    if activation is None:
        raise ActivationNotFound(f"Postpaid activation {activation_id} not found")
    if activation.customer_id != customer.customer_id and not await repository.is_secondary_of(
        activation_id, customer.phone_number
    ):
        raise NotActivationOwner("Only the owner or a secondary number of this plan may do this")
    return activation


async def usage(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> PostpaidUsageResponse:
    activation = await viewable_activation(db, customer, activation_id)
    response = (await activation_responses(db, [activation], viewer=customer))[0]
    return PostpaidUsageResponse(
        activation_id=activation.activation_id,
        data_used_gb=response.data_used_gb,
        data_used_mb=response.data_used_mb,
        current_data_balance_gb=response.current_data_balance_gb,
        current_data_balance_mb=response.current_data_balance_mb,
        base_data_allowance_gb=response.base_data_allowance_gb,
        base_data_allowance_mb=response.base_data_allowance_mb,
        status=activation.status,
    )


# --- activation -------------------------------------------------------------------------------


@idempotency.keyed("POST /customer/postpaid/activate")
async def activate(
    db: AsyncSession, customer: Customer, data: PostpaidActivationRequest
) -> PostpaidActivationResponse:
    repository = PostpaidRepository(db)
    plan = await catalog_service.find_plan(db, data.plan_id)
    if (
        plan is None
        or plan.plan_type != "Postpaid"
        or plan.is_topup
        or plan.status != "active"
        or plan.deleted_at is not None
    ):
        raise InvalidPostpaidPlan(f"Plan {data.plan_id} is not an available postpaid plan")
    number = data.primary_number
    owner_id = await customer_service.registered_owner_id(db, number)
    if owner_id is not None and owner_id != customer.customer_id:
        raise NumberOfAnotherCustomer(f"{number} belongs to another customer")
    await recharge_service.lock_lines(db, [number])
    if await repository.running_on_number(number) is not None:
        raise NumberHasPostpaid(f"{number} already has a postpaid plan")
    if await repository.secondary_in_use(number) is not None:
        raise NumberIsSecondary(f"{number} is a secondary number of another postpaid plan")
    now = clock.now()
    allowance = plan.data_allowance_mb or 0
    activation = await repository.add(
        PostpaidActivation(
            customer_id=customer.customer_id,
            plan_id=plan.plan_id,
            primary_number=number,
            status=PostpaidStatus.active,
            billing_cycle_start=now,
            billing_cycle_end=now + cycle_length(),
            base_amount=plan.price,
            base_data_allowance_mb=allowance,
            base_balance_mb=allowance,
            data_used_mb=0,
            total_amount_due=Decimal("0.00"),
        )
    )
    await notification_service.notify(
        db,
        Alert(
            customer_id=customer.customer_id,
            type=NotificationType.plan_activated,
            title="Postpaid plan activated",
            message=f"{plan.plan_name} is active on {number}. Your first bill comes on "
            f"{(now + cycle_length()).date().isoformat()}.",
            dedupe_key=f"postpaid_activated:{activation.activation_id}",
        ),
    )
    await customer_service.record_plan_activation(db, number, now)
    return (await activation_responses(db, [activation], viewer=customer))[0]
