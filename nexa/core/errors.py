"""Business errors and the handlers that turn every failure into `{"detail", "code"}` JSON."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("nexa.errors")


class NexaError(Exception):
    """Base of business errors: a message for people, a stable code for programs."""

    status_code = 400
    code = "bad_request"
    # True when the request's writes must be kept although it fails (e.g. a declined
    # payment is recorded, a reused refresh token revokes its session)
    commit_changes = False

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        """`class PlanNotFound(NotFound, code="plan_not_found"): ...` declares an error."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(
        self,
        detail: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        *,
        commit_changes: bool = False,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.headers = headers
        self.commit_changes = commit_changes or self.commit_changes
        # extra fields for the error body (e.g. the failed payment's transaction_id)
        self.extra: dict[str, Any] = {}

    def body(self) -> dict[str, Any]:
        return {**error_body(self.detail, self.code), **self.extra}


class BadRequest(NexaError):
    status_code = 400
    code = "bad_request"


class Unauthorized(NexaError):
    status_code = 401
    code = "not_authenticated"

    def __init__(
        self, detail: str, code: str | None = None, *, commit_changes: bool = False
    ) -> None:
        super().__init__(
            detail, code, headers={"WWW-Authenticate": "Bearer"}, commit_changes=commit_changes
        )


class PaymentFailed(NexaError):
    status_code = 402
    code = "payment_failed"


class Forbidden(NexaError):
    status_code = 403
    code = "forbidden"


class NotFound(NexaError):
    status_code = 404
    code = "not_found"


class Conflict(NexaError):
    status_code = 409
    code = "conflict"


class TooManyRequests(NexaError):
    status_code = 429
    code = "rate_limited"


HTTP_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_body(detail: Any, code: str) -> dict[str, Any]:
    return {"detail": detail, "code": code}


async def _nexa_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NexaError)
    body = getattr(exc, "replay_body", None) or exc.body()
    return JSONResponse(jsonable_encoder(body), status_code=exc.status_code, headers=exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_STATUS_CODES.get(exc.status_code, "http_error")
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = "No such endpoint"
    return JSONResponse(error_body(detail, code), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # keep the framework's list shape that clients parse; drop echoed input (may be a password)
    errors = [
        {key: value for key, value in error.items() if key in ("loc", "msg", "type")}
        for error in exc.errors()
    ]
    return JSONResponse(error_body(jsonable_encoder(errors), "validation_error"), status_code=422)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database_unavailable", path=request.url.path, error=type(exc).__name__)
    return JSONResponse(
        error_body("The database is unavailable; try again shortly", "database_unavailable"),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return await _database_unavailable(request, exc)
    if isinstance(exc, DataError):
        # a value the database cannot take slipped past validation: still the client's input
        log.warning("database_rejected_value", path=request.url.path, error=type(exc.orig).__name__)
        return JSONResponse(
            error_body("A value in the request cannot be stored", "invalid_value"), status_code=400
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
    return JSONResponse(error_body("Internal server error", "internal_error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NexaError, _nexa_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
