"""The Razorpay adapter against a local fake of Razorpay's HTTP API (real HTTP, no mocks)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from nexa.core.config import get_settings
from nexa.models import PaymentMethod
from nexa.payment.providers import razorpay
from nexa.payment.providers.base import (
    PaymentIntent,
    PaymentReference,
    ProviderUnavailable,
    WebhookIgnored,
    WebhookMalformed,
    WebhookRejected,
)
from nexa.payment.providers.razorpay import RazorpayProvider, sign, to_paise, to_rupees
from tests.live import free_port
from tests.payment.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, serve_fake_razorpay

WEBHOOK_SECRET = "whsec-test-razorpay"
PROVIDER = RazorpayProvider()
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeRazorpay, str]]:
    with serve_fake_razorpay() as fake_and_url:
        yield fake_and_url


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and webhook secret as an operator sets them (settings are read once per process)."""
    settings = get_settings()
    monkeypatch.setattr(settings, "razorpay_key_id", KEY_ID)
    monkeypatch.setattr(settings, "razorpay_key_secret", KEY_SECRET)
    monkeypatch.setattr(settings, "razorpay_webhook_secret", WEBHOOK_SECRET)


@pytest.fixture
def fake(
    served: tuple[FakeRazorpay, str], configured: None, monkeypatch: pytest.MonkeyPatch
) -> FakeRazorpay:
    fake, url = served
    fake.reset()
    monkeypatch.setattr(get_settings(), "razorpay_api_url", url)
    return fake


def intent(payment_id: str = "pay_nexa0001", amount: str = "299.00") -> PaymentIntent:
    return PaymentIntent(
        payment_id=payment_id,
        amount=Decimal(amount),
        currency="INR",
        method=PaymentMethod.upi,
        customer_id=42,
        description="Plan 299",
    )


async def opened(fake: FakeRazorpay, amount: str = "299.00") -> PaymentReference:
    """A NEXA payment whose Razorpay order is open."""
    started = await PROVIDER.start(intent(amount=amount))
    assert started.provider_order_id in fake.orders
    return PaymentReference("pay_nexa0001", Decimal(amount), started.provider_order_id, None)


# --- amounts -------------------------------------------------------------------------------


def test_amounts_convert_exactly_between_rupees_and_paise() -> None:
    assert to_paise(Decimal("299.00")) == 29900
    assert to_paise(Decimal("1234.56")) == 123456
    assert to_paise(Decimal("0.1")) == 10
    assert to_rupees(29900) == Decimal("299.00")
    assert str(to_rupees(29900)) == "299.00"
    assert to_rupees(123456) == Decimal("1234.56")
    with pytest.raises(ValueError, match="whole number of paise"):
        to_paise(Decimal("10.005"))
    for not_paise in (299.0, "29900", True, None):
        with pytest.raises(ValueError):
            to_rupees(not_paise)


# --- orders --------------------------------------------------------------------------------


async def test_start_opens_an_order_for_the_exact_paise_amount(fake: FakeRazorpay) -> None:
    started = await PROVIDER.start(intent(amount="1234.56"))

    [call] = fake.requests
    assert (call.method, call.path) == ("POST", "/v1/orders")
    assert call.body == {
        "amount": 123456,
        "currency": "INR",
        "receipt": "pay_nexa0001",
        "notes": {"payment_id": "pay_nexa0001", "description": "Plan 299"},
    }
    credentials = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    assert call.headers["authorization"] == f"Basic {credentials}"
    order = fake.orders[started.provider_order_id or ""]
    assert (order["amount"], order["receipt"]) == (123456, "pay_nexa0001")
    assert started.status == "pending"
    assert started.provider_payment_id is None


# --- fetch ---------------------------------------------------------------------------------


