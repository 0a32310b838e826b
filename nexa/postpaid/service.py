"""Postpaid lines (§3.8, Q-17–Q-21): rolling 30-day cycles closed into bills, payment of
everything due, suspension when a bill is overdue, data add-ons on the bill, and family
(secondary) numbers sharing one data pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, Forbidden, NotFound
from nexa.core.schemas import mb_to_gb
from nexa.customer import service as customer_service
from nexa.models import (
    AddonStatus,
    BillStatus,
    Customer,
    NotificationChannel,
    NotificationType,
    Plan,
    PostpaidActivation,
    PostpaidBill,
    PostpaidDataAddon,
    PostpaidSecondaryNumber,
    PostpaidStatus,
    TransactionType,
)
from nexa.notification import service as notification_service
from nexa.notification.service import Alert
from nexa.payment import service as payment_service
from nexa.payment.service import Charge
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import (
    BillLineItem,
    BillPaymentRequest,
    BillPaymentResponse,
    CustomerPostpaidHistory,
    CustomerSummary,
    DataAddonPurchaseRequest,
    DataAddonResponse,
    DuePayment,
    HistoryActivation,
    HistoryPayment,
    PostpaidActivationDetailResponse,
    PostpaidActivationRequest,
    PostpaidActivationResponse,
    PostpaidBillResponse,
    PostpaidPlanResponse,
    PostpaidUsageResponse,
    SecondaryNumberRequest,
    SecondaryNumberResponse,
    SecondaryValidation,
)
from nexa.recharge import service as recharge_service

BATCH_SIZE = 200


class PostpaidPlanNotFound(NotFound):
    code = "plan_not_found"


class InvalidPostpaidPlan(BadRequest):
    code = "invalid_postpaid_plan"


class NumberHasPostpaid(BadRequest):
    code = "number_has_postpaid"


class NumberOfAnotherCustomer(BadRequest):
    code = "number_of_another_customer"


class NumberIsSecondary(BadRequest):
    code = "number_on_another_activation"


class ActivationNotFound(NotFound):
    code = "activation_not_found"


class ActivationIdRequired(BadRequest):
    code = "activation_id_required"


class NotActivationOwner(Forbidden):
    code = "not_activation_owner"


class ActivationSuspended(BadRequest):
    code = "activation_suspended"


class AddonPlanNotFound(NotFound):
    code = "addon_plan_not_found"


class NothingDue(BadRequest):
    code = "nothing_due"


class SecondaryNotAllowed(BadRequest):
    code = "secondary_not_allowed"


class SecondaryLimitReached(BadRequest):
    code = "secondary_limit_reached"


class SecondaryAlreadyAdded(BadRequest):
    code = "secondary_already_added"


class SecondaryIsPrimary(BadRequest):
    code = "secondary_is_primary"


class SecondaryNotFound(NotFound):
    code = "secondary_not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


def _cycle() -> timedelta:
    return timedelta(days=get_settings().postpaid_cycle_days)


def _grace() -> timedelta:
    return timedelta(days=get_settings().postpaid_grace_days)


# --- plans ----------------------------------------------------------------------------------


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
    """Q-12: postpaid base plans only (add-ons have their own list)."""
    plans = await PostpaidRepository(db).plans(addons=False, plan_id=plan_id)
    if plan_id is not None and not plans:
        raise PostpaidPlanNotFound(f"Plan {plan_id} is not an available postpaid plan")
    return [_plan_response(plan) for plan in plans]


async def list_addon_plans(db: AsyncSession) -> list[PostpaidPlanResponse]:
    return [_plan_response(plan) for plan in await PostpaidRepository(db).plans(addons=True)]


# --- reading activations ----------------------------------------------------------------------


async def _responses(
    db: AsyncSession, activations: list[PostpaidActivation], viewer: Customer | None = None
) -> list[PostpaidActivationResponse]:
    repository = PostpaidRepository(db)
    ids = [a.activation_id for a in activations]
    secondaries = await repository.secondaries(ids)
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
                secondary_numbers=[
                    SecondaryNumberResponse.model_validate(row._mapping)
                    for row in secondaries[activation.activation_id]
                ],
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
    return await _responses(db, activations, viewer=customer)


async def _owned_activation(
    db: AsyncSession, customer: Customer, activation_id: int | None, *, for_update: bool = False
) -> PostpaidActivation:
    """Q-18: the caller's activation — the one named, or the only one they own."""
    repository = PostpaidRepository(db)
    if activation_id is not None:
        activation = await repository.get(activation_id, for_update=for_update)
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
        locked = await repository.get(owned[0].activation_id, for_update=True)
        assert locked is not None
        return locked
    return owned[0]


