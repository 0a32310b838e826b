"""The one HTTP middleware (pure ASGI): request id, per-address ceiling, body size limit,
security headers, access log line and request metrics.

It does no database work: everything it needs comes from the ASGI scope, the route the
router selected, and the caller the auth dependency noted (`note_actor`).
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nexa.core import metrics, rate_limit
from nexa.core.config import Settings, get_settings

access_log = structlog.get_logger("nexa.access")

UNMATCHED = "<unmatched>"
REJECTED = "<rejected>"
# probes and scrapes are never throttled by the per-address ceiling
CEILING_EXEMPT = frozenset({"/health", "/ready", "/metrics"})

# every response; a route may set its own (the docs pages set their own CSP)
BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


# who the current request acts for, filled by the auth dependency
_actor: ContextVar[dict[str, Any] | None] = ContextVar("nexa_actor", default=None)


def note_actor(user_type: str, subject_id: int) -> None:
    """Called by the auth dependency: who made this request (for the access log)."""
    actor = _actor.get()
    if actor is not None:
        actor[f"{user_type}_id"] = subject_id
    structlog.contextvars.bind_contextvars(**{f"{user_type}_id": subject_id})


def route_template(scope: Scope) -> str:
    """The path template of the route the router selected, prefixes included, without a
    trailing slash (`/admin/customers/{customer_id}/activate`); UNMATCHED when none."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED
    path: str = scope["path"]
    # routers included under a prefix keep their own path: put the (literal) prefix back
    prefix_segments = path.count("/") - template.count("/")
    if prefix_segments > 0:
        template = "/".join(path.split("/")[: prefix_segments + 1]) + template
    if len(template) > 1 and template.endswith("/"):
        template = template[:-1]
    return template


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            if 0 < len(incoming) <= 64 and incoming.isprintable():
                return incoming
            break
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json_error(
    send: Send, status: int, body: bytes, extra_headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or get_settings()
        self.max_body = self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        actor: dict[str, Any] = {}
        _actor.set(actor)
        status = 500
        extra = [(b"x-request-id", request_id.encode("latin-1")), *BASE_HEADERS]
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        route = REJECTED
        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                limit, code, body, headers = refusal
                if code == 429:
                    metrics.RATE_LIMITED.labels(limit).inc()
                await _send_json_error(send_with_headers, code, body, headers)
                return
            await self.app(scope, self._limited_receive(receive), send_with_headers)
            route = route_template(scope)
        except BaseException:
            route = route_template(scope)
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.observe_request(scope["method"], route, status, elapsed)
            access_log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                **actor,
            )

    def _refusal(self, scope: Scope) -> tuple[str, int, bytes, list[tuple[bytes, bytes]]] | None:
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            return (
                "body",
                413,
                b'{"detail": "The request body is too large", "code": "payload_too_large"}',
                [],
            )
        if scope["path"] in CEILING_EXEMPT:
            return None
        client = scope.get("client")
        retry_after = rate_limit.ceiling_retry_after(client[0] if client else "unknown")
        if retry_after is None:
            return None
        return (
            "global",
            429,
            b'{"detail": "Too many requests from this address; slow down", "code": "rate_limited"}',
            [(b"retry-after", str(retry_after).encode())],
        )

    def _limited_receive(self, receive: Receive) -> Receive:
        """Counts body bytes as they arrive (a body without Content-Length, or a lying one)."""
        received = 0
        limit = self.max_body

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, "The request body is too large")
            return message

        return limited
