"""Catalogue categories: the shelves plans are sold on (admin side)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action, row_summary
from nexa.catalog.repository import CategoryRepository
from nexa.catalog.schemas import CategoryCreate
from nexa.core.errors import BadRequest, Conflict, NotFound
from nexa.models import Category

if TYPE_CHECKING:
    from nexa.models import Admin


class CategoryNotFound(NotFound, code="category_not_found"): ...


class UnknownCategory(BadRequest, code="category_not_found"):
    """A plan names a category that does not exist (400: the plan body is wrong)."""


class CategoryNameTaken(BadRequest, code="category_name_taken"):
    def __init__(self, name: str) -> None:
        super().__init__(f"A category named {name!r} already exists")


class CategoryInUse(Conflict, code="category_in_use"): ...


async def list_categories(
    db: AsyncSession, *, skip: int, limit: int, by_name: bool = False
) -> tuple[list[Category], int]:
    return await CategoryRepository(db).find(skip=skip, limit=limit, by_name=by_name)


async def get_category(db: AsyncSession, category_id: int) -> Category:
    category = await CategoryRepository(db).get(category_id)
    if category is None:
        raise CategoryNotFound(f"Category {category_id} not found")
    return category


async def _save_category(
    categories: CategoryRepository, category: Category, *, new: bool
) -> Category:
    name = category.category_name
    try:
        return await (categories.add(category) if new else categories.flush(category))
    except IntegrityError as exc:  # a concurrent request took the name (unique index)
        raise CategoryNameTaken(name) from exc


async def create_category(db: AsyncSession, data: CategoryCreate, admin: Admin) -> Category:
    categories = CategoryRepository(db)
    if await categories.name_taken(data.category_name):
        raise CategoryNameTaken(data.category_name)
    category = await _save_category(
        categories, Category(category_name=data.category_name), new=True
    )
    await record_admin_action(
        db, admin, "category.create", "category", category.category_id, None, row_summary(category)
    )
    return category


async def update_category(
    db: AsyncSession, category_id: int, data: CategoryCreate, admin: Admin
) -> Category:
    categories = CategoryRepository(db)
    category = await get_category(db, category_id)
    if await categories.name_taken(data.category_name, except_category_id=category_id):
        raise CategoryNameTaken(data.category_name)
    before = {"category_name": category.category_name}
    category.category_name = data.category_name
    category = await _save_category(categories, category, new=False)
    await record_admin_action(
        db,
        admin,
        "category.update",
        "category",
        category_id,
        before,
        {"category_name": category.category_name},
    )
    return category


async def delete_category(db: AsyncSession, category_id: int, admin: Admin) -> None:
    """Hard delete of an unused category. Plans keep their category even once deleted (the
    foreign key restricts), so a category with only soft-deleted plans is in use too (409)."""
    categories = CategoryRepository(db)
    category = await get_category(db, category_id)
    live, deleted = await categories.plan_usage(category_id)
    if live:
        raise CategoryInUse(f"Category {category_id} is used by {live} plan(s)")
    if deleted:
        raise CategoryInUse(
            f"Category {category_id} is still referenced by {deleted} deleted plan(s), "
            "kept as purchase history"
        )
    before = row_summary(category)
    try:
        await categories.delete(category)
    except IntegrityError as exc:  # a plan was added to it meanwhile
        raise CategoryInUse(f"Category {category_id} is used by plans") from exc
    await record_admin_action(db, admin, "category.delete", "category", category_id, before)


async def check_category_exists(db: AsyncSession, category_id: int) -> None:
    if await CategoryRepository(db).get(category_id) is None:
        raise UnknownCategory(f"Category {category_id} does not exist")