async def test_fetch_reports_the_captured_attempt(fake: FakeRazorpay) -> None:
    reference = await opened(fake)
    fake.pay(reference.provider_order_id or "", "failed", error="Incorrect UPI PIN")
    paid = fake.pay(reference.provider_order_id or "", "captured")

    answer = await PROVIDER.fetch(reference)

    assert answer.status == "captured"
    assert answer.provider_payment_id == paid["id"]
    assert answer.provider_order_id == reference.provider_order_id
    assert answer.amount == Decimal("299.00")
    assert fake.calls("POST", "/v1/payments") == []  # nothing to capture


async def test_fetch_captures_an_authorized_payment(fake: FakeRazorpay) -> None:
    reference = await opened(fake, amount="149.50")
    held = fake.pay(reference.provider_order_id or "", "authorized")

    answer = await PROVIDER.fetch(reference)

    [capture] = fake.calls("POST", "/v1/payments")
    assert capture.path == f"/v1/payments/{held['id']}/capture"
    assert capture.body == {"amount": 14950, "currency": "INR"}
    assert fake.payments[held["id"]]["status"] == "captured"
    assert (answer.status, answer.provider_payment_id) == ("captured", held["id"])
    assert answer.amount == Decimal("149.50")


async def test_fetch_reports_failed_when_every_attempt_failed(fake: FakeRazorpay) -> None:
    reference = await opened(fake)
    fake.pay(reference.provider_order_id or "", "failed", error="Incorrect UPI PIN")
    last = fake.pay(reference.provider_order_id or "", "failed", error="Insufficient balance")

    answer = await PROVIDER.fetch(reference)

    assert answer.status == "failed"
    assert answer.provider_payment_id == last["id"]
    assert answer.failure_reason == "Insufficient balance"


async def test_fetch_keeps_waiting_while_an_attempt_is_open(fake: FakeRazorpay) -> None:
    reference = await opened(fake)
    assert (await PROVIDER.fetch(reference)).status == "pending"  # no attempt yet

    fake.pay(reference.provider_order_id or "", "failed", error="Incorrect UPI PIN")
    fake.pay(reference.provider_order_id or "", "created")
    answer = await PROVIDER.fetch(reference)

    assert (answer.status, answer.provider_order_id) == ("pending", reference.provider_order_id)


async def test_fetch_without_an_order_id_looks_the_order_up_by_receipt(
    fake: FakeRazorpay,
) -> None:
    reference = await opened(fake)
    fake.pay(reference.provider_order_id or "", "captured")
    unknown_order = PaymentReference("pay_nexa0001", Decimal("299.00"), None, None)

    answer = await PROVIDER.fetch(unknown_order)

    [lookup] = fake.calls("GET", "/v1/orders")[:1]
    assert lookup.query == {"receipt": "pay_nexa0001"}
    assert (answer.status, answer.provider_order_id) == ("captured", reference.provider_order_id)
    never_opened = PaymentReference("pay_nexa0002", Decimal("299.00"), None, None)
    failed = await PROVIDER.fetch(never_opened)
    assert (failed.status, failed.failure_reason) == ("failed", "No Razorpay order was opened")


# --- refunds -------------------------------------------------------------------------------


async def captured_reference(fake: FakeRazorpay) -> PaymentReference:
    reference = await opened(fake)
    paid = fake.pay(reference.provider_order_id or "", "captured")
    return PaymentReference(
        reference.payment_id, reference.amount, reference.provider_order_id, paid["id"]
    )


async def test_refund_sends_paise_and_nexas_refund_id(fake: FakeRazorpay) -> None:
    reference = await captured_reference(fake)

    refunded = await PROVIDER.refund(reference, Decimal("100.50"), 7)

    [call] = fake.calls("POST", "/v1/payments")
    assert call.path == f"/v1/payments/{reference.provider_payment_id}/refund"
    assert call.body == {
        "amount": 10050,
        "receipt": "nexa-refund-7",
        "notes": {"payment_id": "pay_nexa0001", "refund_id": "7"},
    }
    assert call.headers["x-refund-idempotency"] == "nexa-refund-7"
    assert refunded.processed is True
    assert fake.refunds[refunded.provider_refund_id]["amount"] == 10050

    again = await PROVIDER.refund(reference, Decimal("100.50"), 7)  # a retry after a timeout
    assert again.provider_refund_id == refunded.provider_refund_id
    assert len(fake.refunds) == 1


