"""Connects domains that must not import each other (docs/decisions.md#boundaries): the
payment domain delivers a captured order through the `Fulfiller` of the domain that sold it,
and the invoice it issues then reads the customer through the customer domain's step (the
customer domain uses payments, which use invoices). The API (`nexa/api.py`) and the job
worker (`nexa/jobs.py`) wire them at start.
"""

from __future__ import annotations

from nexa.customer import service as customer_service
from nexa.invoice import service as invoice_service
from nexa.models import TransactionType
from nexa.payment import service as payment_service
from nexa.postpaid.bill_payment import BillFulfiller
from nexa.recharge.purchase import PREPAID_ORDERS, PrepaidFulfiller


def wire() -> None:
    payment_service.register_fulfiller(PREPAID_ORDERS, PrepaidFulfiller())
    payment_service.register_fulfiller([TransactionType.postpaid_bill_payment], BillFulfiller())
    invoice_service.register_buyer_step(customer_service.step_reading_buyer)
