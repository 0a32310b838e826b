from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, Message
from nexa.linked_account import service
from nexa.linked_account.schemas import CustomerLinks, LinkedAccountResponse

# mounted under /admin behind the admin guard (nexa/api.py)
router = APIRouter(prefix="/linked-accounts", tags=["Admin - Linked Accounts"])


@router.get("/", response_model=list[LinkedAccountResponse])
async def get_all_linked_accounts(
    db: SessionDep,
    page: PageParams,
    primary_customer_id: Annotated[
        DbId | None, Query(description="Filter by primary customer")
    ] = None,
    linked_phone: Annotated[
        str | None, Query(max_length=20, description="Linked number contains this")
    ] = None,
) -> list[LinkedAccountResponse]:
    """Every link, oldest first, with both customers resolved now."""
    links, total = await service.admin_list(
        db, primary_customer_id, linked_phone, page.skip, page.limit
    )
    page.set_total(total)
    return links


@router.get(
    "/customer/{customer_id}",
    response_model=CustomerLinks,
    responses={404: {"description": "No such customer"}},
)
async def get_customer_linked_relationships(
    customer_id: Annotated[DbId, Path()], db: SessionDep
) -> CustomerLinks:
    """A customer's links as primary owner, and the links other customers made to their number."""
    return await service.admin_customer_links(db, customer_id)


@router.delete(
    "/{linked_account_id}",
    response_model=Message,
    responses={404: {"description": "No such link"}},
)
async def admin_remove_linked_account(
    linked_account_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> Message:
    """Remove any link."""
    await service.admin_remove(db, linked_account_id, admin)
    return Message(message="Linked account removed successfully")