async def test_a_refund_razorpay_has_not_processed_yet_is_not_processed(
    fake: FakeRazorpay,
) -> None:
    reference = await captured_reference(fake)
    fake.refund_status = "pending"

    refunded = await PROVIDER.refund(reference, Decimal("299.00"), 8)

    assert refunded.processed is False
    assert fake.refunds[refunded.provider_refund_id]["amount"] == 29900


# --- Razorpay unavailable or refusing ------------------------------------------------------


async def test_an_error_answer_raises_provider_unavailable(fake: FakeRazorpay) -> None:
    fake.fail_next(503)
    with pytest.raises(ProviderUnavailable) as down:
        await PROVIDER.start(intent())
    assert down.value.status_code == 503
    assert fake.orders == {}

    reference = await captured_reference(fake)
    with pytest.raises(ProviderUnavailable, match="greater than amount captured") as refused:
        await PROVIDER.refund(reference, Decimal("300.00"), 9)
    assert refused.value.status_code == 400
    assert fake.refunds == {}


async def test_wrong_keys_raise_provider_unavailable(
    fake: FakeRazorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "razorpay_key_secret", "not-the-secret")
    with pytest.raises(ProviderUnavailable) as refused:
        await PROVIDER.start(intent())
    assert refused.value.status_code == 401

    monkeypatch.setattr(get_settings(), "razorpay_key_id", None)
    fake.requests.clear()
    with pytest.raises(ProviderUnavailable, match="NEXA_RAZORPAY_KEY_ID"):
        await PROVIDER.start(intent())
    assert fake.requests == []  # not even asked


