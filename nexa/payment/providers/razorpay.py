"""Razorpay, through its REST API (v1) and its signed webhooks.

A payment opens a Razorpay order (`POST /v1/orders`, amount in paise, `receipt` = NEXA's
payment id); the customer pays that order in the app, and Razorpay tells NEXA by webhooks
(`payment.captured`, `payment.failed`, `refund.processed`) whose `X-Razorpay-Signature` is the
hex HMAC-SHA256 of the raw body with NEXA_RAZORPAY_WEBHOOK_SECRET. Reconciliation reads the
order's payments (and captures one left `authorized`). Calls use basic auth (key id, key
secret) and are made once, with a 10 s timeout: any failure raises ProviderUnavailable and the
caller asks again later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from nexa.core.config import get_settings
from nexa.payment.providers.base import (
    PaymentIntent,
    PaymentReference,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
    WebhookEvent,
    WebhookIgnored,
    WebhookMalformed,
    WebhookRejected,
    WebhookType,
)

SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
TIMEOUT = httpx.Timeout(10.0)
# a refunded payment was captured first
CAPTURED = ("captured", "refunded")
REASON_LENGTH = 255  # payment.failure_reason
EVENT_TYPES: tuple[WebhookType, ...] = ("payment.captured", "payment.failed", "refund.processed")

Json = dict[str, Any]


def to_paise(amount: Decimal) -> int:
    """Rupees as Razorpay's integer paise, exactly (ValueError for a fraction of a paisa)."""
    paise = amount.scaleb(2)
    if not paise.is_finite() or paise != paise.to_integral_value():
        raise ValueError(f"{amount} rupees is not a whole number of paise")
    return int(paise)


def to_rupees(paise: object) -> Decimal:
    """Razorpay's integer paise as rupees with two decimals (29900 -> 299.00)."""
    if not isinstance(paise, int) or isinstance(paise, bool):
        raise ValueError(f"an amount in paise must be an integer, not {paise!r}")
    return Decimal(paise).scaleb(-2)