async def _viewable_activation(
    db: AsyncSession, customer: Customer, activation_id: int | None, *, for_update: bool = False
) -> PostpaidActivation:
    """The owner's activation, or one the caller is a registered secondary number of (Q-19)."""
    if activation_id is None:
        return await _owned_activation(db, customer, None, for_update=for_update)
    repository = PostpaidRepository(db)
    activation = await repository.get(activation_id, for_update=for_update)
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
    activation = await _viewable_activation(db, customer, activation_id)
    response = (await _responses(db, [activation], viewer=customer))[0]
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


async def activate(
    db: AsyncSession,
    customer: Customer,
    data: PostpaidActivationRequest,
    idempotency_key: str | None,
) -> PostpaidActivationResponse:
    return await payment_service.idempotent(
        db,
        customer.customer_id,
        idempotency_key,
        "POST /customer/postpaid/activate",
        lambda: data.model_dump(mode="json"),
        lambda: _activate(db, customer, data),
    )


async def _activate(
    db: AsyncSession, customer: Customer, data: PostpaidActivationRequest
) -> PostpaidActivationResponse:
    repository = PostpaidRepository(db)
    plan = await repository.plan(data.plan_id)
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
            billing_cycle_end=now + _cycle(),
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
            f"{(now + _cycle()).date().isoformat()}.",
            dedupe_key=f"postpaid_activated:{activation.activation_id}",
        ),
    )
    await customer_service.record_plan_activation(db, number, now)
    return (await _responses(db, [activation], viewer=customer))[0]


# --- add-ons ----------------------------------------------------------------------------------


def _addon_response(addon: PostpaidDataAddon) -> DataAddonResponse:
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


async def purchase_addon(
    db: AsyncSession,
    customer: Customer,
    data: DataAddonPurchaseRequest,
    idempotency_key: str | None,
) -> DataAddonResponse:
    """Q-20: data now, price on this cycle's bill, valid to the cycle end."""
    return await payment_service.idempotent(
        db,
        customer.customer_id,
        idempotency_key,
        "POST /customer/postpaid/purchase-addon",
        lambda: data.model_dump(mode="json"),
        lambda: _purchase_addon(db, customer, data),
    )


async def _purchase_addon(
    db: AsyncSession, customer: Customer, data: DataAddonPurchaseRequest
) -> DataAddonResponse:
    activation = await _owned_activation(db, customer, data.activation_id, for_update=True)
    if activation.status != PostpaidStatus.active:
        raise ActivationSuspended("The plan is suspended until the overdue bill is paid")
    repository = PostpaidRepository(db)
    plans = await repository.plans(addons=True, plan_id=data.plan_id)
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
    return _addon_response(addon)


