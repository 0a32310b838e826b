"""Tax invoices through the API: one per captured payment, numbered in its financial year's
series, its GST lines adding up to the amount paid, as JSON and as a PDF whose text says so;
a customer's own only; a bill's invoice; none for a declined payment, one for a repeated
capture; the series restarting at 000001 when the financial year changes.
docs/decisions.md#invoice-numbering, #gst-split, #invoice-access"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.invoice import service as invoice_service
from nexa.invoice.schemas import Sale
from nexa.models import Invoice, InvoiceCounter, Payment, Plan
from tests.factories.accounts import make_customer, unique_phone
from tests.factories.payments import make_captured_payment
from tests.helpers import bearer, login_customer
from tests.invoice.conftest import (
    NUMBER,
    OPERATOR_STATE,
    buy,
    lines_sum,
    open_pending,
    pdf_text,
    set_state,
    tax_lines,
    total_of,
)
from tests.payment.conftest import recharge_body, webhook
from tests.postpaid.conftest import activate
from tests.recharge.conftest import Buyer, make_plan

INDIA = ZoneInfo("Asia/Kolkata")


async def invoices_of(db: AsyncSession, payment_id: str) -> list[Invoice]:
    rows = await db.execute(
        select(Invoice)
        .where(Invoice.payment_id == payment_id)
        .order_by(Invoice.invoice_id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def test_a_recharge_gets_a_numbered_invoice_whose_lines_add_up_json_and_pdf(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("299.00"), plan_name="Unlimited 299")
    paid = await buy(client, buyer, plan.plan_id)

    response = await client.get(
        f"/customer/transactions/{paid['transaction_id']}/invoice", headers=buyer.headers
    )
    assert response.status_code == 200, response.text
    invoice = response.json()
    settings = get_settings()
    year = invoice_service.financial_year(clock.now())
    match = NUMBER.match(invoice["number"])
    assert match and match.group(1) == year == invoice["financial_year"]
    assert int(match.group(2)) == invoice["sequence"]
    assert (invoice["kind"], invoice["title"]) == ("invoice", "Tax invoice")
    assert (invoice["transaction_id"], invoice["payment_id"]) == (
        paid["transaction_id"],
        paid["payment_id"],
    )
    assert invoice["customer"] == {
        "customer_id": buyer.customer_id,
        "name": invoice["customer"]["name"],
        "phone_number": buyer.phone_number,
    }
    assert invoice["supplier"]["gstin"] == settings.gstin
    assert (invoice["plan_name"], invoice["validity_days"]) == ("Unlimited 299", 28)
    assert invoice["sac"] == "998413" and invoice["tax_rate"] == 18.0
    # no state given: inter-state tax, IGST 18 %
    assert (invoice["place_of_supply"], invoice["tax_type"]) == (None, "igst")
    assert (invoice["amount"], invoice["taxable_value"], invoice["igst"]) == (299.0, 253.39, 45.61)
    assert invoice["cgst"] == invoice["sgst"] == 0.0
    assert invoice["credit_notes"] == [] and invoice["net_amount"] == 299.0
    assert invoice["pdf_path"] == f"/customer/invoices/{invoice['invoice_id']}.pdf"

    pdf = await client.get(
        f"/customer/transactions/{paid['transaction_id']}/invoice.pdf", headers=buyer.headers
    )
    text = pdf_text(pdf)
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="{invoice["number"].replace("/", "-")}.pdf"'
    )
    assert pdf.headers["cache-control"] == "private, no-store"
    for expected in (
        "TAX INVOICE",
        invoice["number"],
        settings.gstin,
        settings.operator_name,
        "998413",
        "Unlimited 299",
        "Validity: 28 days",
        buyer.phone_number,
        invoice["customer"]["name"],
    ):
        assert expected in text, expected
    lines = tax_lines(text)
    assert set(lines) == {"Taxable value", "IGST @ 18%", "Total (GST included)"}
    assert lines_sum(lines) == total_of(lines) == Decimal(str(paid["final_amount"]))
    # the same document by its id
    by_id = await client.get(invoice["pdf_path"], headers=buyer.headers)
    assert by_id.content == pdf.content


async def test_a_customer_in_the_operators_state_pays_cgst_and_sgst(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    await set_state(client, buyer, OPERATOR_STATE)
    plan = await make_plan(db, price=Decimal("599.00"))
    paid = await buy(client, buyer, plan.plan_id)
    invoice = (
        await client.get(
            f"/customer/transactions/{paid['transaction_id']}/invoice", headers=buyer.headers
        )
    ).json()
    assert (invoice["place_of_supply"], invoice["place_of_supply_name"]) == ("29", "Karnataka")
    assert invoice["tax_type"] == "cgst_sgst" and invoice["igst"] == 0.0
    # docs/decisions.md#example-gst-invoice: 599 / 1.18 = 507.627…, tax 91.37, halved 45.685
    assert (invoice["taxable_value"], invoice["cgst"], invoice["sgst"]) == (507.63, 45.69, 45.68)

    text = pdf_text(
        await client.get(
            f"/customer/transactions/{paid['transaction_id']}/invoice.pdf", headers=buyer.headers
        )
    )
    assert "Place of supply: Karnataka (29)" in text
    lines = tax_lines(text)
    assert set(lines) == {"Taxable value", "CGST @ 9%", "SGST @ 9%", "Total (GST included)"}
    assert lines_sum(lines) == total_of(lines) == Decimal("599.00")


async def test_another_state_pays_igst_and_the_invoice_keeps_the_state_it_was_issued_with(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    await set_state(client, buyer, "27")
    plan = await make_plan(db, price=Decimal("239.00"))
    paid = await buy(client, buyer, plan.plan_id)
    await set_state(client, buyer, OPERATOR_STATE)  # later changes touch no issued invoice
    path = f"/customer/transactions/{paid['transaction_id']}/invoice"
    invoice = (await client.get(path, headers=buyer.headers)).json()
    assert (invoice["place_of_supply"], invoice["tax_type"]) == ("27", "igst")
    lines = tax_lines(pdf_text(await client.get(f"{path}.pdf", headers=buyer.headers)))
    assert set(lines) == {"Taxable value", "IGST @ 18%", "Total (GST included)"}
    assert lines_sum(lines) == Decimal("239.00")


@pytest.mark.parametrize("state_code", ["25", "28", "99", "00", "2", "290", "KA", 29])
async def test_an_unknown_state_code_is_a_clear_422(
    client: httpx.AsyncClient, buyer: Buyer, state_code: object
) -> None:
    response = await client.put(
        "/customer/profile", json={"state_code": state_code}, headers=buyer.headers
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "state_code"]
    profile = (await client.get("/customer/profile", headers=buyer.headers)).json()
    assert profile["state_code"] is None


async def test_the_state_code_can_be_given_changed_and_forgotten(
    client: httpx.AsyncClient, buyer: Buyer
) -> None:
    await set_state(client, buyer, "07")
    await set_state(client, buyer, "33")
    renamed = await client.put(
        "/customer/profile", json={"full_name": "New Name"}, headers=buyer.headers
    )
    assert renamed.json()["state_code"] == "33"  # left out: kept
    await set_state(client, buyer, None)


async def test_only_the_customer_reads_their_invoice_staff_read_any(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("199.00"))
    paid = await buy(client, buyer, plan.plan_id)
    transaction_id = paid["transaction_id"]
    invoice = (
        await client.get(f"/customer/transactions/{transaction_id}/invoice", headers=buyer.headers)
    ).json()
    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other))["access_token"])
    for path in (
        f"/customer/transactions/{transaction_id}/invoice",
        f"/customer/transactions/{transaction_id}/invoice.pdf",
        f"/customer/invoices/{invoice['invoice_id']}",
        f"/customer/invoices/{invoice['invoice_id']}.pdf",
        "/customer/transactions/987654321/invoice",
        "/customer/invoices/987654321.pdf",
    ):
        refused = await client.get(path, headers=other_headers)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found"), path
        assert (await client.get(path)).status_code == 401
    mine = await client.get("/customer/invoices", headers=other_headers)
    assert mine.json() == [] and mine.headers["x-total-count"] == "0"
    listed = await client.get("/customer/invoices", headers=buyer.headers)
    assert [row["number"] for row in listed.json()] == [invoice["number"]]

    # staff: the same document, with admin download paths; a customer token is refused
    admin_view = await client.get(
        f"/admin/transactions/{transaction_id}/invoice", headers=admin_headers
    )
    assert admin_view.status_code == 200
    assert admin_view.json()["number"] == invoice["number"]
    assert admin_view.json()["pdf_path"] == f"/admin/invoices/{invoice['invoice_id']}.pdf"
    admin_pdf = await client.get(admin_view.json()["pdf_path"], headers=admin_headers)
    assert invoice["number"] in pdf_text(admin_pdf)
    refused = await client.get(f"/admin/invoices/{invoice['invoice_id']}", headers=buyer.headers)
    assert refused.status_code == 403
    assert (await client.get("/admin/invoices")).status_code == 401
    found = await client.get(
        "/admin/invoices",
        params={"customer_id": buyer.customer_id, "kind": "invoice"},
        headers=admin_headers,
    )
    assert [row["number"] for row in found.json()] == [invoice["number"]]
    assert found.headers["x-total-count"] == "1"
    year = invoice["financial_year"]
    none = await client.get(
        "/admin/invoices",
        params={"customer_id": buyer.customer_id, "kind": "credit_note", "financial_year": year},
        headers=admin_headers,
    )
    assert none.json() == []


async def test_a_declined_payment_gets_no_invoice(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    plan = await make_plan(db, price=Decimal("149.00"))
    declined = await client.post(
        "/customer/recharge",
        json=recharge_body(plan.plan_id, buyer.phone_number),
        headers=buyer.headers,
    )
    assert declined.status_code == 402
    body = declined.json()
    assert await invoices_of(db, body["payment_id"]) == []
    missing = await client.get(
        f"/customer/transactions/{body['transaction_id']}/invoice", headers=buyer.headers
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


@pytest.mark.usefixtures("pending_mode")
async def test_a_capture_sent_again_and_a_failure_after_it_issue_one_invoice(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("349.00"))
    payment_id = await open_pending(client, buyer, plan.plan_id)
    assert await invoices_of(db, payment_id) == []  # pending: nothing received yet
    year = invoice_service.financial_year(clock.now())
    counter = await db.get(InvoiceCounter, ("NX", year), populate_existing=True)
    before = counter.last_value if counter else 0
    for kind, event_id in (
        ("payment.captured", "evt-1"),
        ("payment.captured", "evt-1"),  # the same event delivered again
        ("payment.captured", "evt-2"),  # another capture event of the same payment
        ("payment.failed", "evt-3"),  # stale news
    ):
        body, headers = webhook(payment_id, "349.00", kind, event_id=event_id)
        sent = await client.post("/payments/webhooks/simulated", content=body, headers=headers)
        assert sent.status_code == 200, sent.text
    [invoice] = await invoices_of(db, payment_id)
    assert invoice.amount == Decimal("349.00")
    after = await db.get(InvoiceCounter, ("NX", year), populate_existing=True)
    assert after is not None and after.last_value == before + 1
    assert invoice.sequence == after.last_value  # no number taken for the repeats


async def test_a_postpaid_bill_payment_is_invoiced_at_the_bill(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    postpaid_plan: Plan,
) -> None:
    activation = await activate(client, buyer, postpaid_plan.plan_id)
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 31 * 86400}, headers=admin_headers
    )
    assert moved.status_code == 200
    [bill] = (await client.get("/customer/postpaid/bills", headers=buyer.headers)).json()
    paid = await client.post(
        "/customer/postpaid/pay-bill",
        json={"activation_id": activation["activation_id"], "payment_method": "upi"},
        headers=buyer.headers,
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["bills_paid"] == [bill["bill_id"]]

    path = f"/customer/postpaid/bills/{bill['bill_id']}/invoice"
    invoice = (await client.get(path, headers=buyer.headers)).json()
    assert invoice["order_type"] == "postpaid_bill_payment"
    assert invoice["bill_ids"] == [bill["bill_id"]]
    assert invoice["transaction_id"] == paid.json()["transaction_id"]
    assert invoice["amount"] == paid.json()["amount_paid"] == 399.0
    assert invoice["period_start"] == bill["billing_cycle_start"].replace("+00:00", "Z")
    text = pdf_text(await client.get(f"{path}.pdf", headers=buyer.headers))
    assert invoice["number"] in text and "998413" in text
    start = datetime.fromisoformat(bill["billing_cycle_start"]).astimezone(INDIA)
    assert f"Billing period: {start:%d %b %Y} to " in text
    lines = tax_lines(text)
    assert lines_sum(lines) == total_of(lines) == Decimal("399.00")
    # the same invoice at the transaction; staff read it at the bill too
    by_transaction = await client.get(
        f"/customer/transactions/{paid.json()['transaction_id']}/invoice", headers=buyer.headers
    )
    assert by_transaction.json()["invoice_id"] == invoice["invoice_id"]
    staff = await client.get(
        f"/admin/postpaid/bills/{bill['bill_id']}/invoice.pdf", headers=admin_headers
    )
    assert invoice["number"] in pdf_text(staff)
    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other))["access_token"])
    assert (await client.get(path, headers=other_headers)).status_code == 404


async def test_the_series_restarts_at_000001_when_the_financial_year_changes(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("99.00"), validity_days=1)
    first = await buy(client, buyer, plan.plan_id, unique_phone())
    year = invoice_service.financial_year(clock.now())
    # to 1 April 00:05 India time of the next financial year
    start = int(year[:4]) + 1
    target = datetime(start, 4, 1, 0, 5, tzinfo=INDIA).astimezone(UTC)
    moved = await client.post(
        "/admin/test-clock", json={"set_to": target.isoformat()}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text
    new_year = f"{start}-{(start + 1) % 100:02d}"
    second = await buy(client, buyer, plan.plan_id, unique_phone())
    third = await buy(client, buyer, plan.plan_id, unique_phone())

    numbers = []
    for paid in (first, second, third):
        invoice = await client.get(
            f"/customer/transactions/{paid['transaction_id']}/invoice", headers=buyer.headers
        )
        numbers.append(invoice.json()["number"])
    assert numbers[0].startswith(f"NX/{year}/")
    assert numbers[1:] == [f"NX/{new_year}/000001", f"NX/{new_year}/000002"]


async def test_a_rolled_back_invoice_gives_its_number_back(db: AsyncSession) -> None:
    customer = await make_customer(db)
    plan = await make_plan(db, price=Decimal("50.00"))
    now = clock.now()
    payments: list[Payment] = [
        await make_captured_payment(
            db,
            customer_id=customer.customer_id,
            phone_number=customer.phone_number,
            plan_id=plan.plan_id,
            amount="50.00",
            at=now,
        )
        for _ in range(2)
    ]

    def sale(payment: Payment) -> Sale:
        return Sale(
            payment_id=payment.payment_id,
            transaction_id=payment.transaction_id,
            customer_id=customer.customer_id,
            order_type=payment.order_type,
            recipient_phone_number=customer.phone_number,
            description="test",
            amount=payment.amount,
            line={},
        )

    savepoint = await db.begin_nested()
    abandoned = await invoice_service.issue_invoice(db, sale(payments[0]), now)
    abandoned_number = (await db.get(Invoice, abandoned)).number  # type: ignore[union-attr]
    await savepoint.rollback()
    kept = await invoice_service.issue_invoice(db, sale(payments[1]), now)
    assert (await db.get(Invoice, kept)).number == abandoned_number  # type: ignore[union-attr]
    year = invoice_service.financial_year(now)
    counter = await db.get(InvoiceCounter, ("NX", year), populate_existing=True)
    assert counter is not None and f"NX/{year}/{counter.last_value:06d}" == abandoned_number
    again = await invoice_service.issue_invoice(db, sale(payments[1]), now)
    assert again is None  # invoiced already: nothing issued, no number taken
    counter = await db.get(InvoiceCounter, ("NX", year), populate_existing=True)
    assert counter is not None and f"NX/{year}/{counter.last_value:06d}" == abandoned_number
    issued = await db.execute(select(func.count()).where(Invoice.number == abandoned_number))
    assert issued.scalar_one() == 1


async def test_a_name_outside_latin_1_is_kept_in_json_and_printable_in_the_pdf(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db, full_name="आशा Rao ﬁ 🙂")
    headers = bearer((await login_customer(client, customer))["access_token"])
    payer = Buyer(customer.customer_id, customer.phone_number, headers)
    plan = await make_plan(db, price=Decimal("10.00"))
    paid = await buy(client, payer, plan.plan_id)
    path = f"/customer/transactions/{paid['transaction_id']}/invoice"
    assert (await client.get(path, headers=headers)).json()["customer"]["name"] == "आशा Rao ﬁ 🙂"
    text = pdf_text(await client.get(f"{path}.pdf", headers=headers))
    assert "??? Rao fi ?" in text  # the ligature folded, other scripts as "?"
    assert lines_sum(tax_lines(text)) == Decimal("10.00")
