"""The admin console: static HTML, ES modules and CSS served at /console (no build step).

Every page of the console talks to the admin API with the same tokens as any other client.
Its responses carry their own Content-Security-Policy (the edge middleware adds its strict
default only where a response has none): scripts, styles, images and fetches from this
origin only, no inline scripts or styles, no framing.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/console"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
)
CONSOLE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # always revalidated (ETag), so a new release is picked up on the next load
    "Cache-Control": "no-cache",
}
# explicit types: module scripts are refused under `nosniff` unless served as JavaScript,
# whatever the host's mime.types says
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}


class ConsoleFiles(StaticFiles):
    """StaticFiles with known media types and the console's security headers."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        suffix = Path(full_path).suffix.lower()
        response = FileResponse(
            full_path,
            status_code=status_code,
            stat_result=stat_result,
            media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
            headers=CONSOLE_HEADERS,
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            # a 304's headers replace the cached copy's: without the console's CSP here the
            # edge middleware's default (`default-src 'none'`) would block the cached page
            not_modified = NotModifiedResponse(response.headers)
            not_modified.headers.update(CONSOLE_HEADERS)
            return not_modified
        return response


def install_console(app: FastAPI) -> None:
    """Serve the console at /console and /console/ (its files under /console/...)."""
    files = ConsoleFiles(directory=STATIC_DIR, html=True)

    async def console_index(request: Request) -> Response:
        index = STATIC_DIR / "index.html"
        return files.file_response(index, index.stat(), request.scope)

    app.add_route(PREFIX, console_index, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount(PREFIX, files, name="console")
