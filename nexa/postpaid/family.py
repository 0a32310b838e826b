"""Postpaid family numbers: secondary numbers that share the owner's data pool, up to the
plan's maximum."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.core.errors import BadRequest, NotFound
from nexa.customer import service as customer_service
from nexa.models import PostpaidSecondaryNumber, PostpaidStatus
from nexa.postpaid import activations
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import SecondaryNumberRequest, SecondaryNumberResponse

if TYPE_CHECKING:
    from nexa.models import Customer


class SecondaryNotAllowed(BadRequest, code="secondary_not_allowed"): ...


class SecondaryLimitReached(BadRequest, code="secondary_limit_reached"): ...


class SecondaryAlreadyAdded(BadRequest, code="secondary_already_added"): ...


class SecondaryIsPrimary(BadRequest, code="secondary_is_primary"): ...


class SecondaryNotFound(NotFound, code="secondary_not_found"): ...


async def list_secondaries(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[SecondaryNumberResponse]:
    activation = await activations.owned_activation(db, customer, activation_id)
    return (await activations.secondary_responses(db, [activation.activation_id]))[
        activation.activation_id
    ]


async def add_secondary(
    db: AsyncSession, customer: Customer, data: SecondaryNumberRequest
) -> SecondaryNumberResponse:
    """Owner only; the plan's maximum holds under the activation's row lock
    (docs/decisions.md#secondary-numbers)."""
    repository = PostpaidRepository(db)
    activation = await repository.activation(data.activation_id, for_update=True)
    if activation is None or activation.status == PostpaidStatus.cancelled:
        raise activations.ActivationNotFound(f"Postpaid activation {data.activation_id} not found")
    if activation.customer_id != customer.customer_id:
        raise activations.NotActivationOwner("Only the primary owner manages secondary numbers")
    activations.ensure_running(activation)
    plan = await catalog_service.find_plan(db, activation.plan_id)
    assert plan is not None
    if plan.max_secondary_numbers == 0:
        raise SecondaryNotAllowed(f"{plan.plan_name} allows no secondary numbers")
    number = data.phone_number
    if number == activation.primary_number:
        raise SecondaryIsPrimary("The primary number cannot also be a secondary number")
    existing = await repository.secondary_in_use(number)
    if existing is not None and existing.activation_id == activation.activation_id:
        raise SecondaryAlreadyAdded(f"{number} is already a secondary number of this plan")
    if existing is not None or await repository.running_on_number(number) is not None:
        raise activations.NumberIsSecondary(f"{number} is already on another postpaid plan")
    if await repository.count_secondaries(activation.activation_id) >= plan.max_secondary_numbers:
        raise SecondaryLimitReached(
            f"{plan.plan_name} allows at most {plan.max_secondary_numbers} secondary numbers"
        )
    try:
        row = await repository.add(
            PostpaidSecondaryNumber(
                activation_id=activation.activation_id,
                phone_number=number,
                added_date=clock.now(),
            )
        )
    except IntegrityError as exc:  # the number was just added to another plan
        raise activations.NumberIsSecondary(
            f"{number} is already on another postpaid plan"
        ) from exc
    return SecondaryNumberResponse(
        secondary_id=row.secondary_id,
        phone_number=row.phone_number,
        added_date=row.added_date,
        customer_id=await customer_service.registered_owner_id(db, number),
    )


async def remove_secondary(
    db: AsyncSession, customer: Customer, secondary_id: int, activation_id: int | None
) -> None:
    repository = PostpaidRepository(db)
    owned = (
        [await activations.owned_activation(db, customer, activation_id)]
        if activation_id is not None
        else await repository.owned_running(customer.customer_id)
    )
    if not owned:
        raise activations.ActivationNotFound("You own no postpaid activation")
    for activation in owned:
        row = await repository.get_secondary(activation.activation_id, secondary_id)
        if row is not None:
            row.removed_at = clock.now()
            await db.flush()
            return
    raise SecondaryNotFound(f"Secondary number {secondary_id} is not on your plan")