async def test_a_timeout_raises_provider_unavailable(
    fake: FakeRazorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = await opened(fake)
    monkeypatch.setattr(razorpay, "TIMEOUT", httpx.Timeout(0.2))
    fake.delay = 1.0

    with pytest.raises(ProviderUnavailable, match="could not be reached") as late:
        await PROVIDER.fetch(reference)
    assert late.value.status_code is None


async def test_no_server_raises_provider_unavailable(
    configured: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "razorpay_api_url", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        await PROVIDER.start(intent())


# --- webhooks ------------------------------------------------------------------------------


def event(kind: str, **entities: dict[str, Any]) -> bytes:
    """A Razorpay webhook body, as Razorpay sends it."""
    return json.dumps(
        {
            "entity": "event",
            "account_id": "acc_FAKE000001",
            "event": kind,
            "contains": list(entities),
            "payload": {name: {"entity": entity} for name, entity in entities.items()},
            "created_at": 1748779200,
        }
    ).encode()


def payment_entity(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "pay_RZP0000001",
        "entity": "payment",
        "amount": 29900,
        "currency": "INR",
        "status": status,
        "order_id": "order_RZP0000001",
        "notes": {"payment_id": "pay_nexa0001"},
        "error_description": None,
        **fields,
    }


def signed(body: bytes, event_id: str | None = "evt_RZP0000001") -> dict[str, str]:
    headers = {"X-Razorpay-Signature": sign(body, WEBHOOK_SECRET)}
    if event_id:
        headers["X-Razorpay-Event-Id"] = event_id
    return headers


def test_a_payment_captured_event(configured: None) -> None:
    body = event("payment.captured", payment=payment_entity("captured"))

    parsed = PROVIDER.webhook_event(signed(body), body, NOW)

    assert parsed.event_id == "evt_RZP0000001"
    assert parsed.type == "payment.captured"
    assert parsed.amount == Decimal("299.00")
    assert str(parsed.amount) == "299.00"
    assert parsed.payment_id == "pay_nexa0001"
    assert parsed.provider_order_id == "order_RZP0000001"
    assert parsed.provider_payment_id == "pay_RZP0000001"
    assert parsed.provider_refund_id is None
    assert parsed.failure_reason is None


def test_a_payment_failed_event(configured: None) -> None:
    failed = payment_entity("failed", notes=[], error_description="Payment was cancelled")
    body = event("payment.failed", payment=failed)

    parsed = PROVIDER.webhook_event(signed(body), body, NOW)

    assert parsed.type == "payment.failed"
    assert parsed.failure_reason == "Payment was cancelled"
    assert parsed.payment_id is None  # Razorpay sends [] for no notes: found by order id
    assert parsed.provider_order_id == "order_RZP0000001"
    assert parsed.amount == Decimal("299.00")


def test_a_refund_processed_event(configured: None) -> None:
    refund = {
        "id": "rfnd_RZP0000001",
        "entity": "refund",
        "amount": 10050,
        "currency": "INR",
        "payment_id": "pay_RZP0000001",
        "notes": {"payment_id": "pay_nexa0001", "refund_id": "7"},
        "status": "processed",
    }
    body = event("refund.processed", refund=refund, payment=payment_entity("refunded", notes=[]))

    parsed = PROVIDER.webhook_event(signed(body), body, NOW)

    assert parsed.type == "refund.processed"
    assert parsed.amount == Decimal("100.50")
    assert parsed.provider_refund_id == "rfnd_RZP0000001"
    assert parsed.provider_payment_id == "pay_RZP0000001"
    assert parsed.provider_order_id == "order_RZP0000001"
    assert parsed.payment_id == "pay_nexa0001"  # from the refund's notes


def test_without_an_event_id_header_the_body_names_the_event(configured: None) -> None:
    body = event("payment.captured", payment=payment_entity("captured"))
    headers = {"x-razorpay-signature": sign(body, WEBHOOK_SECRET)}  # any spelling of the name

    parsed = PROVIDER.webhook_event(headers, body, NOW)

    assert parsed.event_id == hashlib.sha256(body).hexdigest()


def test_an_event_nexa_does_not_act_on_is_ignored(configured: None) -> None:
    body = event("order.paid", order={"id": "order_RZP0000001"})
    with pytest.raises(WebhookIgnored, match=r"order\.paid"):
        PROVIDER.webhook_event(signed(body), body, NOW)
    assert issubclass(WebhookIgnored, WebhookMalformed)  # a 400 for handlers that predate it


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"event": "payment.captured"}).encode(),
        event("payment.captured", payment=payment_entity("captured", amount=299.0)),
        event("payment.captured", payment=payment_entity("captured", amount="29900")),
        event("refund.processed", payment=payment_entity("refunded")),
    ],
)
def test_a_signed_body_nexa_cannot_read_is_malformed(configured: None, body: bytes) -> None:
    with pytest.raises(WebhookMalformed):
        PROVIDER.webhook_event(signed(body), body, NOW)


GOOD = event("payment.captured", payment=payment_entity("captured"))


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, GOOD),  # no signature
        ({"X-Razorpay-Signature": ""}, GOOD),
        ({"X-Razorpay-Signature": sign(GOOD, "another-secret")}, GOOD),
        ({"X-Razorpay-Signature": sign(GOOD, WEBHOOK_SECRET)}, GOOD + b" "),  # body changed
        ({"X-Razorpay-Signature": "é" * 64}, GOOD),
        ({"X-Razorpay-Signature": "wrong"}, b"not even json"),  # refused before parsing
    ],
)
def test_a_wrong_or_missing_signature_is_rejected(
    configured: None, headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(WebhookRejected):
        PROVIDER.webhook_event(headers, body, NOW)


def test_without_a_webhook_secret_every_event_is_rejected(
    configured: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "razorpay_webhook_secret", None)
    with pytest.raises(WebhookRejected, match="NEXA_RAZORPAY_WEBHOOK_SECRET"):
        PROVIDER.webhook_event(signed(GOOD), GOOD, NOW)
    # an empty secret signs nothing either
    monkeypatch.setattr(get_settings(), "razorpay_webhook_secret", "")
    with pytest.raises(WebhookRejected):
        PROVIDER.webhook_event({"X-Razorpay-Signature": sign(GOOD, "")}, GOOD, NOW)
