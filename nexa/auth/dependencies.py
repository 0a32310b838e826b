"""Route dependencies for authentication: `CurrentCustomer`, `CurrentAdmin`, the /admin guard."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nexa.admin import service as admin_service
from nexa.auth import service as auth_service
from nexa.auth.service import Principal
from nexa.core import rate_limit
from nexa.core.db import SessionDep
from nexa.core.errors import Forbidden, Unauthorized
from nexa.core.middleware import note_actor, route_template
from nexa.customer import service as customer_service
from nexa.models import Admin, Customer, UserType

bearer_scheme = HTTPBearer(auto_error=False, description="An access token from a login")


async def current_principal(
    db: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Not authenticated: send an access token as a Bearer header")
    principal = await auth_service.authenticate(db, credentials.credentials)
    note_actor(principal.user_type.value, principal.subject_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


# the money-moving POSTs (they take an Idempotency-Key): NEXA_PAYMENT_RATE_LIMIT per customer
PAYMENT_ROUTES = frozenset(
    {
        "/customer/recharge",
        "/customer/linked-accounts/{linked_account_id}/recharge",
        "/customer/postpaid/activate",
        "/customer/postpaid/purchase-addon",
        "/customer/postpaid/pay-bill",
    }
)


async def customer_principal(request: Request, principal: CurrentPrincipal) -> Principal:
    if principal.user_type != UserType.customer:
        raise Forbidden("This endpoint is for customers", "customer_only")
    if request.method == "POST" and route_template(request.scope) in PAYMENT_ROUTES:
        await rate_limit.check_payment(principal.subject_id)
    return principal


async def admin_principal(principal: CurrentPrincipal) -> Principal:
    if principal.user_type != UserType.admin:
        raise Forbidden("This endpoint is for administrators", "admin_only")
    return principal


# the caller's identity only: no query when the session is cached
CustomerPrincipal = Annotated[Principal, Depends(customer_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]


async def current_customer(principal: CustomerPrincipal, db: SessionDep) -> Customer:
    customer = await customer_service.find(db, principal.subject_id)
    if customer is None:
        raise Unauthorized("The account no longer exists", "invalid_token")
    auth_service.ensure_customer_may_sign_in(customer)
    return customer


async def current_admin(principal: AdminPrincipal, db: SessionDep) -> Admin:
    admin = await admin_service.find(db, principal.subject_id)
    if admin is None:
        raise Unauthorized("The account no longer exists", "invalid_token")
    return admin


# the caller's account row, loaded in the request's transaction
CurrentCustomer = Annotated[Customer, Depends(current_customer)]
CurrentAdmin = Annotated[Admin, Depends(current_admin)]
