"""CMS content (docs/decisions.md#cms-content, #cms-storage): one header at most active,
ordered carousels and FAQs, active flags, atomic reordering; customers see active items
only."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.catalog import service as catalog_service
from nexa.cms.repository import (
    Document,
    DocumentStore,
    ExportedDocument,
    get_store,
)
from nexa.cms.schemas import (
    CarouselResponse,
    CMSListResponse,
    FAQResponse,
    HeaderResponse,
)
from nexa.core.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from nexa.models import Admin

RESPONSES: dict[str, type[BaseModel]] = {
    "headers": HeaderResponse,
    "carousels": CarouselResponse,
    "faqs": FAQResponse,
}
REORDERABLE = {"carousel": "carousels", "faq": "faqs"}
_EXPORTED = TypeAdapter(list[ExportedDocument])


class MalformedId(BadRequest, code="invalid_id"): ...


class DocumentNotFound(NotFound, code="cms_item_not_found"): ...


class HeaderExists(BadRequest, code="header_exists"): ...


class EmptyUpdate(BadRequest, code="empty_update"): ...


class CategoryNotFound(BadRequest, code="category_not_found"): ...


class InvalidCollection(BadRequest, code="invalid_collection"): ...


def _response(document: Document) -> Any:
    values = {
        **document.body,
        "id": document.id,
        "is_active": document.is_active,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }
    if document.position is not None:
        values["order"] = document.position
    return RESPONSES[document.collection].model_validate(values)


def _target(collection: str) -> str:
    """The audit target type of a collection: cms_header, cms_carousel, cms_faq."""
    return f"cms_{collection[:-1]}"


def _checked_id(store: DocumentStore, document_id: str) -> str:
    if not store.valid_id(document_id):
        raise MalformedId(f"{document_id!r} is not a valid id")
    return document_id


async def _check_category(db: AsyncSession, body: dict[str, Any]) -> None:
    category_id = body.get("category_id")
    if category_id is None:
        return
    if not await catalog_service.category_exists(db, int(category_id)):
        raise CategoryNotFound(f"Category {category_id} does not exist")


async def _no_other_active_header(store: DocumentStore, except_id: str | None = None) -> None:
    if any(h.is_active and h.id != except_id for h in await store.find_all("headers")):
        raise HeaderExists("An active header exists already: deactivate or delete it first")


async def list_items(db: AsyncSession, collection: str, *, active_only: bool) -> list[Any]:
    store = get_store(db)
    return [_response(d) for d in await store.find_all(collection, active_only=active_only)]


async def get_item(db: AsyncSession, collection: str, document_id: str) -> Any:
    store = get_store(db)
    document = await store.get(collection, _checked_id(store, document_id))
    if document is None:
        raise DocumentNotFound(f"{collection[:-1].capitalize()} {document_id} not found")
    return _response(document)


async def create_item(db: AsyncSession, collection: str, data: BaseModel, admin: Admin) -> Any:
    store = get_store(db)
    values = data.model_dump()
    is_active = values.pop("is_active")
    position = values.pop("order", None)
    await store.lock(collection)
    if collection == "headers" and is_active:
        await _no_other_active_header(store)
    await _check_category(db, values)
    document = await store.insert(collection, values, is_active=is_active, position=position)
    created = _response(document)
    target = _target(collection)
    await record_admin_action(db, admin, f"{target}.create", target, document.id, None, created)
    return created


async def update_item(
    db: AsyncSession, collection: str, document_id: str, data: BaseModel, admin: Admin
) -> Any:
    store = get_store(db)
    _checked_id(store, document_id)
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise EmptyUpdate("Send at least one field to change")
    is_active = changes.pop("is_active", None)
    position = changes.pop("order", None)
    await store.lock(collection)
    existing = await store.get(collection, document_id)
    if existing is None:
        raise DocumentNotFound(f"{collection[:-1].capitalize()} {document_id} not found")
    before = _response(existing).model_dump()
    if collection == "headers" and is_active:
        await _no_other_active_header(store, except_id=document_id)
    await _check_category(db, changes)
    document = await store.update(collection, document_id, changes, is_active=is_active)
    if position is not None:
        await store.move(collection, document_id, position)
        document = await store.get(collection, document_id)
    assert document is not None
    updated = _response(document)
    target = _target(collection)
    await record_admin_action(
        db, admin, f"{target}.update", target, document_id, before, updated.model_dump()
    )
    return updated


async def delete_item(db: AsyncSession, collection: str, document_id: str, admin: Admin) -> None:
    store = get_store(db)
    _checked_id(store, document_id)
    await store.lock(collection)
    existing = await store.get(collection, document_id)
    if existing is None or not await store.delete(collection, document_id):
        raise DocumentNotFound(f"{collection[:-1].capitalize()} {document_id} not found")
    target = _target(collection)
    await record_admin_action(
        db, admin, f"{target}.delete", target, document_id, _response(existing).model_dump()
    )


async def reorder(
    db: AsyncSession, item_id: str, new_order: int, collection_type: str, admin: Admin
) -> None:
    """Move the item to `new_order` (beyond the end = last); the rest renumber 1..n
    (docs/decisions.md#cms-reorder)."""
    collection = REORDERABLE.get(collection_type)
    if collection is None:
        raise InvalidCollection("collection_type must be 'carousel' or 'faq'")
    store = get_store(db)
    _checked_id(store, item_id)
    await store.lock(collection)
    existing = await store.get(collection, item_id)
    if existing is None or not await store.move(collection, item_id, new_order):
        raise DocumentNotFound(f"{collection_type.capitalize()} {item_id} not found")
    moved = await store.get(collection, item_id)
    target = _target(collection)
    await record_admin_action(
        db,
        admin,
        f"{target}.reorder",
        target,
        item_id,
        {"order": existing.position},
        {"order": moved.position if moved else new_order},
    )


async def content(db: AsyncSession, *, active_only: bool) -> CMSListResponse:
    return CMSListResponse(
        headers=await list_items(db, "headers", active_only=active_only),
        carousels=await list_items(db, "carousels", active_only=active_only),
        faqs=await list_items(db, "faqs", active_only=active_only),
    )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def export_documents(db: AsyncSession) -> list[dict[str, object]]:
    """Every CMS document, whichever store holds them (for backups)."""
    return [dict(document) for document in await get_store(db).export_all()]


async def import_documents(db: AsyncSession, documents: Sequence[Mapping[str, object]]) -> None:
    """Replace all CMS documents (for restores) with those of a backup, checked first."""
    await get_store(db).replace_all(_EXPORTED.validate_python(documents))
