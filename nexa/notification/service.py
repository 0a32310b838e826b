"""Notifications: the one way any domain notifies a customer, and their delivery.

`notify` writes rows in the caller's transaction (an outbox): SMS and push rows are sent
later by the delivery job, so a rolled-back change never sends anything. A `dedupe_key`
makes an automatic alert happen at most once (per day, per cycle, per subscription…) even
when a job runs twice or on two workers. In-app rows need no sending; every new row is
also pushed live to the customer's open stream (PostgreSQL LISTEN/NOTIFY).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVarTuple

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest
from nexa.core.queue import defer_in_transaction
from nexa.core.security import UnreadableSeal, seal, unseal
from nexa.customer import service as customer_service
from nexa.models import (
    Notification,
    NotificationBroadcast,
    NotificationChannel,
    NotificationSource,
    NotificationType,
    PrioritySms,
)
from nexa.notification import delivery, wakeup
from nexa.notification.repository import NotificationRepository
from nexa.notification.schemas import (
    AdminNotificationCreate,
    AdminNotificationStats,
    AdminSendResponse,
    Alert,
    AutomatedStats,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationResponse,
    NotificationStats,
    RecentAutomated,
    SendResult,
    TestSmsResponse,
)

if TYPE_CHECKING:
    from nexa.models import Admin, Customer

Columns = TypeVarTuple("Columns")

BROADCAST_TASK = "notification:fan_out_broadcast"
# sends to at most this many listed customers are written in the request itself
BROADCAST_BATCH = 5000
# the key a priority SMS's text is sealed with (docs/decisions.md#otp-delivery)
PRIORITY_SMS_SEAL = "priority-sms"
# simulated SMS kept per number for testers, outside production
TEST_INBOX_SIZE = 20
# priority SMS rows are deleted this long after they were written
PRIORITY_SMS_RETENTION = timedelta(days=1)


def _row(alert: Alert) -> dict[str, object]:
    row = asdict(alert)
    if alert.channel == NotificationChannel.in_app:  # nothing to send: it is in the app
        row.update(status="sent", delivery_mode="in_app", sent_at=clock.now())
    return row


def schedule_delivery(db: AsyncSession) -> None:
    """Have the delivery job run once this transaction commits (see wakeup.py)."""
    wakeup.deliver_after_commit(db)


async def notify(db: AsyncSession, *alerts: Alert) -> list[int]:
    """Write notifications; returns the ids created (duplicates by dedupe_key are skipped)."""
    ids = await NotificationRepository(db).add_many([_row(alert) for alert in alerts])
    if ids and any(alert.channel != NotificationChannel.in_app for alert in alerts):
        schedule_delivery(db)
    return ids


async def notify_from_select(db: AsyncSession, query: Select[*Columns]) -> int:
    """Set-based variant for jobs. `query` selects the columns customer_id, type, title,
    message, channel, dedupe_key (in that order); returns how many were created."""
    columns = ["customer_id", "type", "title", "message", "channel", "dedupe_key"]
    created = await NotificationRepository(db).add_from_select(columns, query)
    if created:
        schedule_delivery(db)
    return created


async def send_priority_sms(
    db: AsyncSession, phone_number: str, message: str, *, purpose: str, send_before: datetime
) -> None:
    """An SMS to any number that the delivery job sends before every notification row (a
    one-time code). Its text is stored sealed and erased once sent, given up or expired, and
    it is listed nowhere (docs/decisions.md#otp-delivery)."""
    await NotificationRepository(db).add(
        PrioritySms(
            phone_number=phone_number,
            purpose=purpose,
            sealed_message=seal(PRIORITY_SMS_SEAL, message),
            send_before=send_before,
        )
    )
    schedule_delivery(db)


# --- delivery -------------------------------------------------------------------------------


async def deliver_next(db: AsyncSession, now: datetime | None = None) -> bool:
    """Send the next due row (False when none is due), one per transaction: priority SMS
    first (one-time codes go ahead of any bulk or promotional message), then the oldest
    notification."""
    now = now or clock.now()
    repository = NotificationRepository(db)
    urgent = await repository.claim_next_priority_sms(now)
    if urgent is not None:
        await _deliver_priority_sms(repository, urgent, now)
        return True
    claimed = await repository.claim_next_due(
        now, customer_service.phone_of(Notification.customer_id)
    )
    if claimed is None:
        return False
    notification, phone_number = claimed
    outgoing = delivery.Outgoing(
        reference=str(notification.notification_id),
        customer_id=notification.customer_id,
        phone_number=phone_number,
        channel=notification.channel,
        title=notification.title,
        message=notification.message,
    )
    await _send(repository, notification, outgoing, now)
    return True


async def _deliver_priority_sms(
    repository: NotificationRepository, sms: PrioritySms, now: datetime
) -> None:
    try:
        if sms.sealed_message is None or sms.send_before <= now:
            sms.status = "expired"  # a code that has lapsed is useless: never sent late
        else:
            outgoing = delivery.Outgoing(
                reference=f"sms-{sms.sms_id}",
                customer_id=None,
                phone_number=sms.phone_number,
                channel=NotificationChannel.sms,
                title="NEXA",
                message=unseal(PRIORITY_SMS_SEAL, sms.sealed_message),
            )
            await _send(repository, sms, outgoing, now)
    except UnreadableSeal:
        sms.status, sms.failure_reason = "failed", "sealed under another SECRET_KEY"
    if sms.status != "pending":
        sms.sealed_message = None  # its text lives no longer than needed
    await repository.session.flush()


async def _send(
    repository: NotificationRepository,
    row: delivery.Deliverable,
    outgoing: delivery.Outgoing,
    now: datetime,
) -> None:
    await delivery.deliver(row, outgoing, now)
    if (
        outgoing.channel == NotificationChannel.sms
        and row.status == "sent"
        and row.delivery_mode == "simulated"
        and not get_settings().is_production
    ):
        # the simulated gateway's inbox, read by testers (docs/decisions.md#test-sms-inbox)
        await repository.keep_test_sms(
            outgoing.phone_number, outgoing.message, now, TEST_INBOX_SIZE
        )
    await repository.session.flush()


async def purge_priority_sms(db: AsyncSession, now: datetime) -> int:
    """One batch of the clean-up of old priority SMS; 0 when done."""
    return await NotificationRepository(db).purge_priority_sms(now - PRIORITY_SMS_RETENTION, 1000)


async def sms_inbox(db: AsyncSession, phone_number: str) -> list[TestSmsResponse]:
    """What the simulated SMS gateway last "sent" to a number (never in production)."""
    rows = await NotificationRepository(db).sms_inbox(phone_number)
    return [TestSmsResponse.model_validate(row) for row in rows]


async def next_retry_at(db: AsyncSession) -> datetime | None:
    return await NotificationRepository(db).next_retry_at()


# --- customer ---------------------------------------------------------------------------------


async def list_for_customer(
    db: AsyncSession,
    customer: Customer,
    *,
    is_read: bool | None,
    types: list[NotificationType] | None,
    skip: int,
    limit: int,
) -> tuple[list[NotificationResponse], int]:
    rows, total = await NotificationRepository(db).list_for_customer(
        customer.customer_id, is_read=is_read, types=types, skip=skip, limit=limit
    )
    return [NotificationResponse.model_validate(row) for row in rows], total


async def customer_stats(db: AsyncSession, customer: Customer) -> NotificationStats:
    repository = NotificationRepository(db)
    mine = [Notification.customer_id == customer.customer_id]
    total, unread, today = await repository.customer_totals(
        customer.customer_id, clock.business_midnight()
    )
    return NotificationStats(
        total_notifications=total,
        unread_count=unread,
        received_today=today,
        by_type=await repository.counts(mine, Notification.type),
        by_channel=await repository.counts(mine, Notification.channel),
    )


async def mark_read(db: AsyncSession, customer: Customer, ids: list[int] | None) -> int:
    """Mark the caller's notifications read (others' ids are ignored); returns how many."""
    return await NotificationRepository(db).mark_read(customer.customer_id, ids, clock.now())


async def get_for_customer(
    db: AsyncSession, customer_id: int, notification_id: int
) -> NotificationResponse | None:
    row = await NotificationRepository(db).get_for_customer(notification_id, customer_id)
    return NotificationResponse.model_validate(row) if row else None


async def preferences(db: AsyncSession, customer: Customer) -> NotificationPreferences:
    saved = await NotificationRepository(db).preferences(customer.customer_id)
    return NotificationPreferences.model_validate(saved) if saved else NotificationPreferences()


async def update_preferences(
    db: AsyncSession, customer: Customer, changes: NotificationPreferencesUpdate
) -> NotificationPreferences:
    values = (await preferences(db, customer)).model_dump()
    values.update(changes.model_dump(exclude_none=True))
    await NotificationRepository(db).save_preferences(
        customer.customer_id, {**values, "updated_at": clock.now()}
    )
    return NotificationPreferences.model_validate(values)


# --- admin ------------------------------------------------------------------------------------


class UnknownCustomers(BadRequest, code="unknown_customers"): ...


async def admin_send(
    db: AsyncSession, admin: Admin, data: AdminNotificationCreate
) -> AdminSendResponse:
    """To listed customers now; to all active customers through a fan-out job."""
    repository = NotificationRepository(db)
    if data.send_to_all:
        target = await customer_service.active_count(db)
        if target == 0:
            raise BadRequest("There are no active customers to send to", "no_recipients")
        broadcast = await repository.add(
            NotificationBroadcast(
                admin_id=admin.admin_id,
                title=data.title,
                message=data.message,
                type=data.type,
                channel=data.channel,
                status="queued",
                target_count=target,
            )
        )
        await defer_in_transaction(db, BROADCAST_TASK, {"broadcast_id": broadcast.broadcast_id})
        await record_admin_action(
            db,
            admin,
            "notification.broadcast",
            "notification_broadcast",
            broadcast.broadcast_id,
            None,
            data.model_dump(exclude={"customer_ids"}) | {"target_count": target},
        )
        return AdminSendResponse(
            message=f"Broadcast to {target} active customers queued",
            total_sent=target,
            successful=target,
            failed=0,
            results=[],
            broadcast_id=broadcast.broadcast_id,
        )
    wanted = sorted(set(data.customer_ids or []))
    unknown = sorted(set(wanted) - await customer_service.existing_ids(db, wanted))
    if unknown:
        raise UnknownCustomers(f"Unknown customer ids: {unknown[:50]}")
    written = await repository.send_to(
        customer_service.audience(customer_ids=wanted),
        title=data.title,
        message=data.message,
        type_=data.type,
        channel=data.channel,
    )
    if data.channel != NotificationChannel.in_app and written:
        schedule_delivery(db)
    sent = set(written)
    await record_admin_action(
        db,
        admin,
        "notification.send",
        "notification",
        None,
        None,
        data.model_dump(exclude={"customer_ids", "send_to_all"})
        | {"customer_ids": wanted, "sent": len(sent), "skipped_opted_out": len(wanted) - len(sent)},
    )
    return AdminSendResponse(
        message=f"Notification sent to {len(sent)} customers",
        total_sent=len(wanted),
        successful=len(sent),
        failed=0,
        skipped_opted_out=len(wanted) - len(sent),
        results=[SendResult(customer_id=cid, success=cid in sent) for cid in wanted],
    )


async def fan_out_broadcast(db: AsyncSession, broadcast_id: int) -> int:
    """Write the next batch of a broadcast (keyset on customer id); 0 when it is done."""
    repository = NotificationRepository(db)
    broadcast = await repository.broadcast(broadcast_id)
    if broadcast is None or broadcast.status == "completed":
        return 0
    written = await repository.send_to(
        customer_service.audience(active_after=broadcast.last_customer_id, limit=BROADCAST_BATCH),
        title=broadcast.title,
        message=broadcast.message,
        type_=broadcast.type,
        channel=broadcast.channel,
        dedupe_prefix=f"broadcast:{broadcast_id}:",
        broadcast_id=broadcast_id,
    )
    if not written:
        broadcast.status = "completed"
        broadcast.completed_at = clock.now()
        return 0
    broadcast.status = "sending"
    broadcast.last_customer_id = max(written)
    broadcast.created_count += len(written)
    if broadcast.channel != NotificationChannel.in_app:
        schedule_delivery(db)
    return len(written)


def _admin_filters(
    customer_id: int | None,
    notification_type: NotificationType | None,
    channel: NotificationChannel | None,
    status: str | None,
    source: NotificationSource | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if customer_id is not None:
        conditions.append(Notification.customer_id == customer_id)
    if notification_type is not None:
        conditions.append(Notification.type == notification_type)
    if channel is not None:
        conditions.append(Notification.channel == channel)
    if status is not None:
        conditions.append(Notification.status == status)
    if source is not None:
        conditions.append(Notification.source == source)
    return conditions


async def admin_list(
    db: AsyncSession,
    *,
    customer_id: int | None,
    notification_type: NotificationType | None,
    channel: NotificationChannel | None,
    status: str | None,
    source: NotificationSource | None,
    skip: int,
    limit: int,
) -> tuple[list[NotificationResponse], int]:
    conditions = _admin_filters(customer_id, notification_type, channel, status, source)
    rows, total = await NotificationRepository(db).find(conditions, skip, limit)
    return [NotificationResponse.model_validate(row) for row in rows], total


async def admin_stats(db: AsyncSession) -> AdminNotificationStats:
    repository = NotificationRepository(db)
    return AdminNotificationStats(
        total_notifications=await repository.count(),
        # only real sends count, failures do not (docs/decisions.md#notification-stats)
        sent_today=await repository.count(
            Notification.status == "sent", Notification.sent_at >= clock.business_midnight()
        ),
        by_type=await repository.counts([], Notification.type),
        by_channel=await repository.counts([], Notification.channel),
        by_status=await repository.counts([], Notification.status),
    )


async def automated_stats(db: AsyncSession) -> AutomatedStats:
    repository = NotificationRepository(db)
    automatic = [Notification.source == NotificationSource.system]
    return AutomatedStats(
        automated_by_type=await repository.counts(automatic, Notification.type),
        recent_automated=[
            RecentAutomated.model_validate(row) for row in await repository.recent(automatic, 10)
        ],
    )
