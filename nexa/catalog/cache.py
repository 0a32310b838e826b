"""Customer catalogue pages, and the plans a purchase sells, served from memory.

`GET /customer/plans` is the busiest read and changes only when staff edit the catalogue
or an offer starts or ends. A page is kept as its finished JSON and dropped when:
  * any process commits a change to plans, offers or categories (trigger → NOTIFY
    `nexa_catalog_changed`), or this process flushes one (immediately, before commit);
  * the next offer boundary passes (an offer starts or ends, so best prices change);
  * it is `MAX_AGE` old, a safety net.

Every purchase reads its plan twice (priced, then re-checked when its payment is captured):
a plan on sale is kept by id, and dropped on any catalogue change like the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from nexa.catalog import plans
from nexa.catalog.repository import OfferRepository, PlanFilters
from nexa.catalog.schemas import PlanResponseForCustomer, SellablePlan
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.invalidation import CATALOG_CHANNEL, LocalCache, listener
from nexa.models import Category, Offer, Plan

MAX_AGE = timedelta(minutes=1)
_plan_list = TypeAdapter(list[PlanResponseForCustomer])


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    total: int
    filled_at: datetime
    fresh_until: datetime

    def fresh_at(self, now: datetime) -> bool:
        return self.filled_at <= now < self.fresh_until


plan_pages: LocalCache[tuple[Any, ...], CachedPage] = LocalCache(
    "catalog_pages", max_entries=lambda: get_settings().catalog_cache_entries
)
# also read by the job worker's loop (a capture settled by reconciliation): see
# nexa/core/invalidation.py on `starts_listener`
plans_for_sale: LocalCache[int, SellablePlan] = LocalCache(
    "plans_for_sale",
    max_entries=lambda: get_settings().catalog_cache_entries,
    starts_listener=False,
)
listener.register(plan_pages)
listener.register(plans_for_sale)


def _forget_catalogue(_: object = None) -> None:
    plan_pages.clear()
    plans_for_sale.clear()


listener.on(CATALOG_CHANNEL, _forget_catalogue)


@event.listens_for(Session, "after_flush")
def _forget_on_local_change(session: Session, _: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, Plan | Offer | Category) for row in changed):
        _forget_catalogue()


async def plan_for_sale(db: AsyncSession, plan_id: int) -> SellablePlan:
    """A plan that can be bought now (404 otherwise), from memory while it is known exact
    (docs/decisions.md#exact-caches)."""
    cached = plans_for_sale.get(plan_id)
    if cached is not None:
        return cached
    generation = plans_for_sale.generation()
    plan = await plans.get_plan_for_sale(db, plan_id)
    plans_for_sale.put(plan_id, plan, generation)
    return plan


async def plan_page(db: AsyncSession, filters: PlanFilters, *, skip: int, limit: int) -> CachedPage:
    """The customer plan listing as JSON, from memory when still fresh."""
    now = clock.now()
    key = (filters, skip, limit)
    cached = plan_pages.get(key)
    if cached is not None and cached.fresh_at(now):
        return cached
    generation = plan_pages.generation()
    listing, total = await plans.list_plans_for_customer(db, filters, skip=skip, limit=limit)
    boundary = await OfferRepository(db).next_validity_boundary(now)
    page = CachedPage(
        body=_plan_list.dump_json(listing),
        total=total,
        filled_at=now,
        fresh_until=min(now + MAX_AGE, boundary) if boundary else now + MAX_AGE,
    )
    plan_pages.put(key, page, generation)
    return page