def sign(body: bytes, secret: str) -> str:
    """The X-Razorpay-Signature of `body`."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RazorpayProvider:
    name = "razorpay"
    in_process = False  # the order exists at Razorpay as soon as it is asked for

    async def start(self, intent: PaymentIntent) -> ProviderPayment:
        body = {
            "amount": to_paise(intent.amount),
            "currency": intent.currency,
            "receipt": intent.payment_id,
            "notes": {"payment_id": intent.payment_id, "description": intent.description[:256]},
        }
        order = await _call("POST", "/v1/orders", body)
        with _expected_answer():
            return ProviderPayment("pending", provider_order_id=str(order["id"]))

    async def fetch(self, payment: PaymentReference) -> ProviderPayment:
        order_id = payment.provider_order_id or await _order_by_receipt(payment.payment_id)
        if order_id is None:
            # the order was never opened, so nobody can have paid it
            return ProviderPayment("failed", failure_reason="No Razorpay order was opened")
        answer = await _call("GET", f"/v1/orders/{quote(order_id, safe='')}/payments")
        with _expected_answer():
            attempts: list[Json] = list(answer["items"])
            paid = next((each for each in attempts if each["status"] in CAPTURED), None)
            held = next((each for each in attempts if each["status"] == "authorized"), None)
            if paid is None and held is not None:
                paid = await _capture(held)
            if paid is not None and paid["status"] in CAPTURED:
                return ProviderPayment(
                    "captured",
                    provider_order_id=order_id,
                    provider_payment_id=str(paid["id"]),
                    amount=to_rupees(paid["amount"]),
                )
            if attempts and all(each["status"] == "failed" for each in attempts):
                last = max(attempts, key=lambda each: int(each.get("created_at") or 0))
                return ProviderPayment(
                    "failed",
                    provider_order_id=order_id,
                    provider_payment_id=str(last["id"]),
                    failure_reason=_reason(last),
                )
        return ProviderPayment("pending", provider_order_id=order_id)

    async def refund(
        self, payment: PaymentReference, amount: Decimal, refund_id: int
    ) -> ProviderRefund:
        if not payment.provider_payment_id:
            raise ProviderUnavailable(f"payment {payment.payment_id} has no Razorpay payment id")
        # the same key (and body) on a retry returns the first refund instead of a second one
        key = f"nexa-refund-{refund_id}"
        body = {
            "amount": to_paise(amount),
            "receipt": key,
            "notes": {"payment_id": payment.payment_id, "refund_id": str(refund_id)},
        }
        path = f"/v1/payments/{quote(payment.provider_payment_id, safe='')}/refund"
        answer = await _call("POST", path, body, headers={"X-Refund-Idempotency": key})
        with _expected_answer():
            return ProviderRefund(str(answer["id"]), processed=answer["status"] == "processed")

    def webhook_event(self, headers: Mapping[str, str], body: bytes, now: datetime) -> WebhookEvent:
        # Razorpay signs the body alone (no timestamp): a replayed delivery carries an event id
        # NEXA has already recorded
        _verify(headers, body)
        event_id = _header(headers, EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest()
        try:
            event = json.loads(body)
            kind = next((known for known in EVENT_TYPES if known == event["event"]), None)
            if kind is None:
                raise WebhookIgnored(f"event type {event['event']!r} is not one NEXA acts on")
            return _event(event_id, kind, event["payload"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WebhookMalformed(f"not a Razorpay event NEXA understands: {exc!r}") from exc


def _event(event_id: str, kind: WebhookType, payload: Json) -> WebhookEvent:
    payment: Json = (payload.get("payment") or {}).get("entity") or {}
    if kind == "refund.processed":
        refund: Json = payload["refund"]["entity"]
        return WebhookEvent(
            event_id=event_id,
            type=kind,
            amount=to_rupees(refund["amount"]),
            payment_id=_notes(payment).get("payment_id") or _notes(refund).get("payment_id"),
            provider_order_id=payment.get("order_id"),
            provider_payment_id=str(refund["payment_id"]),
            provider_refund_id=str(refund["id"]),
        )
    return WebhookEvent(
        event_id=event_id,
        type=kind,
        amount=to_rupees(payment["amount"]),
        payment_id=_notes(payment).get("payment_id"),
        provider_order_id=payment.get("order_id"),
        provider_payment_id=str(payment["id"]),
        failure_reason=_reason(payment) if kind == "payment.failed" else None,
    )


def _notes(entity: Json) -> dict[str, str]:
    notes = entity.get("notes")  # Razorpay sends [] when there are none
    if not isinstance(notes, dict):
        return {}
    return {str(key): str(value) for key, value in notes.items()}


def _reason(payment: Json) -> str:
    reason = payment.get("error_description") or payment.get("error_code") or "Payment failed"
    return str(reason)[:REASON_LENGTH]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    found = headers.get(name)
    if found is None:  # a plain dict may spell it in any case
        found = next((value for key, value in headers.items() if key.lower() == name), None)
    return found


def _verify(headers: Mapping[str, str], body: bytes) -> None:
    secret = get_settings().razorpay_webhook_secret
    if not secret:
        raise WebhookRejected("NEXA_RAZORPAY_WEBHOOK_SECRET is not set")
    given = _header(headers, SIGNATURE_HEADER)
    if not given:
        raise WebhookRejected("missing X-Razorpay-Signature")
    if not hmac.compare_digest(sign(body, secret).encode(), given.strip().encode()):
        raise WebhookRejected("wrong signature")


@contextmanager
def _expected_answer() -> Iterator[None]:
    """Turns an answer without the fields Razorpay documents into ProviderUnavailable."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderUnavailable(f"Razorpay answered something unexpected: {exc!r}") from exc


async def _order_by_receipt(payment_id: str) -> str | None:
    """The order opened for `payment_id`, when start() could not tell (e.g. it timed out)."""
    answer = await _call("GET", "/v1/orders", params={"receipt": payment_id})
    with _expected_answer():
        orders: list[Json] = list(answer["items"])
        return str(orders[0]["id"]) if orders else None


async def _capture(payment: Json) -> Json:
    """Capture an authorized payment (when the account does not capture automatically)."""
    path = f"/v1/payments/{quote(str(payment['id']), safe='')}/capture"
    return await _call("POST", path, {"amount": payment["amount"], "currency": payment["currency"]})


async def _call(
    method: str,
    path: str,
    body: Json | None = None,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Json:
    settings = get_settings()
    if not (settings.razorpay_key_id and settings.razorpay_key_secret):
        raise ProviderUnavailable("NEXA_RAZORPAY_KEY_ID and NEXA_RAZORPAY_KEY_SECRET must be set")
    try:
        async with httpx.AsyncClient(
            base_url=settings.razorpay_api_url,
            auth=(settings.razorpay_key_id, settings.razorpay_key_secret),
            timeout=TIMEOUT,
        ) as http:
            response = await http.request(method, path, json=body, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"Razorpay could not be reached: {exc!r}") from exc
    if response.is_error:
        raise ProviderUnavailable(
            f"Razorpay answered {response.status_code} to {method} {path}: {_error(response)}",
            response.status_code,
        )
    try:
        answer = response.json()
    except ValueError as exc:
        raise ProviderUnavailable("Razorpay answered something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise ProviderUnavailable("Razorpay answered something that is not a JSON object")
    return answer


def _error(response: httpx.Response) -> str:
    """Razorpay's `{"error": {"code", "description"}}`, or the start of whatever came."""
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['description']}"
    except (ValueError, KeyError, TypeError):
        return response.text[:200]
