"""Postpaid as the operator's staff see it: every activation, what is due, a customer's
postpaid history, and whether a plan has room for more family numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.core.errors import NotFound
from nexa.core.schemas import mb_to_gb
from nexa.customer import service as customer_service
from nexa.models import PostpaidStatus, TransactionType
from nexa.payment import service as payment_service
from nexa.postpaid.activations import ActivationNotFound, activation_responses
from nexa.postpaid.admin_repository import PostpaidAdminRepository
from nexa.postpaid.billing import addon_response
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import (
    CustomerPostpaidHistory,
    CustomerSummary,
    DuePayment,
    HistoryActivation,
    HistoryPayment,
    PostpaidActivationDetailResponse,
    SecondaryValidation,
)


class CustomerNotFound(NotFound, code="customer_not_found"): ...


async def admin_activations(
    db: AsyncSession,
    *,
    activation_id: int | None,
    plan_id: int | None,
    status: PostpaidStatus | None,
    customer_phone: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    skip: int,
    limit: int,
) -> tuple[list[PostpaidActivationDetailResponse], int]:
    activations, total = await PostpaidAdminRepository(db).activations(
        activation_id=activation_id,
        plan_id=plan_id,
        status=status if activation_id is None else None,
        phone_fragment=customer_phone,
        customers_with_phone=(
            customer_service.ids_with_phone_containing(customer_phone) if customer_phone else None
        ),
        date_from=date_from,
        date_to=date_to,
        skip=skip,
        limit=limit,
    )
    if activation_id is not None and not activations:
        raise ActivationNotFound(f"Postpaid activation {activation_id} not found")
    responses = await activation_responses(db, activations)
    addons = await PostpaidRepository(db).addons([a.activation_id for a in activations])
    owners = await customer_service.contacts(db, {a.customer_id for a in activations})
    details = [
        PostpaidActivationDetailResponse(
            **response.model_dump(),
            customer_id=activation.customer_id,
            customer_name=owners[activation.customer_id].full_name,
            customer_phone=owners[activation.customer_id].phone_number,
            data_addons=[addon_response(addon) for addon in addons[activation.activation_id]],
        )
        for activation, response in zip(activations, responses, strict=True)
    ]
    return details, total


async def secondary_validation(db: AsyncSession, activation_id: int) -> SecondaryValidation:
    repository = PostpaidRepository(db)
    activation = await repository.activation(activation_id)
    if activation is None:
        raise ActivationNotFound(f"Postpaid activation {activation_id} not found")
    plan = await catalog_service.find_plan(db, activation.plan_id)
    assert plan is not None
    current = await repository.count_secondaries(activation_id)
    allowed = plan.max_secondary_numbers
    return SecondaryValidation(
        activation_id=activation_id,
        plan_name=plan.plan_name,
        max_secondary_numbers_allowed=allowed,
        current_secondary_numbers=current,
        can_add_more=current < allowed and activation.status == PostpaidStatus.active,
        remaining_slots=max(0, allowed - current),
    )


async def due_payments(db: AsyncSession, *, skip: int, limit: int) -> tuple[list[DuePayment], int]:
    rows, total = await PostpaidAdminRepository(db).due_payments(skip, limit)
    owners = await customer_service.contacts(db, {row[0].customer_id for row in rows})
    names = await catalog_service.plan_names(db, {row[0].plan_id for row in rows})
    now = clock.now()
    return [
        DuePayment(
            activation_id=activation.activation_id,
            customer_name=owners[activation.customer_id].full_name,
            customer_phone=owners[activation.customer_id].phone_number,
            plan_name=names[activation.plan_id],
            primary_number=activation.primary_number,
            total_amount_due=activation.total_amount_due,
            billing_cycle_end=activation.billing_cycle_end,
            status=activation.status,
            due_date=due_date,
            days_remaining=(due_date - now).days,
        )
        for activation, due_date in rows
    ], total


async def customer_history(db: AsyncSession, customer_id: int) -> CustomerPostpaidHistory:
    customer = await customer_service.find(db, customer_id)
    if customer is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    activations = await PostpaidAdminRepository(db).history(customer_id)
    payments = await payment_service.payments_of(
        db, customer_id, TransactionType.postpaid_bill_payment
    )
    names = await catalog_service.plan_names(
        db, {a.plan_id for a, _, _ in activations} | {p.plan_id for p in payments}
    )
    return CustomerPostpaidHistory(
        customer=CustomerSummary(
            customer_id=customer.customer_id,
            full_name=customer.full_name,
            phone_number=customer.phone_number,
        ),
        activations=[
            HistoryActivation(
                activation_id=activation.activation_id,
                plan_name=names[activation.plan_id],
                primary_number=activation.primary_number,
                status=activation.status,
                billing_cycle_start=activation.billing_cycle_start,
                billing_cycle_end=activation.billing_cycle_end,
                total_amount_due=activation.total_amount_due,
                data_used_gb=mb_to_gb(activation.data_used_mb) or Decimal(0),
                secondary_numbers_count=secondaries,
                active_addons_count=addons,
                created_at=activation.created_at,
            )
            for activation, secondaries, addons in activations
        ],
        payment_history=[
            HistoryPayment(
                transaction_id=payment.transaction_id,
                plan_name=names[payment.plan_id],
                amount=payment.amount,
                payment_method=payment.payment_method,
                payment_status=payment.payment_status,
                transaction_date=payment.transaction_date,
            )
            for payment in payments
        ],
    )
