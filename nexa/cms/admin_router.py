from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

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
ItemId = Annotated[str, Path(max_length=64)]


@router.get("/headers", response_model=list[HeaderResponse])
async def get_headers(db: SessionDep) -> list[HeaderResponse]:
    return await service.list_items(db, "headers", active_only=False)


@router.post("/headers", response_model=HeaderResponse)
async def create_header(data: HeaderCreate, db: SessionDep, admin: CurrentAdmin) -> HeaderResponse:
    """At most one header may be active."""
    return await service.create_item(db, "headers", data, admin)


@router.get("/headers/{header_id}", response_model=HeaderResponse)
async def get_header(header_id: ItemId, db: SessionDep) -> HeaderResponse:
    return await service.get_item(db, "headers", header_id)


@router.put("/headers/{header_id}", response_model=HeaderResponse)
async def update_header(
    header_id: ItemId, data: HeaderUpdate, db: SessionDep, admin: CurrentAdmin
) -> HeaderResponse:
    return await service.update_item(db, "headers", header_id, data, admin)


@router.delete("/headers/{header_id}", response_model=Message)
async def delete_header(header_id: ItemId, db: SessionDep, admin: CurrentAdmin) -> Message:
    await service.delete_item(db, "headers", header_id, admin)
    return Message(message="Header deleted")


@router.get("/carousels", response_model=list[CarouselResponse])
async def get_carousels(db: SessionDep) -> list[CarouselResponse]:
    return await service.list_items(db, "carousels", active_only=False)


@router.post("/carousels", response_model=CarouselResponse)
async def create_carousel(
    data: CarouselCreate, db: SessionDep, admin: CurrentAdmin
) -> CarouselResponse:
    """Inserted at `order`; the others move down (orders stay 1..n)."""
    return await service.create_item(db, "carousels", data, admin)


@router.put("/carousels/{carousel_id}", response_model=CarouselResponse)
async def update_carousel(
    carousel_id: ItemId, data: CarouselUpdate, db: SessionDep, admin: CurrentAdmin
) -> CarouselResponse:
    return await service.update_item(db, "carousels", carousel_id, data, admin)


@router.delete("/carousels/{carousel_id}", response_model=Message)
async def delete_carousel(carousel_id: ItemId, db: SessionDep, admin: CurrentAdmin) -> Message:
    await service.delete_item(db, "carousels", carousel_id, admin)
    return Message(message="Carousel deleted")


@router.get("/faqs", response_model=list[FAQResponse])
async def get_faqs(db: SessionDep) -> list[FAQResponse]:
    return await service.list_items(db, "faqs", active_only=False)


@router.post("/faqs", response_model=FAQResponse)
async def create_faq(data: FAQCreate, db: SessionDep, admin: CurrentAdmin) -> FAQResponse:
    return await service.create_item(db, "faqs", data, admin)


@router.put("/faqs/{faq_id}", response_model=FAQResponse)
async def update_faq(
    faq_id: ItemId, data: FAQUpdate, db: SessionDep, admin: CurrentAdmin
) -> FAQResponse:
    return await service.update_item(db, "faqs", faq_id, data, admin)


@router.delete("/faqs/{faq_id}", response_model=Message)
async def delete_faq(faq_id: ItemId, db: SessionDep, admin: CurrentAdmin) -> Message:
    await service.delete_item(db, "faqs", faq_id, admin)
    return Message(message="FAQ deleted")


@router.get("/overview", response_model=CMSListResponse)
async def get_cms_overview(db: SessionDep) -> CMSListResponse:
    """Everything, inactive items included."""
    return await service.content(db, active_only=False)


@router.post("/reorder", response_model=Message)
async def reorder_items(data: CMSReorderRequest, db: SessionDep, admin: CurrentAdmin) -> Message:
    """Move an item to `new_order`; the collection is renumbered 1..n."""
    await service.reorder(db, data.item_id, data.new_order, data.collection_type, admin)
    return Message(message="Items reordered")
