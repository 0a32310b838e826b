from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, ScalarSelect, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from nexa.catalog.schemas import SellablePlan
from nexa.core import sql
from nexa.core.repository import Repository
from nexa.models import Category, Offer, Plan, PlanStatus, PlanType


class CategoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_exists(self) -> bool:
        return (
            await self.session.execute(select(Category.category_id).limit(1))
        ).first() is not None

    async def get(self, category_id: int) -> Category | None:
        return await self.session.get(Category, category_id)

    async def name_taken(self, name: str, *, except_category_id: int | None = None) -> bool:
        query = select(Category.category_id).where(
            func.lower(Category.category_name) == name.lower()
        )
        if except_category_id is not None:
            query = query.where(Category.category_id != except_category_id)
        return (await self.session.execute(query)).first() is not None

    async def find(
        self, *, skip: int, limit: int, by_name: bool = False
    ) -> tuple[list[Category], int]:
        total = (
            await self.session.execute(select(func.count()).select_from(Category))
        ).scalar_one()
        order = (
            (func.lower(Category.category_name), Category.category_id)
            if by_name
            else (Category.category_id,)
        )
        rows = (
            await self.session.execute(select(Category).order_by(*order).offset(skip).limit(limit))
        ).scalars()
        return list(rows), int(total)

    async def plan_usage(self, category_id: int) -> tuple[int, int]:
        """(non-deleted plans, soft-deleted plans) in the category."""
        row = (
            await self.session.execute(
                select(
                    func.count().filter(Plan.deleted_at.is_(None)),
                    func.count().filter(Plan.deleted_at.is_not(None)),
                ).where(Plan.category_id == category_id)
            )
        ).one()
        return int(row[0]), int(row[1])

    async def add(self, category: Category) -> Category:
        self.session.add(category)
        await self.session.flush()
        await self.session.refresh(category)
        return category

    async def flush(self, category: Category) -> Category:
        await self.session.flush()
        await self.session.refresh(category)
        return category

    async def delete(self, category: Category) -> None:
        await self.session.delete(category)
        await self.session.flush()


@dataclass(frozen=True)
class PlanFilters:
    plan_id: int | None = None
    plan_type: PlanType | None = None
    category_id: int | None = None
    status: PlanStatus | None = None
    include_deleted: bool = False
    is_featured: bool | None = None
    is_topup: bool | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not self.include_deleted:
            conditions.append(Plan.deleted_at.is_(None))
        if self.plan_id is not None:
            conditions.append(Plan.plan_id == self.plan_id)
        if self.plan_type is not None:
            conditions.append(Plan.plan_type == self.plan_type)
        if self.category_id is not None:
            conditions.append(Plan.category_id == self.category_id)
        if self.status is not None:
            conditions.append(Plan.status == self.status)
        if self.is_featured is not None:
            conditions.append(Plan.is_featured.is_(self.is_featured))
        if self.is_topup is not None:
            conditions.append(Plan.is_topup.is_(self.is_topup))
        if self.min_price is not None:
            conditions.append(Plan.price >= self.min_price)
        if self.max_price is not None:
            conditions.append(Plan.price <= self.max_price)
        return conditions


@dataclass(frozen=True)
class PlanWithBestOffer:
    plan: Plan
    category_name: str
    offer_id: int | None
    offer_price: Decimal | None
    offer_valid_until: datetime | None


def _valid_at(now: datetime) -> list[ColumnElement[bool]]:
    """A non-deleted offer whose validity (both bounds inclusive) contains `now`."""
    return [Offer.deleted_at.is_(None), Offer.valid_from <= now, Offer.valid_until >= now]


