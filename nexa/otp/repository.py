"""SQL of one-time codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from nexa.core.repository import Repository
from nexa.models import OneTimeCode, OtpPurpose


class OneTimeCodeRepository(Repository[OneTimeCode]):
    model = OneTimeCode

    async def lock_number(self, phone_number: str) -> None:
        """Serialise code requests of one number until the transaction ends, so that two at
        once cannot both pass the resend limits."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"otp:{phone_number}", 0)))
        )

    async def issued_since(self, phone_number: str, since: datetime) -> list[datetime]:
        """When this number's codes (any purpose) were issued since `since`, oldest first."""
        rows = await self.session.execute(
            select(OneTimeCode.created_at)
            .where(OneTimeCode.phone_number == phone_number, OneTimeCode.created_at > since)
            .order_by(OneTimeCode.created_at)
        )
        return list(rows.scalars())

    async def newest_for_update(self, phone_number: str, purpose: OtpPurpose) -> OneTimeCode | None:
        """The number's newest code for this purpose, locked (concurrent tries are counted
        one after the other, and a code is consumed once)."""
        return (
            await self.session.execute(
                select(OneTimeCode)
                .where(OneTimeCode.phone_number == phone_number, OneTimeCode.purpose == purpose)
                .order_by(OneTimeCode.created_at.desc(), OneTimeCode.code_id.desc())
                .limit(1)
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def purge(self, created_before: datetime, batch_size: int) -> int:
        return await self.delete_batch(
            OneTimeCode.code_id, OneTimeCode.created_at < created_before, batch_size=batch_size
        )
