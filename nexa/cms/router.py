"""Customer CMS content: public, active items only, in order; cacheable by ETag
(docs/decisions.md#cms-content)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.cms import service
from nexa.cms.schemas import CarouselResponse, CMSListResponse, FAQResponse, HeaderResponse
from nexa.core.db import get_session

router = APIRouter(prefix="/customer/cms", tags=["Customer - CMS Content"])
# public endpoints: the session without any authentication
PublicSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
CACHE = "public, max-age=60"


@router.get("/content", response_model=CMSListResponse)
async def get_cms_content(
    db: PublicSession,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """All active content (no token needed). Send the ETag back as If-None-Match: 304 when
    nothing changed."""
    body = (await service.content(db, active_only=True)).model_dump_json().encode()
    etag = service.etag_of(body)
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/headers", response_model=list[HeaderResponse])
async def get_headers(db: PublicSession) -> list[HeaderResponse]:
    return await service.list_items(db, "headers", active_only=True)


@router.get("/carousels", response_model=list[CarouselResponse])
async def get_carousels(db: PublicSession) -> list[CarouselResponse]:
    return await service.list_items(db, "carousels", active_only=True)


@router.get("/faqs", response_model=list[FAQResponse])
async def get_faqs(db: PublicSession) -> list[FAQResponse]:
    return await service.list_items(db, "faqs", active_only=True)
