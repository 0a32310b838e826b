from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.auth import session_cache
from nexa.models import AccountStatus, Admin, AuthSession, Customer, StatusReason, UserType


@dataclass(frozen=True)
class SessionWithAccount:
    user_type: UserType
    subject_id: int
    revoked_at: datetime | None
    expires_at: datetime
    account_exists: bool
    account_status: AccountStatus
    status_reason: StatusReason | None


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

    async def with_account(self, session_id: uuid.UUID) -> SessionWithAccount | None:
        """The session and the state of its account, in one query."""
        customer_joined = and_(
            AuthSession.user_type == UserType.customer,
            Customer.customer_id == AuthSession.subject_id,
            Customer.deleted_at.is_(None),
        )
        admin_joined = and_(
            AuthSession.user_type == UserType.admin, Admin.admin_id == AuthSession.subject_id
        )
        row = (
            await self.session.execute(
                select(
                    AuthSession.user_type,
                    AuthSession.subject_id,
                    AuthSession.revoked_at,
                    AuthSession.expires_at,
                    or_(Customer.customer_id.is_not(None), Admin.admin_id.is_not(None)),
                    Customer.account_status,
                    Customer.status_reason,
                )
                .outerjoin(Customer, customer_joined)
                .outerjoin(Admin, admin_joined)
                .where(AuthSession.session_id == session_id)
            )
        ).one_or_none()
        if row is None:
            return None
        user_type, subject_id, revoked_at, expires_at, exists, status, reason = row
        return SessionWithAccount(
            user_type=user_type,
            subject_id=subject_id,
            revoked_at=revoked_at,
            expires_at=expires_at,
            account_exists=bool(exists),
            account_status=status or AccountStatus.active,
            status_reason=reason,
        )

    async def revoke(self, session_id: uuid.UUID, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.session_id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        # this process forgets at once; the others hear of it from the trigger at commit
        session_cache.forget_session(session_id)

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
        session_cache.forget_account(user_type, subject_id)
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
