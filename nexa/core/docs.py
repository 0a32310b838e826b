"""The API documentation pages (Swagger UI at DOCS_URL, ReDoc at REDOC_URL) with a strict
Content-Security-Policy: scripts only from the CDN that serves the viewers plus the page's
own inline scripts by hash, no framing, no plugins, fetches only to this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from nexa.core.config import get_settings

CDN = "https://cdn.jsdelivr.net"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def content_security_policy(html: str) -> str:
    """A CSP allowing exactly this page's inline scripts and styles (by SHA-256)."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        hashes[kind].append(f"'sha256-{digest}'")
    directives = [
        "default-src 'none'",
        f"script-src {CDN} {' '.join(hashes['script'])}".rstrip(),
        # the viewers set style attributes from script: inline styles cannot be hashed
        f"style-src {CDN} https://fonts.googleapis.com 'unsafe-inline'",
        "font-src https://fonts.gstatic.com data:",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "connect-src 'self'",
        "worker-src blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


def _secured(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": content_security_policy(html)})


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages at DOCS_URL / REDOC_URL (create the app with both set to None)."""
    settings = get_settings()
    title = settings.app_name
    openapi_url = app.openapi_url or "/openapi.json"
    if settings.docs_url:
        redirect_url = settings.docs_url.rstrip("/") + "/oauth2-redirect"

        async def swagger_ui(_: Request) -> HTMLResponse:
            return _secured(
                get_swagger_ui_html(
                    openapi_url=openapi_url,
                    title=f"{title} - Swagger UI",
                    oauth2_redirect_url=redirect_url,
                )
            )

        async def swagger_ui_redirect(_: Request) -> HTMLResponse:
            return _secured(get_swagger_ui_oauth2_redirect_html())

        app.add_route(settings.docs_url, swagger_ui, include_in_schema=False)
        app.add_route(redirect_url, swagger_ui_redirect, include_in_schema=False)
    if settings.redoc_url:

        async def redoc(_: Request) -> HTMLResponse:
            return _secured(get_redoc_html(openapi_url=openapi_url, title=f"{title} - ReDoc"))

        app.add_route(settings.redoc_url, redoc, include_in_schema=False)
