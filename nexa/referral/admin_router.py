"""Referral administration at /admin/referrals/…, plus the earlier API's doubled-prefix
paths /admin/admin/referrals/… as deprecated aliases (docs/decisions.md#referral-admin-paths)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId
from nexa.models import ReferralStatus
from nexa.referral import service
from nexa.referral.schemas import (
    CustomerReferralDetails,
    ReferralProgramResponse,
    ReferralUsageLogResponse,
    SystemReferralStats,
)

router = APIRouter(prefix="/referrals", tags=["Admin - Referral Management"])


async def get_all_referral_programs(
    db: SessionDep,
    page: PageParams,
    status: ReferralStatus | None = None,
    is_active: bool | None = None,
) -> list[ReferralProgramResponse]:
    programs, total = await service.list_programs(
        db, status=status, is_active=is_active, skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return programs


async def get_referral_usage_logs(
    referral_id: Annotated[DbId, Path()], db: SessionDep
) -> list[ReferralUsageLogResponse]:
    return await service.usage_logs(db, referral_id)


async def get_referral_overview_stats(db: SessionDep) -> SystemReferralStats:
    return await service.overview(db)


async def get_customer_referral_details(
    customer_id: Annotated[DbId, Path()], db: SessionDep
) -> CustomerReferralDetails:
    return await service.customer_details(db, customer_id)


ROUTES: list[tuple[str, Callable[..., Any], Any]] = [
    ("/", get_all_referral_programs, list[ReferralProgramResponse]),
    ("/stats/overview", get_referral_overview_stats, SystemReferralStats),
    ("/{referral_id}/usage-logs", get_referral_usage_logs, list[ReferralUsageLogResponse]),
    ("/customer/{customer_id}/referrals", get_customer_referral_details, CustomerReferralDetails),
]


def _mark_deprecated(request: Request, response: Response) -> None:
    successor = request.url.path.replace("/admin/admin/referrals", "/admin/referrals", 1)
    response.headers["Deprecation"] = "true"
    response.headers["Link"] = f'<{successor}>; rel="successor-version"'


# the reference served these under a doubled prefix; kept for existing clients
deprecated_router = APIRouter(
    prefix="/admin/referrals",
    tags=["Admin - Referral Management"],
    deprecated=True,
    dependencies=[Depends(_mark_deprecated)],
)

for path, endpoint, model in ROUTES:
    router.add_api_route(path, endpoint, methods=["GET"], response_model=model)
    deprecated_router.add_api_route(
        path, endpoint, methods=["GET"], response_model=model, name=f"{endpoint.__name__}_alias"
    )
