"""Paying a postpaid line's bills through the one checkout path
(docs/decisions.md#postpaid-payment, #payment-lifecycle): every unpaid bill of the activation
at once. While its payment is open no other payment for those bills can start; when it is
captured the bills are paid and a suspended line resumes with a fresh cycle; bills paid
meanwhile make the payment refunded instead (`CannotFulfil`). A refunded bill payment puts
the bills back as unpaid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.errors import BadRequest
from nexa.invoice.schemas import INVOICE_LINE, invoice_line
from nexa.models import BillStatus, NotificationType, PostpaidStatus, TransactionType
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment import service as payment_service
from nexa.payment.schemas import Order, PaymentPending, PaymentRecord
from nexa.postpaid import activations
from nexa.postpaid.repository import PostpaidRepository
from nexa.postpaid.schemas import BillPaymentRequest, BillPaymentResponse

if TYPE_CHECKING:
    from nexa.models import Customer


class NothingDue(BadRequest, code="nothing_due"): ...


async def pay_bills(
    db: AsyncSession, customer: Customer, data: BillPaymentRequest, idempotency_key: str | None
) -> BillPaymentResponse | PaymentPending:
    """Pay every unpaid bill of the activation at once; a suspended plan resumes."""
    answer = await payment_service.checkout(
        db,
        customer.customer_id,
        key=idempotency_key,
        endpoint="POST /customer/postpaid/pay-bill",
        request=lambda: data.model_dump(mode="json"),
        price=lambda: _price(db, customer, data),
    )
    assert isinstance(answer, BillPaymentResponse | PaymentPending)
    return answer


async def _price(db: AsyncSession, customer: Customer, data: BillPaymentRequest) -> Order:
    activation = await activations.viewable_activation(
        db, customer, data.activation_id, for_update=True
    )
    bills = await PostpaidRepository(db).bills(activation.activation_id, unpaid_only=True)
    if not bills:
        raise NothingDue("Nothing is due: the current cycle is billed when it ends")
    return Order(
        payer_id=customer.customer_id,
        order_type=TransactionType.postpaid_bill_payment,
        recipient_phone_number=activation.primary_number,
        plan_id=activation.plan_id,
        payment_method=data.payment_method,
        original_amount=sum((bill.total_amount for bill in bills), Decimal("0.00")),
        description=f"the postpaid bill of {activation.primary_number}",
        order_ref=f"postpaid_activation:{activation.activation_id}",
        details={
            "activation_id": activation.activation_id,
            "bill_ids": [bill.bill_id for bill in bills],
            "bill_id": bills[-1].bill_id,
            INVOICE_LINE: invoice_line(
                period=(bills[0].cycle_start, bills[-1].cycle_end),
                bill_ids=[bill.bill_id for bill in bills],
            ),
        },
    )


@dataclass(frozen=True)
class BillsPaid:
    activation_id: int
    primary_number: str
    bills: list[int]
    status: PostpaidStatus
    resumed: bool


def _response(payment: PaymentRecord, paid: object) -> BillPaymentResponse:
    assert isinstance(paid, BillsPaid) and payment.transaction_id is not None
    return BillPaymentResponse(
        message="Bill paid" + ("; service resumed" if paid.resumed else ""),
        activation_id=paid.activation_id,
        primary_number=paid.primary_number,
        transaction_id=payment.transaction_id,
        amount_paid=payment.amount,
        bills_paid=paid.bills,
        status=paid.status,
        payment_id=payment.payment_id,
    )


class BillFulfiller:
    """Marks the bills of a captured bill payment paid."""

    async def fulfil(self, db: AsyncSession, payment: PaymentRecord) -> BillsPaid:
        repository, now = PostpaidRepository(db), clock.now()
        activation = await repository.activation(
            payment.order_details["activation_id"], for_update=True
        )
        assert activation is not None and payment.transaction_id is not None
        wanted = set(payment.order_details["bill_ids"])
        unpaid = await repository.bills(activation.activation_id, unpaid_only=True, for_update=True)
        bills = [bill for bill in unpaid if bill.bill_id in wanted]
        if len(bills) != len(wanted):
            raise payment_service.CannotFulfil("the bills were paid meanwhile")
        for bill in bills:
            bill.status, bill.paid_at = BillStatus.paid, now
            bill.paid_transaction_id = payment.transaction_id
        activation.total_amount_due = max(
            Decimal("0.00"), activation.total_amount_due - payment.amount
        )
        resumed = activation.status == PostpaidStatus.suspended
        if resumed:
            # service resumes with a fresh cycle from the moment of payment
            await repository.expire_open_addons(activation.activation_id)
            activation.status = PostpaidStatus.active
            activation.suspended_at = None
            activation.billing_cycle_start = now
            activation.billing_cycle_end = now + activations.cycle_length()
            activation.base_balance_mb = activation.base_data_allowance_mb
            activation.data_used_mb = 0
        await notification_service.notify(
            db,
            Alert(
                payment.customer_id,
                NotificationType.payment_success,
                "Bill paid",
                f"₹{payment.amount} paid for {activation.primary_number}."
                + (" Your postpaid service is active again." if resumed else ""),
            ),
        )
        await db.flush()
        return BillsPaid(
            activation.activation_id,
            activation.primary_number,
            [bill.bill_id for bill in bills],
            activation.status,
            resumed,
        )

    def answer(self, payment: PaymentRecord, delivered: object) -> BillPaymentResponse:
        return _response(payment, delivered)

    async def release(self, db: AsyncSession, payment: PaymentRecord) -> None:
        """Nothing is held: the open payment only kept others from paying the same bills."""

    async def reverse(self, db: AsyncSession, payment: PaymentRecord) -> None:
        """A refunded bill payment: its bills are due again."""
        repository = PostpaidRepository(db)
        activation = await repository.activation(
            payment.order_details["activation_id"], for_update=True
        )
        assert activation is not None
        paid = set(payment.order_details["bill_ids"])
        for bill in await repository.bills(activation.activation_id, for_update=True):
            if bill.bill_id in paid and bill.paid_transaction_id == payment.transaction_id:
                bill.status, bill.paid_at, bill.paid_transaction_id = BillStatus.unpaid, None, None
        activation.total_amount_due += payment.amount
        await db.flush()
