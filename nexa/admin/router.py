"""Admin accounts. Every /admin route is guarded in nexa/api.py (401 anonymous, 403 customer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.admin import service
from nexa.admin.schemas import (
    AdminChangePassword,
    AdminCreate,
    AdminResponse,
    AdminUpdate,
    MfaSetupResponse,
    TotpConfirm,
)
from nexa.auth.dependencies import CurrentAdmin, CurrentPrincipal
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, Message
from nexa.models import Admin

router = APIRouter(prefix="/admins", tags=["Admin Management"])


@router.post("/", response_model=AdminResponse)
async def create_admin(data: AdminCreate, db: SessionDep, admin: CurrentAdmin) -> Admin:
    return await service.create_admin(db, data, admin)


@router.get("/", response_model=list[AdminResponse])
async def get_admins(
    db: SessionDep,
    page: PageParams,
    admin_id: Annotated[DbId | None, Query(description="Get specific admin by ID")] = None,
) -> list[Admin]:
    """Get all admins or a specific admin by ID."""
    if admin_id is not None:
        page.set_total(1)
        return [await service.get_admin(db, admin_id)]
    admins, total = await service.list_admins(db, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return admins


@router.post("/change-password", response_model=Message)
async def change_password(
    data: AdminChangePassword, admin: CurrentAdmin, principal: CurrentPrincipal, db: SessionDep
) -> Message:
    await service.change_own_password(
        db, admin, data.current_password, data.new_password, principal.session_id
    )
    return Message(message="Password changed successfully")


@router.put("/{admin_id}", response_model=AdminResponse)
async def update_admin(
    admin_id: Annotated[DbId, Path()], data: AdminUpdate, db: SessionDep, admin: CurrentAdmin
) -> Admin:
    return await service.update_admin(db, admin_id, data, admin)


# the caller's own second factor (docs/decisions.md#admin-mfa)
mfa_router = APIRouter(prefix="/mfa", tags=["Admin Management"])


@mfa_router.post("/setup", response_model=MfaSetupResponse)
async def start_mfa_setup(admin: CurrentAdmin, db: SessionDep) -> MfaSetupResponse:
    """A new TOTP secret and its otpauth:// URI, shown once; sign-in needs codes only after
    one is confirmed at `/admin/mfa/verify`."""
    return await service.start_mfa_setup(db, admin)


@mfa_router.post("/verify", response_model=Message)
async def confirm_mfa(data: TotpConfirm, admin: CurrentAdmin, db: SessionDep) -> Message:
    """Turn two-factor sign-in on: `/admin/login` then needs `totp`."""
    await service.confirm_mfa(db, admin, data.totp)
    return Message(message="Two-factor sign-in is on")


@mfa_router.post("/disable", response_model=Message)
async def disable_mfa(data: TotpConfirm, admin: CurrentAdmin, db: SessionDep) -> Message:
    """Turn two-factor sign-in off (it takes a current code)."""
    await service.disable_mfa(db, admin, data.totp)
    return Message(message="Two-factor sign-in is off")
