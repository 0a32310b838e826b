"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from nexa.core.config import get_settings
from nexa.core.db import get_engine

router = APIRouter(tags=["Health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers (no database access)."""
    settings = get_settings()
    return {"status": "ok", "app": settings.app_name, "version": settings.app_version}


@router.get("/ready", responses={503: {"description": "The database is unreachable"}})
async def ready() -> JSONResponse:
    """Readiness: the database answers a query."""
    try:
        async with get_engine().connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "code": "database_unavailable"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": "ok"})
