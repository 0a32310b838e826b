from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import NotRequired, TypedDict, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Exists,
    ScalarSelect,
    Select,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import QueryableAttribute

from nexa.core import sql
from nexa.core.repository import Repository
from nexa.models import (
    Notification,
    NotificationBroadcast,
    NotificationChannel,
    NotificationPreference,
    NotificationSource,
    NotificationType,
    PrioritySms,
    TestSms,
)

Columns = TypeVarTuple("Columns")

# columns `add_many` writes, with the value a row leaves out
_NOTIFICATION_COLUMNS: dict[str, object] = {
    "customer_id": None,
    "title": None,
    "message": None,
    "type": None,
    "channel": None,
    "source": NotificationSource.system,
    "dedupe_key": None,
    "status": "pending",
    "delivery_mode": "simulated",
    "sent_at": None,
}


@functools.lru_cache(maxsize=64)
def _add_notifications(rows: int) -> str:
    """The INSERT for `rows` notifications (one statement text per row count, so each is
    prepared once per connection)."""
    values = ", ".join(
        "(" + ", ".join(f"%({column}_{n})s" for column in _NOTIFICATION_COLUMNS) + ")"
        for n in range(rows)
    )
    # built only from the constant column names above and a count: nothing from a caller
    return (
        f"INSERT INTO notification ({', '.join(_NOTIFICATION_COLUMNS)}) VALUES {values}"  # noqa: S608
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING notification_id"
    )


class Message(TypedDict):
    """An admin's message to many customers (see `_send_to`)."""

    title: str
    message: str
    type_: NotificationType
    channel: NotificationChannel
    dedupe_prefix: NotRequired[str]
    broadcast_id: NotRequired[int]


