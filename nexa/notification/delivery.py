"""Sending SMS and push notifications through a provider, after the commit that wrote them
(docs/decisions.md#notification-outbox, #notification-delivery).

The default provider only logs (delivery mode `simulated`); the HTTP provider posts a
configurable JSON body to a real gateway (delivery mode `real`). A failed send is tried
again with backoff, at most NEXA_DELIVERY_MAX_ATTEMPTS times, then marked `failed` with the
reason. Each row is claimed with `FOR UPDATE SKIP LOCKED`, so two workers never send one
row, and a sent row is never picked again. The same bookkeeping serves notification rows and
priority SMS (one-time codes, docs/decisions.md#otp-delivery).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
import structlog

from nexa.core.config import get_settings
from nexa.core.metrics import NOTIFICATIONS
from nexa.models import NotificationChannel

log = structlog.get_logger("nexa.notification.delivery")


@dataclass(frozen=True)
class Outgoing:
    # names the message to the gateway: the notification id, or "sms-<id>" for a priority SMS
    reference: str
    customer_id: int | None
    phone_number: str
    channel: NotificationChannel
    title: str
    message: str


class Deliverable(Protocol):
    """The delivery bookkeeping of a row to send (a notification or a priority SMS)."""

    status: str
    attempts: int
    next_attempt_at: datetime | None
    failure_reason: str | None
    sent_at: datetime | None
    delivery_mode: str


class DeliveryError(Exception):
    """The provider did not accept the message (the reason is the message)."""


class Provider(Protocol):
    delivery_mode: str

    async def send(self, outgoing: Outgoing) -> None: ...


class LoggingProvider:
    """Simulates a gateway: logs that a message went out (no personal data in the log)."""

    delivery_mode = "simulated"

    async def send(self, outgoing: Outgoing) -> None:
        log.info(
            "notification_simulated", reference=outgoing.reference, channel=outgoing.channel.value
        )


class HttpProvider:
    """POSTs a JSON body built from a template to an SMS or push gateway."""

    delivery_mode = "real"

    def __init__(self, url: str, body_template: str, auth_header: str | None) -> None:
        self.url = url
        self.body_template = body_template
        self.headers = {"Content-Type": "application/json"}
        if auth_header:
            name, _, value = auth_header.partition(":")
            self.headers[name.strip()] = value.strip()

    def body(self, outgoing: Outgoing) -> str:
        values = {
            "notification_id": outgoing.reference,
            "customer_id": "" if outgoing.customer_id is None else outgoing.customer_id,
            "phone": outgoing.phone_number,
            "title": outgoing.title,
            "message": outgoing.message,
            "channel": outgoing.channel.value,
        }
        body = self.body_template
        for name, value in values.items():
            # JSON-escape the value, without its quotes, so any text stays valid JSON
            body = body.replace("{" + name + "}", json.dumps(str(value))[1:-1])
        return body

    async def send(self, outgoing: Outgoing) -> None:
        headers = {**self.headers, "Idempotency-Key": f"nexa-{outgoing.reference}"}
        try:
            async with httpx.AsyncClient(timeout=get_settings().delivery_timeout_seconds) as http:
                response = await http.post(self.url, content=self.body(outgoing), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: gateway unreachable") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"gateway answered {response.status_code}")


def provider_for(channel: NotificationChannel) -> Provider:
    settings = get_settings()
    if channel == NotificationChannel.sms and settings.sms_provider == "http":
        if not settings.sms_http_url:
            raise DeliveryError("NEXA_SMS_HTTP_URL is not set")
        return HttpProvider(
            settings.sms_http_url, settings.sms_http_body, settings.sms_http_auth_header
        )
    if channel == NotificationChannel.push and settings.push_provider == "http":
        if not settings.push_http_url:
            raise DeliveryError("NEXA_PUSH_HTTP_URL is not set")
        return HttpProvider(
            settings.push_http_url, settings.push_http_body, settings.push_http_auth_header
        )
    return LoggingProvider()


def backoff(attempts: int) -> timedelta:
    """Wait before try number `attempts + 1`: 2 s, 4 s, 8 s…"""
    return timedelta(seconds=2**attempts)


async def deliver(row: Deliverable, outgoing: Outgoing, now: datetime) -> None:
    """Try to send one claimed row and record the outcome on it."""
    row.attempts += 1
    try:
        provider = provider_for(outgoing.channel)
        await provider.send(outgoing)
    except DeliveryError as exc:
        row.failure_reason = str(exc)[:500]
        if row.attempts >= get_settings().delivery_max_attempts:
            row.status = "failed"
            row.next_attempt_at = None
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        NOTIFICATIONS.labels(
            outgoing.channel.value, "failed" if row.status == "failed" else "retry"
        ).inc()
        log.warning(
            "notification_not_delivered",
            reference=outgoing.reference,
            attempts=row.attempts,
            reason=row.failure_reason,
        )
        return
    row.status = "sent"
    row.sent_at = now
    NOTIFICATIONS.labels(outgoing.channel.value, "sent").inc()
    row.delivery_mode = provider.delivery_mode
    row.next_attempt_at = None
