"""The one place routers are mounted, at the reference paths (no prefix)."""

from __future__ import annotations

import copy

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from nexa import health, wiring
from nexa.admin.router import mfa_router as admin_mfa_router
from nexa.admin.router import router as admin_accounts_router
from nexa.analytics.admin_router import dashboard_router
from nexa.analytics.admin_router import router as analytics_admin_router
from nexa.audit.admin_router import router as audit_admin_router
from nexa.auth.dependencies import admin_principal
from nexa.auth.router import router as auth_router
from nexa.backup.admin_router import router as backup_admin_router
from nexa.catalog.admin_router import router as catalog_admin_router
from nexa.catalog.router import router as catalog_router
from nexa.cms.admin_router import router as cms_admin_router
from nexa.cms.router import router as cms_router
from nexa.core.config import get_settings
from nexa.customer.admin_router import router as customer_admin_router
from nexa.customer.router import router as customer_router
from nexa.history.admin_router import router as history_admin_router
from nexa.history.router import router as history_router
from nexa.invoice.admin_router import router as invoice_admin_router
from nexa.invoice.router import router as invoice_router
from nexa.linked_account.admin_router import router as linked_admin_router
from nexa.linked_account.router import router as linked_router
from nexa.notification.admin_router import router as notification_admin_router
from nexa.notification.admin_router import test_sms_router
from nexa.notification.router import router as notification_router
from nexa.otp.router import router as otp_router
from nexa.payment.admin_router import router as payment_admin_router
from nexa.payment.router import router as payment_router
from nexa.postpaid.admin_router import router as postpaid_admin_router
from nexa.postpaid.router import router as postpaid_router
from nexa.recharge.admin_router import router as usage_feed_router
from nexa.recharge.router import router as recharge_router
from nexa.referral.admin_router import deprecated_router as referral_alias_router
from nexa.referral.admin_router import router as referral_admin_router
from nexa.referral.router import router as referral_router
from nexa.testclock.router import router as test_clock_router

# FastAPI tries routes in order: the busiest (catalogue, recharge) come first
PUBLIC_AND_CUSTOMER_ROUTERS = [
    catalog_router,
    recharge_router,
    health.router,
    auth_router,
    customer_router,
    otp_router,
    usage_feed_router,  # /admin/usage: admin or the usage-feed token (its own guard)
    referral_router,
    postpaid_router,
    notification_router,
    cms_router,
    linked_router,
    history_router,
    invoice_router,
    payment_router,  # webhooks are public: each provider's signature guards them
]
# Mounted under /admin behind one guard: anonymous -> 401, customer token -> 403.
ADMIN_ROUTERS = [
    admin_accounts_router,
    admin_mfa_router,
    referral_admin_router,
    referral_alias_router,
    postpaid_admin_router,
    notification_admin_router,
    cms_admin_router,
    catalog_admin_router,
    customer_admin_router,
    linked_admin_router,
    history_admin_router,
    analytics_admin_router,
    dashboard_router,
    audit_admin_router,
    backup_admin_router,
    payment_admin_router,
    invoice_admin_router,
]


def add_trailing_slash_twins(router: APIRouter) -> None:
    """Serve `/x` and `/x/` alike, without redirects; only one form is documented
    (docs/decisions.md#trailing-slash)."""
    existing = {
        (route.path, frozenset(route.methods or ()))
        for route in router.routes
        if isinstance(route, APIRoute)
    }
    for route in list(router.routes):
        if not isinstance(route, APIRoute) or route.path in ("", "/"):
            continue
        twin_path = route.path[:-1] if route.path.endswith("/") else route.path + "/"
        key = (twin_path, frozenset(route.methods or ()))
        if key in existing:
            continue
        twin = copy.copy(route)
        twin.path = twin_path
        twin.path_regex, twin.path_format, twin.param_convertors = compile_path(twin_path)
        twin.include_in_schema = False
        router.routes.append(twin)
        existing.add(key)


def mount_routers(app: FastAPI) -> None:
    wiring.wire()
    for router in PUBLIC_AND_CUSTOMER_ROUTERS:
        add_trailing_slash_twins(router)
        app.include_router(router)
    admin_router = APIRouter(prefix="/admin", dependencies=[Depends(admin_principal)])
    admin_routers = list(ADMIN_ROUTERS)
    if not get_settings().is_production:
        # test tools: nobody may move time or read customers' codes on a live system
        admin_routers += [test_clock_router, test_sms_router]
    for router in admin_routers:
        add_trailing_slash_twins(router)
        admin_router.include_router(router)
    app.include_router(admin_router)
