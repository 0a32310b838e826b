"""Real commits, real concurrency (docs/decisions.md#invoice-numbering): 100 purchases at once
get 100 distinct, consecutive invoice numbers; a capture delivered many times at once is
invoiced once and takes one number; refunds at once get consecutive credit notes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from nexa.core import clock
from nexa.core.db import get_sessionmaker
from nexa.invoice.service import financial_year
from nexa.models import Invoice, InvoiceCounter, InvoiceKind
from tests.cleanup import CommittedSetup, committed_customer_and_plan, purge_admin
from tests.factories.accounts import DEFAULT_PASSWORD, make_admin, unique_phone
from tests.helpers import bearer, login_admin, login_customer
from tests.invoice.conftest import NUMBER
from tests.payment.conftest import assert_money_invariant, recharge_body, webhook

PURCHASES = 100


@pytest.fixture
async def shopper(
    committing_client: httpx.AsyncClient,
) -> AsyncIterator[tuple[CommittedSetup, dict[str, str]]]:
    setup = await committed_customer_and_plan(plan_name="Invoice race", price=Decimal("299.00"))
    tokens = await login_customer(committing_client, setup.phone_number, DEFAULT_PASSWORD)
    yield setup, bearer(tokens["access_token"])
    async with get_sessionmaker()() as db:
        await assert_money_invariant(db)
    await setup.purge()


async def last_number(series: str) -> int:
    async with get_sessionmaker()() as db:
        counter = await db.get(InvoiceCounter, (series, financial_year(clock.now())))
        return counter.last_value if counter else 0


async def documents(payment_ids: list[str]) -> list[Invoice]:
    async with get_sessionmaker()() as db:
        rows = await db.execute(
            select(Invoice).where(Invoice.payment_id.in_(payment_ids)).order_by(Invoice.invoice_id)
        )
        return list(rows.scalars())


async def test_100_concurrent_purchases_get_100_consecutive_invoice_numbers(
    committing_client: httpx.AsyncClient, shopper: tuple[CommittedSetup, dict[str, str]]
) -> None:
    setup, headers = shopper
    # one payer, a hundred numbers: the purchases wait for nothing but the invoice counter
    setup.extra_phones.extend(unique_phone() for _ in range(PURCHASES))
    before = await last_number("NX")
    answers = await asyncio.gather(
        *(
            committing_client.post(
                "/customer/recharge", json=recharge_body(setup.plan_id, phone), headers=headers
            )
            for phone in setup.extra_phones
        )
    )
    assert [answer.status_code for answer in answers] == [200] * PURCHASES
    invoices = await documents([answer.json()["payment_id"] for answer in answers])
    assert len(invoices) == PURCHASES
    assert {invoice.kind for invoice in invoices} == {InvoiceKind.invoice}
    numbers = [invoice.number for invoice in invoices]
    assert len(set(numbers)) == PURCHASES
    sequences = sorted(invoice.sequence for invoice in invoices)
    # consecutive from the series' last number before: no gap, nothing skipped or repeated
    assert sequences == list(range(before + 1, before + PURCHASES + 1))
    assert await last_number("NX") == before + PURCHASES
    year = financial_year(clock.now())
    for invoice in invoices:
        match = NUMBER.match(invoice.number)
        assert match and match.groups() == (year, f"{invoice.sequence:06d}")
        assert invoice.amount == invoice.taxable_value + invoice.igst == Decimal("299.00")
    # each transaction has its own invoice
    transactions = {answer.json()["transaction_id"] for answer in answers}
    assert {invoice.transaction_id for invoice in invoices} == transactions


@pytest.mark.usefixtures("pending_mode")
async def test_a_capture_delivered_eight_times_at_once_is_invoiced_once(
    committing_client: httpx.AsyncClient, shopper: tuple[CommittedSetup, dict[str, str]]
) -> None:
    setup, headers = shopper
    opened = await committing_client.post(
        "/customer/recharge", json=recharge_body(setup.plan_id, setup.phone_number), headers=headers
    )
    assert opened.status_code == 202
    payment_id = opened.json()["payment_id"]
    before = await last_number("NX")
    deliveries = [webhook(payment_id, "299.00") for _ in range(8)]  # eight distinct events
    answers = await asyncio.gather(
        *(
            committing_client.post("/payments/webhooks/simulated", content=body, headers=signed)
            for body, signed in deliveries
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 8
    [invoice] = await documents([payment_id])
    assert invoice.sequence == before + 1 == await last_number("NX")


async def test_refunds_at_once_get_consecutive_credit_notes_that_add_up(
    committing_client: httpx.AsyncClient, shopper: tuple[CommittedSetup, dict[str, str]]
) -> None:
    setup, headers = shopper
    bought = await committing_client.post(
        "/customer/recharge", json=recharge_body(setup.plan_id, setup.phone_number), headers=headers
    )
    assert bought.status_code == 200
    payment_id = bought.json()["payment_id"]
    async with get_sessionmaker()() as db, db.begin():
        admin = await make_admin(db)
    admin_headers = bearer((await login_admin(committing_client, admin))["access_token"])
    before = await last_number("NXCN")
    try:
        answers = await asyncio.gather(
            *(
                committing_client.post(
                    f"/admin/payments/{payment_id}/refund",
                    json={"amount": 10},
                    headers=admin_headers,
                )
                for _ in range(5)
            )
        )
        assert [answer.status_code for answer in answers] == [200] * 5
        [invoice, *notes] = await documents([payment_id])
        assert invoice.kind == InvoiceKind.invoice
        assert [note.sequence for note in notes] == list(range(before + 1, before + 6))
        assert all(note.credited_invoice_id == invoice.invoice_id for note in notes)
        assert sum(note.amount for note in notes) == Decimal("-50.00")
        assert sum(note.taxable_value + note.igst for note in notes) == Decimal("-50.00")
    finally:
        await setup.purge()  # the refunds name the admin
        await purge_admin(admin.admin_id)
