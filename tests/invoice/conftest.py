"""Invoice tests: the payment tests' buyer, admin, signed webhooks and money invariant, and
helpers that read an invoice's PDF back as text and its tax lines as amounts."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import httpx
from pypdf import PdfReader

from tests.payment.conftest import (  # noqa: F401 (fixtures, used by the tests)
    _money_invariant,
    admin_headers,
    buyer,
    pending_mode,
    recharge_body,
)
from tests.postpaid.conftest import postpaid_plan  # noqa: F401 (a fixture)
from tests.recharge.conftest import Buyer

# the operator's state in the tests' settings (the placeholder default)
OPERATOR_STATE = "29"
NUMBER = re.compile(r"^NX/(\d{4}-\d{2})/(\d{6,})$")
CREDIT_NOTE_NUMBER = re.compile(r"^NXCN/(\d{4}-\d{2})/(\d{6,})$")
_LINE = re.compile(
    r"^(Taxable value|CGST @ 9%|SGST @ 9%|IGST @ 18%|Total \(GST included\)|Total credited)"
    r" (-?)Rs\. ([\d,]+\.\d{2})$",
    re.MULTILINE,
)


async def purchase(
    client: httpx.AsyncClient, payer: Buyer, plan_id: int, phone: str | None, status: int
) -> dict[str, Any]:
    response = await client.post(
        "/customer/recharge",
        json=recharge_body(plan_id, phone or payer.phone_number),
        headers=payer.headers,
    )
    assert response.status_code == status, response.text
    return dict(response.json())


async def buy(
    client: httpx.AsyncClient, payer: Buyer, plan_id: int, phone: str | None = None
) -> dict[str, Any]:
    """A recharge the simulator approves at once."""
    return await purchase(client, payer, plan_id, phone, 200)


async def open_pending(client: httpx.AsyncClient, payer: Buyer, plan_id: int) -> str:
    """A recharge left pending (`pending_mode`): its payment id."""
    return str((await purchase(client, payer, plan_id, None, 202))["payment_id"])


async def set_state(client: httpx.AsyncClient, customer: Buyer, state_code: str | None) -> None:
    response = await client.put(
        "/customer/profile", json={"state_code": state_code}, headers=customer.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["state_code"] == state_code


def pdf_text(response: httpx.Response) -> str:
    """The text of a PDF answer, checked to be a PDF attachment first."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def tax_lines(text: str) -> dict[str, Decimal]:
    """The money lines printed on a PDF: label -> amount (negative on a credit note)."""
    lines = {
        label: Decimal(f"{sign}{amount.replace(',', '')}")
        for label, sign, amount in _LINE.findall(text)
    }
    assert "Taxable value" in lines, text
    return lines


def total_of(lines: dict[str, Decimal]) -> Decimal:
    return lines.get("Total (GST included)", lines.get("Total credited", Decimal("NaN")))


def lines_sum(lines: dict[str, Decimal]) -> Decimal:
    """Taxable value plus the tax lines (the total is left out)."""
    return sum(
        (amount for label, amount in lines.items() if not label.startswith("Total")),
        Decimal("0.00"),
    )
