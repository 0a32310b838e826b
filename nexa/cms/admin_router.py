from __future__ import annotations

from collections.abc import Callable
from types import GenericAlias
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path
from pydantic import AliasChoices, BaseModel

from nexa.auth.dependencies import CurrentAdmin
from nexa.cms import service
from nexa.cms.schemas import (
    CarouselCreate,
    CarouselResponse,
    CarouselUpdate,
    CMSListResponse,
    CMSReorderRequest,
    FAQCreate,
    FAQResponse,
    FAQUpdate,
    HeaderCreate,
    HeaderResponse,
    HeaderUpdate,
)
from nexa.core.db import SessionDep
from nexa.core.schemas import Message

router = APIRouter(prefix="/cms", tags=["Admin - CMS Management"])
# the id in a collection's path: header_id, carousel_id or faq_id (FastAPI picks the one there)
ItemId = Annotated[
    str, Path(max_length=64, validation_alias=AliasChoices("header_id", "carousel_id", "faq_id"))
]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _reading(schema: type[BaseModel], endpoint: Endpoint) -> Endpoint:
    """`endpoint` with its `data` body typed as `schema`, which FastAPI validates and documents
    (the endpoints below serve every collection, so they are written with `BaseModel`)."""
    endpoint.__annotations__["data"] = schema
    return endpoint


def _add_collection(
    noun: str,
    schemas: tuple[type[BaseModel], type[BaseModel], type[BaseModel]],
    *,
    create_doc: str | None = None,
    with_get: bool = False,
) -> None:
    """Register the list, create, (get,) update and delete routes of the collection of `noun`
    items, given its create, update and response schemas. Names as if written out one by one
    (get_headers, create_header, get_header, update_header, delete_header: the operation ids)."""
    create, update, response = schemas
    item = noun.lower()
    collection = f"{item}s"
    items, one = f"/{collection}", f"/{collection}/{{{item}_id}}"

    async def list_items(db: SessionDep) -> list[Any]:
        return await service.list_items(db, collection, active_only=False)

    async def create_item(data: BaseModel, db: SessionDep, admin: CurrentAdmin) -> Any:
        return await service.create_item(db, collection, data, admin)

    async def get_item(item_id: ItemId, db: SessionDep) -> Any:
        return await service.get_item(db, collection, item_id)

    async def update_item(
        item_id: ItemId, data: BaseModel, db: SessionDep, admin: CurrentAdmin
    ) -> Any:
        return await service.update_item(db, collection, item_id, data, admin)

    async def delete_item(item_id: ItemId, db: SessionDep, admin: CurrentAdmin) -> Message:
        await service.delete_item(db, collection, item_id, admin)
        return Message(message=f"{noun} deleted")

    listing = GenericAlias(list, (response,))
    router.get(items, response_model=listing, name=f"get_{collection}")(list_items)
    router.post(items, response_model=response, name=f"create_{item}", description=create_doc)(
        _reading(create, create_item)
    )
    if with_get:
        router.get(one, response_model=response, name=f"get_{item}")(get_item)
    router.put(one, response_model=response, name=f"update_{item}")(_reading(update, update_item))
    router.delete(one, response_model=Message, name=f"delete_{item}")(delete_item)


_add_collection(
    "Header",
    (HeaderCreate, HeaderUpdate, HeaderResponse),
    create_doc="At most one header may be active.",
    with_get=True,
)
_add_collection(
    "Carousel",
    (CarouselCreate, CarouselUpdate, CarouselResponse),
    create_doc="Inserted at `order`; the others move down (orders stay 1..n).",
)
_add_collection("FAQ", (FAQCreate, FAQUpdate, FAQResponse))


@router.get("/overview", response_model=CMSListResponse)
async def get_cms_overview(db: SessionDep) -> CMSListResponse:
    """Everything, inactive items included."""
    return await service.content(db, active_only=False)


@router.post("/reorder", response_model=Message)
async def reorder_items(data: CMSReorderRequest, db: SessionDep, admin: CurrentAdmin) -> Message:
    """Move an item to `new_order`; the collection is renumbered 1..n."""
    await service.reorder(db, data.item_id, data.new_order, data.collection_type, admin)
    return Message(message="Items reordered")
