from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import AuthSession, UserType


class AuthSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        user_type: UserType,
        subject_id: int,
        refresh_jti: uuid.UUID,
        expires_at: datetime,
    ) -> AuthSession:
        row = AuthSession(
            session_id=uuid.uuid4(),
            user_type=user_type,
            subject_id=subject_id,
            refresh_jti=refresh_jti,
            expires_at=expires_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, session_id: uuid.UUID, *, for_update: bool = False) -> AuthSession | None:
        query = select(AuthSession).where(AuthSession.session_id == session_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def revoke(self, session_id: uuid.UUID, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.session_id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all(
        self,
        user_type: UserType,
        subject_id: int,
        reason: str,
        now: datetime,
        *,
        except_session_id: uuid.UUID | None = None,
    ) -> int:
        query = (
            update(AuthSession)
            .where(
                AuthSession.user_type == user_type,
                AuthSession.subject_id == subject_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .values(revoked_at=now, revoked_reason=reason)
        )
        if except_session_id is not None:
            query = query.where(AuthSession.session_id != except_session_id)
        result = await self.session.execute(query)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def delete_stale(
        self, *, expired_before: datetime, revoked_before: datetime, batch_size: int
    ) -> int:
        """Delete one batch of expired or long-revoked sessions; returns how many."""
        batch = (
            select(AuthSession.session_id)
            .where(
                or_(
                    AuthSession.expires_at < expired_before,
                    AuthSession.revoked_at < revoked_before,
                )
            )
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            delete(AuthSession).where(AuthSession.session_id.in_(batch))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