def plan_name_of(plan_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[str]:
    """The name of the plan `plan_id` names, as a correlated subquery."""
    return select(Plan.plan_name).where(Plan.plan_id == plan_id).scalar_subquery()


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, plan_ids: Collection[int]) -> dict[int, str]:
        if not plan_ids:
            return {}
        rows = await self.session.execute(
            select(Plan.plan_id, Plan.plan_name).where(Plan.plan_id.in_(set(plan_ids)))
        )
        return {row.plan_id: row.plan_name for row in rows}

    async def get_sellable(self, plan_id: int) -> SellablePlan | None:
        """An active, non-deleted plan (what a purchase needs of it; on the purchase path,
        so straight to the driver)."""
        row = await sql.fetch_one(
            self.session,
            "SELECT plan_id, plan_name, plan_type, is_topup, price, validity_days,"
            " data_allowance_mb, daily_data_limit_mb FROM plan"
            " WHERE plan_id = %(plan_id)s AND status = 'active' AND deleted_at IS NULL",
            {"plan_id": plan_id},
        )
        if row is None:
            return None
        return SellablePlan(**row._asdict())

    async def get(self, plan_id: int, *, include_deleted: bool = False) -> Plan | None:
        query = select(Plan).where(Plan.plan_id == plan_id)
        if not include_deleted:
            query = query.where(Plan.deleted_at.is_(None))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(self, filters: PlanFilters, *, skip: int, limit: int) -> tuple[list[Plan], int]:
        conditions = filters.conditions()
        total = (
            await self.session.execute(select(func.count()).select_from(Plan).where(*conditions))
        ).scalar_one()
        rows = (
            await self.session.execute(
                select(Plan).where(*conditions).order_by(Plan.plan_id).offset(skip).limit(limit)
            )
        ).scalars()
        return list(rows), int(total)

    async def list_with_best_offer(
        self, filters: PlanFilters, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[PlanWithBestOffer], int]:
        """One query for the page: each plan with its best offer valid at `now` (lowest price,
        then earliest end, then lowest id: docs/decisions.md#best-offer), chosen by a LATERAL
        subquery. Order: featured first, then price, then plan_id
        (docs/decisions.md#plan-listing-order)."""
        conditions = filters.conditions()
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(Plan)
                .join(Category, Category.category_id == Plan.category_id)
                .where(*conditions)
            )
        ).scalar_one()
        best = (
            select(
                Offer.offer_id.label("offer_id"),
                Offer.discounted_price.label("offer_price"),
                Offer.valid_until.label("offer_valid_until"),
            )
            .where(Offer.plan_id == Plan.plan_id, *_valid_at(now))
            .order_by(Offer.discounted_price, Offer.valid_until, Offer.offer_id)
            .limit(1)
            .lateral("best_offer")
        )
        query = (
            select(
                Plan,
                Category.category_name,
                best.c.offer_id,
                best.c.offer_price,
                best.c.offer_valid_until,
            )
            .join(Category, Category.category_id == Plan.category_id)
            .outerjoin(best, true())
            .where(*conditions)
            .order_by(Plan.is_featured.desc(), Plan.price, Plan.plan_id)
            .offset(skip)
            .limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return [PlanWithBestOffer(*row) for row in rows], int(total)

    async def postpaid(self, *, addons: bool, plan_id: int | None) -> list[Plan]:
        """Postpaid base plans (or add-ons) on sale, cheapest first."""
        query = (
            select(Plan)
            .where(
                Plan.plan_type == PlanType.postpaid,
                Plan.is_topup.is_(addons),
                Plan.status == PlanStatus.active,
                Plan.deleted_at.is_(None),
            )
            .order_by(Plan.price, Plan.plan_id)
        )
        if plan_id is not None:
            query = query.where(Plan.plan_id == plan_id)
        return list((await self.session.execute(query)).scalars())

    async def highest_live_offer_price(self, plan_id: int, now: datetime) -> Decimal | None:
        """The highest price among the plan's non-deleted offers that have not expired."""
        return (
            await self.session.execute(
                select(func.max(Offer.discounted_price)).where(
                    Offer.plan_id == plan_id,
                    Offer.deleted_at.is_(None),
                    Offer.valid_until >= now,
                )
            )
        ).scalar_one_or_none()

    async def add(self, plan: Plan) -> Plan:
        self.session.add(plan)
        await self.session.flush()
        await self.session.refresh(plan)
        return plan

    async def flush(self, plan: Plan) -> Plan:
        await self.session.flush()
        await self.session.refresh(plan)
        return plan


@dataclass(frozen=True)
class OfferFilters:
    offer_id: int | None = None
    plan_id: int | None = None
    status: str | None = None  # "active" | "inactive" | "expired", relative to `now`


@dataclass(frozen=True)
class OfferForCustomer:
    offer: Offer
    plan_name: str
    plan_price: Decimal


class OfferRepository(Repository[Offer]):
    model = Offer

    async def next_validity_boundary(self, now: datetime) -> datetime | None:
        """The next instant an offer starts or ends (when best prices may change)."""
        return (
            await self.session.execute(
                select(
                    func.least(
                        func.min(Offer.valid_from).filter(Offer.valid_from > now),
                        func.min(Offer.valid_until).filter(Offer.valid_until >= now),
                    )
                ).where(Offer.deleted_at.is_(None))
            )
        ).scalar_one()

    async def get_live(self, offer_id: int) -> Offer | None:
        """A non-deleted offer."""
        return (
            await self.session.execute(
                select(Offer).where(Offer.offer_id == offer_id, Offer.deleted_at.is_(None))
            )
        ).scalar_one_or_none()

    async def find(
        self, filters: OfferFilters, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[Offer], int]:
        conditions: list[ColumnElement[bool]] = [Offer.deleted_at.is_(None)]
        if filters.offer_id is not None:
            conditions.append(Offer.offer_id == filters.offer_id)
        if filters.plan_id is not None:
            conditions.append(Offer.plan_id == filters.plan_id)
        if filters.status == "active":
            conditions.extend(_valid_at(now))
        elif filters.status == "inactive":
            conditions.append(Offer.valid_from > now)
        elif filters.status == "expired":
            conditions.append(Offer.valid_until < now)
        query = select(Offer).where(*conditions).order_by(Offer.offer_id)
        return await self.page(query, skip=skip, limit=limit)

    async def list_for_customers(
        self, now: datetime, *, plan_id: int | None, skip: int, limit: int
    ) -> tuple[list[OfferForCustomer], int]:
        """Offers valid now of active, non-deleted plans; per plan the best offer first."""
        conditions: list[ColumnElement[bool]] = [
            *_valid_at(now),
            Plan.status == PlanStatus.active,
            Plan.deleted_at.is_(None),
        ]
        if plan_id is not None:
            conditions.append(Offer.plan_id == plan_id)
        base = select(Offer).join(Plan, Plan.plan_id == Offer.plan_id).where(*conditions)
        total = (
            await self.session.execute(select(func.count()).select_from(base.subquery()))
        ).scalar_one()
        rows = (
            await self.session.execute(
                base.add_columns(Plan.plan_name, Plan.price)
                .order_by(Offer.plan_id, Offer.discounted_price, Offer.valid_until, Offer.offer_id)
                .offset(skip)
                .limit(limit)
            )
        ).all()
        return [OfferForCustomer(*row) for row in rows], int(total)

    async def insert(self, offer: Offer) -> Offer:
        """Add the offer and load what the database filled in."""
        self.session.add(offer)
        await self.session.flush()
        await self.session.refresh(offer)
        return offer

    async def flush(self, offer: Offer) -> Offer:
        await self.session.flush()
        await self.session.refresh(offer)
        return offer
