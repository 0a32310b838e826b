"""create_app(): the FastAPI application with its middleware, error handlers and routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from nexa.api import mount_routers
from nexa.console import install_console
from nexa.core.config import PLACEHOLDER_GSTIN, Settings, get_settings
from nexa.core.db import dispose_engine
from nexa.core.docs import install_docs
from nexa.core.errors import install_error_handlers
from nexa.core.logging import configure_logging
from nexa.core.metrics import metrics_endpoint
from nexa.core.middleware import EdgeMiddleware


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise pause every request now and then
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    yield
    await dispose_engine()


# GST allows a document number of at most 16 characters (docs/decisions.md#invoice-numbering)
GST_NUMBER_MAX = 16


def _warn_about_invoice_settings(settings: Settings) -> None:
    """Invoices must name the real business; their numbers should fit GST's 16 characters."""
    log = structlog.get_logger("nexa.main")
    if settings.gstin == PLACEHOLDER_GSTIN:
        log.warning(
            "invoice_supplier_is_a_placeholder",
            hint="set NEXA_GSTIN, NEXA_GST_STATE, NEXA_OPERATOR_NAME and NEXA_OPERATOR_ADDRESS",
        )
    longest = max(len(settings.invoice_prefix), len(settings.credit_note_prefix))
    if longest + len("/2026-27/000001") > GST_NUMBER_MAX:
        log.warning(
            "invoice_numbers_over_16_characters",
            hint="a one-character NEXA_INVOICE_PREFIX and NEXA_CREDIT_NOTE_PREFIX fit",
        )


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging()
    settings.resolved_secret_key()  # fail or generate the development key at start, not mid-request
    # codes would only be logged as sent (no test inbox in production): nobody could
    # register (docs/decisions.md#phone-verification)
    gatewayless = settings.sms_provider == "log" and settings.phone_verification_required
    if settings.is_production and gatewayless:
        structlog.get_logger("nexa.main").warning(
            "phone_verification_without_sms_gateway",
            hint="set NEXA_SMS_PROVIDER=http, or NEXA_PHONE_VERIFICATION=off",
        )
    if settings.is_production:
        _warn_about_invoice_settings(settings)
    app = FastAPI(
        title=settings.app_name,
        version=settings.app_version,
        description="NEXA: prepaid and postpaid recharge and self-care backend.",
        docs_url=None,  # served by install_docs, with a strict CSP
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
        debug=False,  # tracebacks never reach clients, whatever DEBUG says
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # never credentials for "any origin": a wildcard would let every site use them
        allow_credentials="*" not in settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Total-Count", "X-Request-ID", "Retry-After", "Idempotent-Replayed"],
    )
    app.add_middleware(EdgeMiddleware)  # outermost: ids, limits, headers, log line, metrics
    install_error_handlers(app)
    install_docs(app)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    mount_routers(app)
    install_console(app)  # the admin console at /console (static files)
    return app
