from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Category, Offer, Plan, PlanStatus


class CategoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_exists(self) -> bool:
        return (
            await self.session.execute(select(Category.category_id).limit(1))
        ).first() is not None


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_sellable(self, plan_id: int) -> Plan | None:
        """An active, non-deleted plan."""
        return (
            await self.session.execute(
                select(Plan).where(
                    Plan.plan_id == plan_id,
                    Plan.status == PlanStatus.active,
                    Plan.deleted_at.is_(None),
                )
            )
        ).scalar_one_or_none()


class OfferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, offer_id: int) -> Offer | None:
        """A non-deleted offer."""
        return (
            await self.session.execute(
                select(Offer).where(Offer.offer_id == offer_id, Offer.deleted_at.is_(None))
            )
        ).scalar_one_or_none()
