from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Admin


class AdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, admin_id: int) -> Admin | None:
        return await self.session.get(Admin, admin_id)

    async def get_by_email(self, email: str) -> Admin | None:
        return (
            await self.session.execute(
                select(Admin).where(func.lower(Admin.email) == email.lower())
            )
        ).scalar_one_or_none()

    async def email_taken(self, email: str, *, except_admin_id: int | None = None) -> bool:
        query = select(Admin.admin_id).where(func.lower(Admin.email) == email.lower())
        if except_admin_id is not None:
            query = query.where(Admin.admin_id != except_admin_id)
        return (await self.session.execute(query)).first() is not None

    async def phone_taken(self, phone_number: str, *, except_admin_id: int | None = None) -> bool:
        query = select(Admin.admin_id).where(Admin.phone_number == phone_number)
        if except_admin_id is not None:
            query = query.where(Admin.admin_id != except_admin_id)
        return (await self.session.execute(query)).first() is not None

    async def any_exists(self) -> bool:
        return (await self.session.execute(select(Admin.admin_id).limit(1))).first() is not None

    async def list(self, *, skip: int, limit: int) -> tuple[list[Admin], int]:
        total = (await self.session.execute(select(func.count()).select_from(Admin))).scalar_one()
        rows = (
            await self.session.execute(
                select(Admin).order_by(Admin.admin_id).offset(skip).limit(limit)
            )
        ).scalars()
        return list(rows), int(total)

    async def add(self, admin: Admin) -> Admin:
        self.session.add(admin)
        await self.session.flush()
        await self.session.refresh(admin)
        return admin

    async def flush(self, admin: Admin) -> Admin:
        await self.session.flush()
        await self.session.refresh(admin)
        return admin
