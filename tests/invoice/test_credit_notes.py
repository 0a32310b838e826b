"""Credit notes (docs/decisions.md#credit-notes): a processed refund — at once, or by its
webhook — gives a credit note in its own series against the payment's invoice; partial
refunds give partial notes that together negate the invoice exactly; the customer downloads
both, nobody else; late and undeliverable captures are invoiced, and credited when refunded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.invoice import service as invoice_service
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer
from tests.invoice.conftest import (
    CREDIT_NOTE_NUMBER,
    OPERATOR_STATE,
    buy,
    lines_sum,
    open_pending,
    pdf_text,
    set_state,
    tax_lines,
    total_of,
)
from tests.payment.conftest import webhook
from tests.recharge.conftest import Buyer, make_plan

LINES = ("amount", "taxable_value", "cgst", "sgst", "igst")


async def refund(
    client: httpx.AsyncClient, admin_headers: dict[str, str], payment_id: str, amount: str | None
) -> dict[str, Any]:
    body = {"reason": "Customer asked"} | ({"amount": float(amount)} if amount else {})
    response = await client.post(
        f"/admin/payments/{payment_id}/refund", json=body, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def invoice_of(
    client: httpx.AsyncClient, buyer: Buyer, transaction_id: int
) -> dict[str, Any]:
    response = await client.get(
        f"/customer/transactions/{transaction_id}/invoice", headers=buyer.headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def send(
    client: httpx.AsyncClient, payment_id: str, amount: str, kind: str = "payment.captured"
) -> httpx.Response:
    body, headers = webhook(payment_id, amount, kind, event_id=f"evt-{kind}-{amount}")
    return await client.post("/payments/webhooks/simulated", content=body, headers=headers)


async def documents_of(
    client: httpx.AsyncClient, admin_headers: dict[str, str], payment_id: str, **filters: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/admin/invoices", params={"payment_id": payment_id, **filters}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def cents(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def test_a_full_refund_gives_a_credit_note_that_negates_the_invoice(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    await set_state(client, buyer, OPERATOR_STATE)
    plan = await make_plan(db, price=Decimal("599.00"))
    paid = await buy(client, buyer, plan.plan_id)
    await refund(client, admin_headers, paid["payment_id"], None)  # processed at once

    invoice = await invoice_of(client, buyer, paid["transaction_id"])
    [ref] = invoice["credit_notes"]
    assert invoice["net_amount"] == 0.0
    match = CREDIT_NOTE_NUMBER.match(ref["number"])
    assert match and match.group(1) == invoice_service.financial_year(clock.now())
    assert (ref["kind"], ref["amount"]) == ("credit_note", -599.0)

    note = (await client.get(ref["json_path"], headers=buyer.headers)).json()
    assert (note["kind"], note["title"]) == ("credit_note", "Credit note")
    assert note["credit_note_for"]["number"] == invoice["number"]
    assert note["credit_note_for"]["invoice_id"] == invoice["invoice_id"]
    assert note["refund_id"] is not None
    # every line the exact opposite of the invoice's; the same place of supply and tax
    assert {line: note[line] for line in LINES} == {line: -invoice[line] for line in LINES}
    assert (note["place_of_supply"], note["tax_type"]) == ("29", "cgst_sgst")
    assert (note["payment_id"], note["transaction_id"]) == (
        invoice["payment_id"],
        invoice["transaction_id"],
    )
    assert note["customer"] == invoice["customer"]

    # the customer downloads both as PDFs
    invoice_text = pdf_text(await client.get(invoice["pdf_path"], headers=buyer.headers))
    assert ref["number"] in invoice_text  # the invoice names its credit note
    text = pdf_text(await client.get(ref["pdf_path"], headers=buyer.headers))
    assert "CREDIT NOTE" in text and ref["number"] in text
    assert f"Against invoice {invoice['number']}" in text
    assert "998413" in text and note["supplier"]["gstin"] in text
    lines = tax_lines(text)
    assert set(lines) == {"Taxable value", "CGST @ 9%", "SGST @ 9%", "Total credited"}
    assert lines_sum(lines) == total_of(lines) == Decimal("-599.00")
    assert lines == {
        "Taxable value": -cents(invoice["taxable_value"]),
        "CGST @ 9%": -cents(invoice["cgst"]),
        "SGST @ 9%": -cents(invoice["sgst"]),
        "Total credited": Decimal("-599.00"),
    }

    # nobody else reads either
    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other))["access_token"])
    for path in (ref["json_path"], ref["pdf_path"], invoice["pdf_path"]):
        refused = await client.get(path, headers=other_headers)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    # staff list the year's credit notes with the invoice's payment
    listed = await client.get(
        "/admin/invoices",
        params={"payment_id": paid["payment_id"], "kind": "credit_note"},
        headers=admin_headers,
    )
    assert [row["number"] for row in listed.json()] == [ref["number"]]
    assert listed.json()[0]["pdf_path"] == f"/admin/invoices/{ref['invoice_id']}.pdf"


async def test_partial_refunds_give_partial_credit_notes_that_add_up_to_the_invoice(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("299.00"))
    paid = await buy(client, buyer, plan.plan_id)
    for amount in ("100.00", "0.01", "50.50", None):  # the last: all that is left
        await refund(client, admin_headers, paid["payment_id"], amount)

    invoice = await invoice_of(client, buyer, paid["transaction_id"])
    refs = invoice["credit_notes"]
    assert [ref["amount"] for ref in refs] == [-100.0, -0.01, -50.5, -148.49]
    sequences = [int(CREDIT_NOTE_NUMBER.match(ref["number"]).group(2)) for ref in refs]
    assert sequences == list(range(sequences[0], sequences[0] + 4))  # consecutive
    notes = [(await client.get(ref["json_path"], headers=buyer.headers)).json() for ref in refs]
    for note in notes:
        assert note["credit_note_for"]["number"] == invoice["number"]
        assert note["tax_type"] == "igst"  # as the invoice: no state given
        assert cents(note["taxable_value"]) + cents(note["igst"]) == cents(note["amount"])
    # docs/decisions.md#example-gst-invoice: the first is the split of its own amount
    assert [(note["taxable_value"], note["igst"]) for note in notes] == [
        (-84.75, -15.25),
        (0.0, -0.01),
        (-42.8, -7.7),
        (-125.84, -22.65),
    ]
    # together they negate the invoice, line by line, to the paisa
    for line in LINES:
        assert sum(cents(note[line]) for note in notes) == -cents(invoice[line]), line
    assert invoice["net_amount"] == 0.0
    for ref in refs:
        lines = tax_lines(pdf_text(await client.get(ref["pdf_path"], headers=buyer.headers)))
        assert lines_sum(lines) == total_of(lines) == cents(ref["amount"])


async def test_a_partial_refund_leaves_the_rest_of_the_invoice(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("199.00"))
    paid = await buy(client, buyer, plan.plan_id)
    await refund(client, admin_headers, paid["payment_id"], "49.00")
    invoice = await invoice_of(client, buyer, paid["transaction_id"])
    [ref] = invoice["credit_notes"]
    assert (ref["amount"], invoice["net_amount"]) == (-49.0, 150.0)


@pytest.mark.usefixtures("pending_mode")
async def test_a_refund_completed_by_its_webhook_gets_its_credit_note_then(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("449.00"))
    payment_id = await open_pending(client, buyer, plan.plan_id)
    assert (await send(client, payment_id, "449.00")).is_success
    asked = await refund(client, admin_headers, payment_id, "49.00")
    assert asked["refunds"][0]["status"] == "pending"
    transaction_id = asked["transaction_id"]
    assert (await invoice_of(client, buyer, transaction_id))["credit_notes"] == []  # not yet

    assert (await send(client, payment_id, "49.00", "refund.processed")).is_success
    again = await send(client, payment_id, "49.00", "refund.processed")
    assert again.json()["duplicate"] is True  # the same event again changes nothing
    [ref] = (await invoice_of(client, buyer, transaction_id))["credit_notes"]
    assert ref["amount"] == -49.0


@pytest.mark.usefixtures("pending_mode")
async def test_a_late_capture_is_invoiced_and_its_automatic_refund_credited(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("399.00"))
    payment_id = await open_pending(client, buyer, plan.plan_id)
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 73 * 3600}, headers=admin_headers
    )
    assert moved.json()["jobs_run"]["payment_expiry"] == 1  # failed: nothing received
    assert await documents_of(client, admin_headers, payment_id) == []

    # the customer paid after all: money was received (invoice), and goes back (credit note)
    assert (await send(client, payment_id, "399.00")).is_success
    [invoice] = (
        await client.get(
            "/admin/invoices", params={"payment_id": payment_id}, headers=admin_headers
        )
    ).json()
    assert (invoice["kind"], invoice["amount"]) == ("invoice", 399.0)
    assert (await send(client, payment_id, "399.00", "refund.processed")).is_success
    documents = (
        await client.get(
            "/admin/invoices", params={"payment_id": payment_id}, headers=admin_headers
        )
    ).json()
    assert sorted((d["kind"], d["amount"]) for d in documents) == [
        ("credit_note", -399.0),
        ("invoice", 399.0),
    ]
    # the customer reads both: the invoice by id (the failed attempt's ledger row is not it)
    mine = await client.get(
        invoice["json_path"].replace("/admin", "/customer"), headers=buyer.headers
    )
    assert mine.json()["net_amount"] == 0.0


@pytest.mark.usefixtures("pending_mode")
async def test_an_order_that_cannot_be_delivered_is_invoiced_and_credited(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("249.00"))
    payment_id = await open_pending(client, buyer, plan.plan_id)
    withdrawn = await client.post(f"/admin/plans/{plan.plan_id}/deactivate", headers=admin_headers)
    assert withdrawn.status_code == 200
    assert (await send(client, payment_id, "249.00")).is_success
    assert (await send(client, payment_id, "249.00", "refund.processed")).is_success
    [invoice] = await documents_of(client, admin_headers, payment_id, kind="invoice")
    [ref] = invoice["credit_notes"]
    assert (invoice["amount"], ref["amount"], invoice["net_amount"]) == (249.0, -249.0, 0.0)