async def active_addons(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[DataAddonResponse]:
    activation = await _viewable_activation(db, customer, activation_id)
    addons = await PostpaidRepository(db).addons(
        [activation.activation_id], status=AddonStatus.active
    )
    return [_addon_response(addon) for addon in addons[activation.activation_id]]


# --- bills and payment ------------------------------------------------------------------------


async def _bill_response(db: AsyncSession, bill: PostpaidBill) -> PostpaidBillResponse:
    addons = await PostpaidRepository(db).addons_of_bill(bill.bill_id)
    return PostpaidBillResponse(
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
        line_items=[
            BillLineItem(description="Monthly plan", amount=bill.base_amount),
            *(
                BillLineItem(description=f"Add-on: {a.addon_name}", amount=a.addon_price)
                for a in addons
            ),
        ],
    )


async def current_bill(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> PostpaidBillResponse:
    """The oldest unpaid bill, or else the running estimate of the current cycle."""
    activation = await _viewable_activation(db, customer, activation_id)
    repository = PostpaidRepository(db)
    unpaid = await repository.bills(activation.activation_id, unpaid_only=True)
    if unpaid:
        return await _bill_response(db, unpaid[0])
    addons = await repository.unbilled_addons(activation.activation_id)
    charges = sum((a.addon_price for a in addons), Decimal("0.00"))
    return PostpaidBillResponse(
        activation_id=activation.activation_id,
        billing_cycle_start=activation.billing_cycle_start,
        billing_cycle_end=activation.billing_cycle_end,
        base_amount=activation.base_amount,
        addon_charges=charges,
        total_amount_due=activation.base_amount + charges,
        due_date=activation.billing_cycle_end + _grace(),
        is_estimate=True,
        line_items=[
            BillLineItem(description="Monthly plan", amount=activation.base_amount),
            *(
                BillLineItem(description=f"Add-on: {a.addon_name}", amount=a.addon_price)
                for a in addons
            ),
        ],
    )


async def bill_history(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[PostpaidBillResponse]:
    activation = await _viewable_activation(db, customer, activation_id)
    bills = await PostpaidRepository(db).bills(activation.activation_id)
    return [await _bill_response(db, bill) for bill in reversed(bills)]


async def pay_bills(
    db: AsyncSession, customer: Customer, data: BillPaymentRequest, idempotency_key: str | None
) -> BillPaymentResponse:
    """Pay every unpaid bill of the activation at once; a suspended plan resumes (Q-17)."""
    return await payment_service.idempotent(
        db,
        customer.customer_id,
        idempotency_key,
        "POST /customer/postpaid/pay-bill",
        lambda: data.model_dump(mode="json"),
        lambda: _pay_bills(db, customer, data),
    )


async def _pay_bills(
    db: AsyncSession, customer: Customer, data: BillPaymentRequest
) -> BillPaymentResponse:
    activation = await _viewable_activation(db, customer, data.activation_id, for_update=True)
    repository = PostpaidRepository(db)
    bills = await repository.bills(activation.activation_id, unpaid_only=True, for_update=True)
    if not bills:
        raise NothingDue("Nothing is due: the current cycle is billed when it ends")
    amount = sum((bill.total_amount for bill in bills), Decimal("0.00"))
    now = clock.now()
    transaction_id = await payment_service.charge(
        db,
        Charge(
            payer_id=customer.customer_id,
            plan_id=activation.plan_id,
            recipient_phone_number=activation.primary_number,
            transaction_type=TransactionType.postpaid_bill_payment,
            payment_method=data.payment_method,
            original_amount=amount,
            bill_id=bills[-1].bill_id,
            description=f"the postpaid bill of {activation.primary_number}",
            at=now,
        ),
    )
    for bill in bills:
        bill.status = BillStatus.paid
        bill.paid_at = now
        bill.paid_transaction_id = transaction_id
    activation.total_amount_due = Decimal("0.00")
    resumed = activation.status == PostpaidStatus.suspended
    if resumed:
        # service resumes with a fresh cycle from the moment of payment
        await repository.expire_open_addons(activation.activation_id)
        activation.status = PostpaidStatus.active
        activation.suspended_at = None
        activation.billing_cycle_start = now
        activation.billing_cycle_end = now + _cycle()
        activation.base_balance_mb = activation.base_data_allowance_mb
        activation.data_used_mb = 0
    await notification_service.notify(
        db,
        Alert(
            customer.customer_id,
            NotificationType.payment_success,
            "Bill paid",
            f"₹{amount} paid for {activation.primary_number}."
            + (" Your postpaid service is active again." if resumed else ""),
        ),
    )
    await db.flush()
    return BillPaymentResponse(
        message="Bill paid" + ("; service resumed" if resumed else ""),
        activation_id=activation.activation_id,
        primary_number=activation.primary_number,
        transaction_id=transaction_id,
        amount_paid=amount,
        bills_paid=[bill.bill_id for bill in bills],
        status=activation.status,
    )


# --- secondary numbers --------------------------------------------------------------------------


async def list_secondaries(
    db: AsyncSession, customer: Customer, activation_id: int | None
) -> list[SecondaryNumberResponse]:
    activation = await _owned_activation(db, customer, activation_id)
    rows = await PostpaidRepository(db).secondaries([activation.activation_id])
    return [
        SecondaryNumberResponse.model_validate(r._mapping) for r in rows[activation.activation_id]
    ]


async def add_secondary(
    db: AsyncSession, customer: Customer, data: SecondaryNumberRequest
) -> SecondaryNumberResponse:
    """Q-19: owner only; the plan's maximum holds under the activation's row lock."""
    repository = PostpaidRepository(db)
    activation = await repository.get(data.activation_id, for_update=True)
    if activation is None or activation.status == PostpaidStatus.cancelled:
        raise ActivationNotFound(f"Postpaid activation {data.activation_id} not found")
    if activation.customer_id != customer.customer_id:
        raise NotActivationOwner("Only the primary owner manages secondary numbers")
    if activation.status != PostpaidStatus.active:
        raise ActivationSuspended("The plan is suspended until the overdue bill is paid")
    plan = await repository.plan(activation.plan_id)
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
        raise NumberIsSecondary(f"{number} is already on another postpaid plan")
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
        raise NumberIsSecondary(f"{number} is already on another postpaid plan") from exc
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
        [await _owned_activation(db, customer, activation_id)]
        if activation_id is not None
        else await repository.owned_running(customer.customer_id)
    )
    if not owned:
        raise ActivationNotFound("You own no postpaid activation")
    for activation in owned:
        row = await repository.get_secondary(activation.activation_id, secondary_id)
        if row is not None:
            row.removed_at = clock.now()
            await db.flush()
            return
    raise SecondaryNotFound(f"Secondary number {secondary_id} is not on your plan")


# --- usage (called by the usage feed) ------------------------------------------------------------


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
    """Q-21: low_balance and data_exhausted (with addon_offered) once per cycle."""
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
                names = [p.plan_name for p in await PostpaidRepository(db).plans(addons=True)]
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


# --- jobs ---------------------------------------------------------------------------------------


async def close_due_cycles(db: AsyncSession, now: datetime | None = None) -> int:
    """Bill ended cycles and start the next ones (one batch; 0 = nothing left)."""
    closed = await PostpaidRepository(db).close_due_cycles(
        now or clock.now(), _cycle(), _grace(), BATCH_SIZE
    )
    return len(closed)


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


# --- administration -----------------------------------------------------------------------------


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
    rows, total = await PostpaidRepository(db).admin_activations(
        activation_id=activation_id,
        plan_id=plan_id,
        status=status if activation_id is None else None,
        customer_phone=customer_phone,
        date_from=date_from,
        date_to=date_to,
        skip=skip,
        limit=limit,
    )
    if activation_id is not None and not rows:
        raise ActivationNotFound(f"Postpaid activation {activation_id} not found")
    activations = [row[0] for row in rows]
    responses = await _responses(db, activations)
    addons = await PostpaidRepository(db).addons([a.activation_id for a in activations])
    details = [
        PostpaidActivationDetailResponse(
            **response.model_dump(),
            customer_id=row[0].customer_id,
            customer_name=row.full_name,
            customer_phone=row.phone_number,
            data_addons=[_addon_response(addon) for addon in addons[row[0].activation_id]],
        )
        for row, response in zip(rows, responses, strict=True)
    ]
    return details, total


async def secondary_validation(db: AsyncSession, activation_id: int) -> SecondaryValidation:
    repository = PostpaidRepository(db)
    activation = await repository.get(activation_id)
    if activation is None:
        raise ActivationNotFound(f"Postpaid activation {activation_id} not found")
    plan = await repository.plan(activation.plan_id)
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
    rows, total = await PostpaidRepository(db).due_payments(skip, limit)
    now = clock.now()
    return [
        DuePayment(
            **row._mapping,
            days_remaining=(row.due_date - now).days,
        )
        for row in rows
    ], total


async def customer_history(db: AsyncSession, customer_id: int) -> CustomerPostpaidHistory:
    repository = PostpaidRepository(db)
    summary = await repository.customer_summary(customer_id)
    if summary is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    activations, payments = await repository.history(customer_id)
    return CustomerPostpaidHistory(
        customer=CustomerSummary.model_validate(summary._mapping),
        activations=[
            HistoryActivation(
                activation_id=row[0].activation_id,
                plan_name=row.plan_name,
                primary_number=row[0].primary_number,
                status=row[0].status,
                billing_cycle_start=row[0].billing_cycle_start,
                billing_cycle_end=row[0].billing_cycle_end,
                total_amount_due=row[0].total_amount_due,
                data_used_gb=mb_to_gb(row[0].data_used_mb) or Decimal(0),
                secondary_numbers_count=row.secondary_numbers_count,
                active_addons_count=row.active_addons_count,
                created_at=row[0].created_at,
            )
            for row in activations
        ],
        payment_history=[HistoryPayment.model_validate(row._mapping) for row in payments],
    )
