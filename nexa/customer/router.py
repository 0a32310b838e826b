from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from nexa.auth.dependencies import CurrentCustomer, CurrentPrincipal
from nexa.core import rate_limit
from nexa.core.db import SessionDep
from nexa.core.rate_limit import ClientIp
from nexa.core.schemas import PASSWORD_MAX, Message
from nexa.customer import service
from nexa.customer.schemas import (
    ChangePasswordRequest,
    CustomerProfileResponse,
    CustomerProfileUpdate,
    CustomerRegister,
    CustomerResponse,
    PasswordResetRequest,
    PasswordResetResponse,
)
from nexa.models import Customer

router = APIRouter(prefix="/customer")


@router.post(
    "/register",
    response_model=CustomerResponse,
    tags=["Authentication"],
    responses={429: {"description": "Too many registrations for this number or address"}},
)
async def customer_register(data: CustomerRegister, db: SessionDep, ip: ClientIp) -> Customer:
    """Register a new customer account with optional referral code; with `otp` (required
    when phone verification is on) the number is verified."""
    await rate_limit.check_registration(data.phone_number, ip)
    return await service.register(db, data, ip)


@router.post(
    "/password/reset",
    response_model=PasswordResetResponse,
    tags=["Authentication"],
    responses={429: {"description": "Too many failed attempts for this number or address"}},
)
async def reset_customer_password(
    data: PasswordResetRequest, db: SessionDep, ip: ClientIp
) -> PasswordResetResponse:
    """Set a new password with a one-time code (purpose `reset_password`); every session of
    the customer is logged out."""
    return await service.reset_password(db, data, ip)


@router.get("/profile", response_model=CustomerProfileResponse, tags=["Customer Profile"])
async def get_customer_profile(customer: CurrentCustomer) -> Customer:
    return customer


@router.put("/profile", response_model=CustomerProfileResponse, tags=["Customer Profile"])
async def update_customer_profile(
    data: CustomerProfileUpdate, customer: CurrentCustomer, db: SessionDep
) -> Customer:
    return await service.update_profile(db, customer, data)


@router.post("/change-password", response_model=Message, tags=["Customer Profile"])
async def change_customer_password(
    customer: CurrentCustomer,
    principal: CurrentPrincipal,
    db: SessionDep,
    body: Annotated[ChangePasswordRequest | None, Body()] = None,
    current_password: Annotated[
        str | None,
        Query(deprecated=True, max_length=PASSWORD_MAX, description="Deprecated: use the body"),
    ] = None,
    new_password: Annotated[
        str | None,
        Query(deprecated=True, max_length=PASSWORD_MAX, description="Deprecated: use the body"),
    ] = None,
) -> Message:
    """Change the password (JSON body preferred); every other session is logged out."""
    if body is None:
        if current_password is None or new_password is None:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body",),
                        "msg": "current_password and new_password are required",
                        "type": "missing",
                    }
                ]
            )
        try:
            body = ChangePasswordRequest(
                current_password=current_password, new_password=new_password
            )
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from exc
    await service.change_password(
        db, customer, body.current_password, body.new_password, principal.session_id
    )
    return Message(message="Password changed successfully")
