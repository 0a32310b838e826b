"""Authentication dependencies: `CurrentCustomer`, `CurrentAdmin`, and the /admin guard."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.auth import service as auth_service
from nexa.auth.service import Principal
from nexa.core.db import get_session
from nexa.core.errors import Forbidden, Unauthorized
from nexa.models import Admin, Customer, UserType

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

bearer_scheme = HTTPBearer(auto_error=False, description="An access token from a login")


async def current_principal(
    db: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Not authenticated: send an access token as a Bearer header")
    return await auth_service.authenticate(db, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_customer(principal: CurrentPrincipal) -> Customer:
    if principal.user_type != UserType.customer or principal.customer is None:
        raise Forbidden("This endpoint is for customers", "customer_only")
    return principal.customer


async def current_admin(principal: CurrentPrincipal) -> Admin:
    if principal.user_type != UserType.admin or principal.admin is None:
        raise Forbidden("This endpoint is for administrators", "admin_only")
    return principal.admin


CurrentCustomer = Annotated[Customer, Depends(current_customer)]
CurrentAdmin = Annotated[Admin, Depends(current_admin)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]