class NotificationRepository(Repository[Notification]):
    model = Notification

    async def add_many(self, rows: list[Mapping[str, object]]) -> list[int]:
        """Insert notifications; rows whose dedupe_key exists already are skipped.
        (Every purchase writes some: sent straight to the driver.)"""
        if not rows:
            return []
        params = {
            f"{column}_{n}": row.get(column, default)
            for n, row in enumerate(rows)
            for column, default in _NOTIFICATION_COLUMNS.items()
        }
        found = await sql.fetch_all(self.session, _add_notifications(len(rows)), params)
        return [row.notification_id for row in found]

    async def add_from_select(self, columns: list[str], query: Select[*Columns]) -> int:
        """Set-based INSERT … SELECT for jobs; rows whose dedupe_key exists are skipped."""
        statement = (
            insert(Notification)
            .from_select(columns, query)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.notification_id)
        )
        return len((await self.session.execute(statement)).all())

    # --- delivery -----------------------------------------------------------------------------

    async def claim_next_due(
        self, now: datetime, phone: ScalarSelect[str]
    ) -> tuple[Notification, str] | None:
        """The oldest SMS/push row waiting to be sent, locked, with the recipient's `phone`
        (the customer domain's subquery); rows others hold are skipped."""
        row = (
            await self.session.execute(
                select(Notification, phone)
                .where(
                    Notification.status == "pending",
                    Notification.channel.in_([NotificationChannel.sms, NotificationChannel.push]),
                    or_(
                        Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now
                    ),
                )
                .order_by(Notification.created_at, Notification.notification_id)
                .limit(1)
                .with_for_update(of=Notification, skip_locked=True)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def claim_next_priority_sms(self, now: datetime) -> PrioritySms | None:
        """The oldest priority SMS waiting to be sent, locked (docs/decisions.md#otp-delivery)."""
        return (
            await self.session.execute(
                select(PrioritySms)
                .where(
                    PrioritySms.status == "pending",
                    or_(PrioritySms.next_attempt_at.is_(None), PrioritySms.next_attempt_at <= now),
                )
                .order_by(PrioritySms.created_at, PrioritySms.sms_id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()

    async def next_retry_at(self) -> datetime | None:
        retries = union_all(
            select(Notification.next_attempt_at).where(
                Notification.status == "pending", Notification.next_attempt_at.is_not(None)
            ),
            select(PrioritySms.next_attempt_at).where(
                PrioritySms.status == "pending", PrioritySms.next_attempt_at.is_not(None)
            ),
        ).subquery()
        return (await self.session.execute(select(func.min(retries.c[0])))).scalar_one()

    async def purge_priority_sms(self, created_before: datetime, batch_size: int) -> int:
        """Delete one batch of priority SMS older than `created_before` (long sent, given up
        or expired: a code lives minutes)."""
        return await self.delete_batch(
            PrioritySms.sms_id, PrioritySms.created_at < created_before, batch_size=batch_size
        )

    # --- the test inbox (never in production) ---------------------------------------------

    async def keep_test_sms(self, phone_number: str, message: str, at: datetime, keep: int) -> None:
        """Record a simulated SMS and forget all but the newest `keep` of that number."""
        self.session.add(TestSms(phone_number=phone_number, message=message, sent_at=at))
        await self.session.flush()
        newest = (
            select(TestSms.test_sms_id)
            .where(TestSms.phone_number == phone_number)
            .order_by(TestSms.test_sms_id.desc())
            .limit(keep)
        )
        await self.session.execute(
            delete(TestSms).where(
                TestSms.phone_number == phone_number,
                TestSms.test_sms_id.not_in(newest.scalar_subquery()),
            )
        )

    async def sms_inbox(self, phone_number: str) -> list[TestSms]:
        """A number's simulated SMS, newest first."""
        rows = await self.session.execute(
            select(TestSms)
            .where(TestSms.phone_number == phone_number)
            .order_by(TestSms.test_sms_id.desc())
        )
        return list(rows.scalars())

    # --- customer views -----------------------------------------------------------------------

    def _customer_filter(
        self, customer_id: int, is_read: bool | None, types: list[NotificationType] | None
    ) -> list[ColumnElement[bool]]:
        conditions = [Notification.customer_id == customer_id]
        if is_read is not None:
            conditions.append(Notification.is_read.is_(is_read))
        if types:
            conditions.append(Notification.type.in_(types))
        return conditions

    async def list_for_customer(
        self,
        customer_id: int,
        *,
        is_read: bool | None,
        types: list[NotificationType] | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Notification], int]:
        conditions = self._customer_filter(customer_id, is_read, types)
        return await self.find(conditions, skip, limit)

    async def get_for_customer(self, notification_id: int, customer_id: int) -> Notification | None:
        return (
            await self.session.execute(
                select(Notification).where(
                    Notification.notification_id == notification_id,
                    Notification.customer_id == customer_id,
                )
            )
        ).scalar_one_or_none()

    async def counts(
        self, conditions: list[ColumnElement[bool]], column: QueryableAttribute[object]
    ) -> dict[str, int]:
        rows = await self.session.execute(
            select(column, func.count()).where(*conditions).group_by(column)
        )
        return {str(key): int(count) for key, count in rows}

    async def customer_totals(self, customer_id: int, since: datetime) -> tuple[int, int, int]:
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(Notification.is_read.is_(False)),
                    func.count().filter(Notification.created_at >= since),
                ).where(Notification.customer_id == customer_id)
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def mark_read(self, customer_id: int, ids: list[int] | None, now: datetime) -> int:
        conditions = [Notification.customer_id == customer_id, Notification.is_read.is_(False)]
        if ids is not None:
            conditions.append(Notification.notification_id.in_(ids))
        result = await self.session.execute(
            update(Notification).where(*conditions).values(is_read=True, read_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def preferences(self, customer_id: int) -> NotificationPreference | None:
        return await self.session.get(NotificationPreference, customer_id)

    async def save_preferences(self, customer_id: int, values: Mapping[str, object]) -> None:
        statement = insert(NotificationPreference).values(customer_id=customer_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["customer_id"], set_=values)
        )

    # --- admin --------------------------------------------------------------------------------

    async def find(
        self, conditions: list[ColumnElement[bool]], skip: int, limit: int
    ) -> tuple[list[Notification], int]:
        """A page, newest first (the customer's list and the admin's)."""
        return await self.page(_newest_first(conditions), skip=skip, limit=limit)

    async def recent(self, conditions: list[ColumnElement[bool]], limit: int) -> list[Notification]:
        return list((await self.session.execute(_newest_first(conditions).limit(limit))).scalars())

    def _opted_out(self, channel: NotificationChannel, customer_id: ColumnElement[int]) -> Exists:
        column = {
            NotificationChannel.sms: NotificationPreference.promotional_sms,
            NotificationChannel.push: NotificationPreference.promotional_push,
            NotificationChannel.in_app: NotificationPreference.promotional_in_app,
        }[channel]
        return exists().where(NotificationPreference.customer_id == customer_id, column.is_(False))

    async def send_to(
        self,
        audience: Select[int],
        *,
        title: str,
        message: str,
        type_: NotificationType,
        channel: NotificationChannel,
        dedupe_prefix: str | None = None,
        broadcast_id: int | None = None,
    ) -> list[int]:
        """INSERT … SELECT one admin notification per customer id of `audience` (the
        customer domain's selection), skipping promotional opt-outs; returns the customer
        ids written to."""
        recipients = audience.subquery("recipients")
        customer_id = recipients.c.customer_id
        conditions = []
        if type_ == NotificationType.promotional:
            conditions.append(~self._opted_out(channel, customer_id))
        in_app = channel == NotificationChannel.in_app
        query = (
            select(
                customer_id,
                literal(title),
                literal(message),
                literal(type_.value),
                literal(channel.value),
                literal(NotificationSource.admin.value),
                literal("sent" if in_app else "pending"),
                literal("in_app" if in_app else "simulated"),
                func.now() if in_app else literal(None),
                (func.concat(dedupe_prefix, customer_id) if dedupe_prefix else literal(None)),
                literal(broadcast_id),
            )
            .where(*conditions)
            .order_by(customer_id)
        )
        statement = (
            insert(Notification)
            .from_select(
                [
                    "customer_id",
                    "title",
                    "message",
                    "type",
                    "channel",
                    "source",
                    "status",
                    "delivery_mode",
                    "sent_at",
                    "dedupe_key",
                    "broadcast_id",
                ],
                query,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.customer_id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def broadcast(self, broadcast_id: int) -> NotificationBroadcast | None:
        return (
            await self.session.execute(
                select(NotificationBroadcast)
                .where(NotificationBroadcast.broadcast_id == broadcast_id)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()


def _newest_first(conditions: list[ColumnElement[bool]]) -> Select[Notification]:
    return (
        select(Notification)
        .where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.notification_id.desc())
    )
