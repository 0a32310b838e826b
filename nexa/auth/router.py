from __future__ import annotations

from fastapi import APIRouter, Body

from nexa.auth import service
from nexa.auth.dependencies import CurrentPrincipal
from nexa.auth.schemas import (
    AdminLogin,
    CustomerCodeLogin,
    CustomerLogin,
    LogoutRequest,
    LogoutResponse,
    Token,
    TokenRefresh,
    TokenResponse,
)
from nexa.core.db import SessionDep
from nexa.core.rate_limit import ClientIp

router = APIRouter(tags=["Authentication"])


@router.post("/admin/login", response_model=Token)
async def admin_login(data: AdminLogin, db: SessionDep, ip: ClientIp) -> Token:
    """Log in with e-mail and password, and `totp` once two-factor sign-in is on."""
    return await service.login_admin(db, data.email, data.password, data.totp, ip)


@router.post("/customer/login", response_model=Token)
async def customer_login(data: CustomerLogin, db: SessionDep, ip: ClientIp) -> Token:
    return await service.login_customer(db, data.phone_number, data.password, ip)


@router.post("/customer/login/otp", response_model=Token)
async def customer_login_with_code(data: CustomerCodeLogin, db: SessionDep, ip: ClientIp) -> Token:
    """Log in with a one-time code (`POST /customer/otp/request`, purpose `login`): the same
    tokens as the password login; it also verifies the number."""
    return await service.login_customer_with_code(db, data.phone_number, data.otp, ip)


@router.post("/refresh", response_model=TokenResponse)
async def refresh_token(data: TokenRefresh, db: SessionDep) -> TokenResponse:
    return await service.refresh(db, data.refresh_token)


@router.post("/logout", response_model=LogoutResponse)
async def logout(
    principal: CurrentPrincipal, db: SessionDep, data: LogoutRequest | None = Body(default=None)
) -> LogoutResponse:
    await service.logout(db, principal, data.refresh_token if data else None)
    return LogoutResponse(message="Successfully logged out")
